"""Sessions and SQLite files: writers queue for the write lock; a new file's page size, an old file's kept."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from sqlalchemy import func, select

from okmot.db import engine
from okmot.db.engine import Actor, Database
from okmot.db.migrate import open_database
from okmot.models import Setting


def test_concurrent_writers_that_read_first_all_commit(db: Database) -> None:
    actor = Actor(None, "writer")
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with db.session(actor) as s:
                    s.get(Setting, uuid.uuid4())  # a read first: a deferred BEGIN would hold a stale snapshot
                    s.add(Setting(key=f"k{n}-{i}", value=i))
                    time.sleep(0.002)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Setting)) == 60


def _file_settings(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_size").fetchone()[0], conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


def test_a_new_database_has_16_kib_pages_and_an_old_one_keeps_its_own(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    new = open_database(tmp_path / "new.sqlite3")
    new.dispose()
    assert _file_settings(tmp_path / "new.sqlite3") == (16384, "wal")

    # A database made before the change (SQLite's default 4 KiB) opens, takes writes and keeps its pages.
    with monkeypatch.context() as m:
        m.setattr(engine, "PAGE_SIZE", 4096)
        open_database(tmp_path / "old.sqlite3").dispose()
    old = open_database(tmp_path / "old.sqlite3")
    try:
        with old.session(Actor(None, "writer")) as s:
            s.add(Setting(key="after", value=1))
        with old.session() as s:
            assert s.scalar(select(Setting.value).where(Setting.key == "after")) == 1
    finally:
        old.dispose()
    assert _file_settings(tmp_path / "old.sqlite3") == (4096, "wal")
