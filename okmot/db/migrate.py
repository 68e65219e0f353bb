"""Bring a database to the current schema at start: back it up first, refuse one from a newer Okmot."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from okmot.backup import take_backup
from okmot.db.engine import Database
from okmot.errors import NewerDatabaseError, NotOkmotDatabaseError
from okmot.i18n import _
from okmot.paths import backups_dir, ensure_dir

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class UpgradeResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None

    @property
    def changed(self) -> bool:
        return self.from_revision != self.to_revision


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revision(revision: str) -> bool:
    """True when this version of Okmot has the migration ``revision`` (so it can upgrade from it)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def records_revision(revision: str) -> str:
    """The oldest revision whose synced records are the same as ``revision``'s.

    A migration that changes no column of a synced table (0006 only adds indexes) says so with
    ``changes_records = False`` in its module: a package made before it carries the same records,
    so a district that has it still imports the offices' packages until they update.
    """
    scripts = ScriptDirectory.from_config(alembic_config())
    script = scripts.get_revision(revision)
    while script is not None and getattr(script.module, "changes_records", True) is False:
        script = scripts.get_revision(script.down_revision)
    return script.revision if script is not None else revision


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, *, backup_dir: Path | None = None) -> UpgradeResult:
    """Migrate ``db`` to head. Raises NewerDatabaseError for a schema this version does not know."""
    head = head_revision()
    current = current_revision(db.engine)
    if current == head:
        return UpgradeResult(current, head, None)
    if current is None and inspect(db.engine).get_table_names():
        raise _not_okmot()
    if current is not None and not known_revision(current):
        raise NewerDatabaseError(_("This database was written by a newer version of Okmot. "
                                   "Install the newer version to open it; nothing was changed."))
    backup = None
    if current is not None and db.is_sqlite:
        path = Path(db.engine.url.database)
        backup = take_backup(path, backup_dir or backups_dir(), label=f"before-upgrade-{current}").path
        log.info("backed up %s to %s before upgrading", path, backup)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            # Batch migrations rebuild a table (copy, drop, rename). With foreign keys on, dropping a
            # table that other rows reference fails, so a filled database could not be upgraded. The
            # pragma is ignored inside a transaction: set it on the raw connection before BEGIN.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg = alembic_config(db.engine)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if db.is_sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:  # raising rolls the whole upgrade back
                        raise RuntimeError(f"upgrade left rows with dangling references: {broken[:5]}")
        finally:
            if db.is_sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
    log.info("database upgraded from %s to %s", current, head)
    return UpgradeResult(current, head, backup)


def _not_okmot() -> NotOkmotDatabaseError:
    return NotOkmotDatabaseError(
        _("This file is not an Okmot database (it belongs to another program); nothing was changed."))


def _check_foreign_sqlite(path: Path) -> None:
    """Refuse a file that is not an Okmot database before our connection settings touch it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise NotOkmotDatabaseError(
            _("The file {path} is damaged or is not a database; nothing was changed.").format(path=path)) from None
    if tables and "alembic_version" not in tables:
        raise _not_okmot()


def open_database(target, *, backup_dir: Path | None = None) -> Database:
    """Open (creating if needed) and migrate a database; the one way the app and CLI open one."""
    if not str(target).count("://"):
        path = Path(target).expanduser().resolve()
        ensure_dir(path.parent)
        _check_foreign_sqlite(path)
    db = Database(target)
    try:
        db.last_upgrade = upgrade(db, backup_dir=backup_dir)
    except BaseException:
        db.dispose()
        raise
    return db
