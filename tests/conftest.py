"""Shared fixtures: an isolated Okmot home per test, migrated SQLite copies and a throwaway PostgreSQL.

Under pytest-xdist every worker process has its own session fixtures, so each worker migrates its
own SQLite template and (only if a test asks for ``pg_url``) starts its own PostgreSQL server.
"""

from __future__ import annotations

import os

# Before anything can import Qt: tests never open windows on a real display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import contextlib  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from okmot import i18n, paths  # noqa: E402
from okmot.db.engine import Database  # noqa: E402
from okmot.db.migrate import open_database  # noqa: E402
import ui.forms  # noqa: E402
from tests import pg_server as pg_server_module  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402


def _no_one_to_answer(parent) -> str:
    """Nobody sits at the offscreen screen: a dirty dialog closed at teardown discards instead of
    waiting forever on a modal question. Tests of the prompt patch ``ask_unsaved`` themselves."""
    return "discard"


# Installed before any ui module binds the name (household_card imports it directly).
ui.forms.ask_unsaved = _no_one_to_answer


# --------------------------------------------------------------------------- isolation


@pytest.fixture(autouse=True)
def okmot_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point OKMOT_HOME at a per-test folder and forget OKMOT_DB: no test touches a real user folder."""
    home = tmp_path / "okmot-home"
    monkeypatch.setenv(paths.ENV_HOME, str(home))
    monkeypatch.delenv(paths.ENV_DB, raising=False)
    return home


@pytest.fixture(autouse=True)
def english_messages() -> None:
    """Messages in the English source strings, so assertions on them are stable.

    Tests that need Kyrgyz or Russian call ``okmot.i18n.set_language`` themselves.
    """
    i18n.set_language("en")


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per session (per xdist worker); tests get copies of it."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    open_database(path).dispose()
    # Fold any write-ahead log into the main file, so copying that one file copies everything.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


@pytest.fixture
def db_path(sqlite_template: Path, tmp_path: Path) -> Path:
    """Path of a fresh migrated SQLite database, private to the test."""
    path = tmp_path / "okmot.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A fresh migrated SQLite database (a copy of the session template), disposed afterwards."""
    database = Database(db_path)
    try:
        yield database
    finally:
        database.dispose()


# --------------------------------------------------------------------------- PostgreSQL

PG_DATABASE = "okmot_test"


def _unavailable(reason: str):
    """Missing PostgreSQL fails the run on CI (it must be there) and skips the test elsewhere."""
    message = f"PostgreSQL tests cannot run: {reason}. Install it with `make postgres`."
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    reason = pg_server_module.unavailable_reason()
    if reason is not None:
        _unavailable(reason)
    with pg_server_module.throwaway_server() as server:
        server.create_database(PG_DATABASE)
        yield server


@pytest.fixture(scope="session")
def pg_url(pg_server: PgServer) -> str:
    """URL of a throwaway PostgreSQL server's ``okmot_test`` database, e.g. postgresql://postgres@127.0.0.1:PORT/okmot_test."""
    return pg_server.url(PG_DATABASE)


@pytest.fixture
def pg_db(pg_server: PgServer, pg_url: str) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database private to the test (dropped afterwards)."""
    name = f"okmot_t_{uuid.uuid4().hex[:16]}"
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)
