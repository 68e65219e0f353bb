"""Migrations build exactly the schema the models describe; upgrades back up first and refuse newer files."""

from __future__ import annotations

import contextlib
import warnings
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, inspect

import okmot.models  # noqa: F401 - registers every table on the metadata
from okmot.db import migrate
from okmot.db.base import Base
from okmot.db.engine import Database
from okmot.db.migrate import head_revision, open_database, upgrade
from okmot.errors import NewerDatabaseError


def _expression_indexes() -> set[str]:
    return {ix.name for table in Base.metadata.tables.values() for ix in table.indexes
            if any(not isinstance(e, Column) for e in ix.expressions)}


def assert_schema_matches_models(database: Database) -> None:
    """Every model table exists, and autogenerate finds nothing left to migrate."""
    sqlite = database.engine.dialect.name == "sqlite"
    expression_indexes = _expression_indexes()

    def include_object(obj, name, type_, reflected, compare_to):
        # SQLite cannot reflect expression indexes; they are checked by name below instead.
        return not (sqlite and type_ == "index" and name in expression_indexes)

    with database.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        missing = set(Base.metadata.tables) - tables
        assert not missing, f"tables missing after upgrade: {sorted(missing)}"
        assert "alembic_version" in tables

        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            diff = compare_metadata(context, Base.metadata)
        if sqlite:
            names = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
            assert expression_indexes <= names, f"expression indexes missing: {expression_indexes - names}"
    assert diff == [], "models and migrations disagree; add a migration for:\n" + "\n".join(
        map(repr, diff)
    )


def test_sqlite_upgrade_from_empty_matches_models(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.sqlite3")
    try:
        assert migrate.current_revision(db.engine) == head_revision()
        assert_schema_matches_models(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_upgrade_from_empty_matches_models(pg_db: str) -> None:
    db = open_database(pg_db)
    try:
        assert db.engine.dialect.name == "postgresql"
        assert migrate.current_revision(db.engine) == head_revision()
        assert_schema_matches_models(db)
    finally:
        db.dispose()


def test_upgrade_at_head_is_a_no_op_without_backup(db: Database, okmot_home: Path) -> None:
    result = upgrade(db)
    assert result.from_revision == result.to_revision == head_revision()
    assert not result.changed
    assert result.backup is None
    assert not (okmot_home / "backups").exists()


def test_upgrade_of_an_older_database_backs_it_up_first(tmp_path: Path, okmot_home: Path) -> None:
    from alembic import command

    path = tmp_path / "old.sqlite3"
    old = Database(path)
    try:
        with old.engine.begin() as conn:
            cfg = migrate.alembic_config(old.engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")  # the first released schema
        assert migrate.current_revision(old.engine) == "0001"
    finally:
        old.dispose()

    db = open_database(path)
    try:
        result = db.last_upgrade
        assert (result.from_revision, result.to_revision) == ("0001", head_revision())
        assert result.backup is not None and result.backup.parent == okmot_home / "backups"
        assert "before-upgrade-0001" in result.backup.name
        assert_schema_matches_models(db)
    finally:
        db.dispose()
    with contextlib.closing(sqlite3.connect(result.backup)) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert version == "0001"
    assert "movement" not in tables and "household" in tables


def test_newer_database_is_refused_and_left_untouched(db_path: Path, okmot_home: Path) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
        conn.commit()
    before = db_path.read_bytes()

    with pytest.raises(NewerDatabaseError) as excinfo:
        open_database(db_path)

    assert "newer version of Okmot" in str(excinfo.value)
    assert db_path.read_bytes() == before
    assert not (okmot_home / "backups").exists()


def test_sqlite_connections_are_durable_and_enforce_foreign_keys(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    from okmot.errors import NotOkmotDatabaseError

    path = tmp_path / "accounts.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER)")
        conn.execute("INSERT INTO ledger (amount) VALUES (5)")
        conn.commit()
    before = path.read_bytes()
    with pytest.raises(NotOkmotDatabaseError, match="not an Okmot database"):
        open_database(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    from okmot.errors import NotOkmotDatabaseError

    path = tmp_path / "letter.sqlite3"
    path.write_bytes(b"This is a letter, not a database.\n" * 200)
    with pytest.raises(NotOkmotDatabaseError, match="damaged or is not a database"):
        open_database(path)
    assert path.read_bytes() == b"This is a letter, not a database.\n" * 200
