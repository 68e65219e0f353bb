"""A locked, damaged or full database gives a translated message with a way forward, never a traceback."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from okmot.errors import DamagedDatabaseError, EnvironmentProblem
from okmot.services.context import open_context, storage_problem
from tests import village


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "okmot.sqlite3"
    ctx = village.build(path, households_count=2)
    ctx.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def test_a_locked_database_is_explained_on_sign_in(built: Path) -> None:
    ctx = open_context(built)
    holder = sqlite3.connect(built, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        ctx.db.engine.dispose()
        with pytest.raises(EnvironmentProblem, match="in use by another program"):
            ctx.sign_in("aida", village.PASSWORD)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        ctx.close()


def test_a_damaged_database_at_start_says_to_restore_a_backup(built: Path, tmp_path: Path) -> None:
    data = bytearray(built.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), page):  # keep the schema page, wreck the rest
        data[start:start + page] = b"\xff" * page
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(bytes(data))
    with pytest.raises(EnvironmentProblem) as caught:
        ctx = open_context(broken)
        try:
            ctx.sign_in("aida", village.PASSWORD)
        finally:
            ctx.close()
    assert isinstance(caught.value, DamagedDatabaseError) or "damaged" in caught.value.message


def test_messages_for_read_only_and_full_disk() -> None:
    readonly = OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database"))
    assert "is read-only" in storage_problem(readonly, "/x/okmot.sqlite3").message
    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    assert storage_problem(full, "/x").message == "The disk is full: nothing was saved. Free some space and try again."
    damaged = OperationalError("SELECT", {}, sqlite3.DatabaseError("database disk image is malformed"))
    assert isinstance(storage_problem(damaged, "/x"), DamagedDatabaseError)


def _wreck(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(2 * 4096, len(data), 4096):
        data[start:start + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))


def test_app_start_offers_the_latest_backup_for_a_damaged_database(qtbot, built: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from okmot import backup
    from okmot.paths import backups_dir
    from okmot.services import audit
    from ui import app

    backup.take_backup(built, backups_dir())
    _wreck(built)
    seen: list[str] = []

    def press_restore(box) -> int:
        seen.append(box.text())
        box.grab().save(str(tmp_path / "damaged.png"))
        next(b for b in box.buttons() if b.text() == "Restore the backup").click()
        return 0

    monkeypatch.setattr(app.QMessageBox, "exec", press_restore)
    ctx = app.open_or_explain(built)
    assert ctx is not None
    try:
        assert "damaged" in seen[0] and "Restore the backup of" in seen[0]
        with ctx.read() as s:
            assert [e.action for e in audit.events(s)] == ["restore"]
        assert ctx.sign_in("aida", village.PASSWORD).username == "aida"
    finally:
        ctx.close()
    kept = [p.name for p in backups_dir().iterdir() if "-damaged-" in p.name]
    assert len(kept) == 1
