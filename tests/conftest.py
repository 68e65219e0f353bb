"""Shared fixtures: an isolated Okmot home per test, migrated SQLite copies and a throwaway PostgreSQL.

Under pytest-xdist every worker process has its own session fixtures, so each worker migrates its
own SQLite template and (only if a test asks for ``pg_url``) starts its own PostgreSQL server.
"""

from __future__ import annotations

import os

# Before anything can import Qt: tests never open windows on a real display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import contextlib  # noqa: E402
import pwd  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from okmot import i18n, paths  # noqa: E402
from okmot.db.engine import Database  # noqa: E402
from okmot.db.migrate import open_database  # noqa: E402
import ui.forms  # noqa: E402


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

PG_ROOT = Path("/usr/lib/postgresql")
PG_OS_USER = "postgres"
PG_DATABASE = "okmot_test"


def _pg_bin_dir() -> Path | None:
    """The newest PostgreSQL bin directory with initdb and pg_ctl (Debian layout, then PATH)."""

    def version_key(d: Path) -> tuple[int, ...]:
        try:
            return tuple(int(p) for p in d.parent.name.split("."))
        except ValueError:
            return (0,)

    for d in sorted(PG_ROOT.glob("*/bin"), key=version_key, reverse=True):
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def _unavailable(reason: str):
    """Missing PostgreSQL fails the run on CI (it must be there) and skips the test elsewhere."""
    message = f"PostgreSQL tests cannot run: {reason}. Install it with `make postgres`."
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _utf8_locale() -> str | None:
    """C.UTF-8 if the system has it: byte-order collation, but lower()/upper() that know Cyrillic."""
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = {line.strip().lower() for line in out.splitlines()}
    return "C.UTF-8" if {"c.utf8", "c.utf-8"} & names else None


class _PgServer:
    """A throwaway cluster in a temp dir, reachable on 127.0.0.1:<port> and a Unix socket in the dir."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="okmot-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = 0
        self.running = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            # initdb and postgres refuse to run as root: run them as the postgres system user.
            cmd = ["runuser", "-u", PG_OS_USER, "--", *cmd]
        # cwd: the server user must be able to read its working directory.
        return subprocess.run(cmd, cwd=self.base, capture_output=True, text=True, timeout=120)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def init(self) -> None:
        if self.as_root:
            pw = pwd.getpwnam(PG_OS_USER)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        args = ["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--no-sync"]
        locale = _utf8_locale()
        args += [f"--locale={locale}"] if locale else ["--no-locale"]
        self._check(self._run(*args), "initdb")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.base}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "'32MB'",
            "max_connections": "100",
            "timezone": "'UTC'",
        }
        # Appending keeps the file's owner (the server user); later lines win over earlier ones.
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# okmot test fixture\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def start(self) -> None:
        # Another process may grab the port between choosing and binding it: retry on a new one.
        for attempt in range(5):
            self.port = _free_port()
            result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                               "-o", f"-p {self.port}", "start")
            if result.returncode == 0:
                self.running = True
                return
            if attempt == 4:
                self._check(result, "pg_ctl start")

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


def _admin_connection(port: int):
    import psycopg

    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                           autocommit=True, connect_timeout=10)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[_PgServer]:
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        _unavailable(f"initdb/pg_ctl not found under {PG_ROOT}/*/bin or on PATH")
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            _unavailable("running as root and `runuser` is missing (initdb refuses to run as root)")
        try:
            pwd.getpwnam(PG_OS_USER)
        except KeyError:
            _unavailable(f"running as root and there is no '{PG_OS_USER}' system user to run the server")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install -e '.[dev]')")
    server = _PgServer(bin_dir)
    try:
        server.init()
        server.start()
        with _admin_connection(server.port) as conn:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: _PgServer) -> str:
    """URL of a throwaway PostgreSQL server's ``okmot_test`` database, e.g. postgresql://postgres@127.0.0.1:PORT/okmot_test."""
    return pg_server.url(PG_DATABASE)


@pytest.fixture
def pg_db(pg_server: _PgServer, pg_url: str) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database private to the test (dropped afterwards)."""
    name = f"okmot_t_{uuid.uuid4().hex[:16]}"
    with _admin_connection(pg_server.port) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_server.url(name)
    finally:
        with _admin_connection(pg_server.port) as conn:
            # FORCE ends sessions a test may have left open (PostgreSQL 13+).
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
