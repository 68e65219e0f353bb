"""Engine and unit-of-work sessions for SQLite files and PostgreSQL URLs."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
import uuid

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from okmot.db import journal


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a logged-in user, or the system (demo generator, setup)."""

    user_id: uuid.UUID | None
    username: str
    #: The signed-in user's role, checked by okmot.permissions; None for the program itself.
    role: str | None = None


SYSTEM = Actor(user_id=None, username="system")


def is_url(target: str) -> bool:
    return "://" in target


def database_url(target: str | Path) -> str:
    """Turn a file path or URL given by the user into an SQLAlchemy URL."""
    text = str(target)
    if is_url(text):
        if text.startswith("postgresql://"):
            return "postgresql+psycopg://" + text[len("postgresql://"):]
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


#: The page size of a new SQLite database (an existing one keeps its own: WAL mode fixes it).
#: 16 KiB instead of SQLite's 4 KiB: an office's records, whose ids sort together (okmot.db.ids),
#: fill fewer and shallower B-tree pages, so an import reads and writes fewer of them: the 20
#: district packages took 81 s instead of 97-106 s (docs/performance.md, round 7).
PAGE_SIZE = 16384


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record) -> None:
    cur = dbapi_conn.cursor()
    # Only an empty file takes it, and only before WAL mode is set below.
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL syncs the WAL on every commit: a committed transaction survives a power cut.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(target: str | Path, *, echo: bool = False) -> Engine:
    url = database_url(target)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take control so that
        # reads and writes of one unit of work happen in one transaction.
        event.listen(engine, "connect", _disable_pysqlite_begin)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _disable_pysqlite_begin(dbapi_conn: sqlite3.Connection, _record) -> None:
    dbapi_conn.isolation_level = None


#: Execution option marking a connection that will write: its transaction takes the write lock
#: at BEGIN, so two writers queue (busy_timeout) instead of one failing with "database is locked"
#: when it tries to upgrade a read transaction that the other writer has made stale.
WRITE_OPTION = "okmot_writes"


def _begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")


class Database:
    """One database: the engine plus a factory of sessions that journal their writes."""

    def __init__(self, target: str | Path, *, echo: bool = False):
        self.target = str(target)
        self.engine = make_engine(target, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Set by okmot.db.migrate.open_database: what the start-up migration did.
        self.last_upgrade = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def session(self, actor: Actor | None = None) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back on any exception.

        Writes need an ``actor``; a session without one is read-only by contract and the
        change journal refuses to flush changes from it.
        """
        session = self._sessions()
        journal.attach(session, actor)
        if actor is not None and self.is_sqlite:
            session.connection(execution_options={WRITE_OPTION: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
