"""Backups restore: verified copies, encryption, rotation, restore that never replaces with a bad file."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from okmot import backup, cli
from okmot.backup import BackupError, list_backups, restore, rotate, take_backup
from okmot.db.engine import Actor, Database
from okmot.maintenance import check_database
from okmot.models import Setting

ACTOR = Actor(None, "clerk")


def _settings(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM setting").fetchone()[0]


def _add(db: Database, n: int, prefix: str = "k") -> None:
    with db.session(ACTOR) as s:
        for i in range(n):
            s.add(Setting(key=f"{prefix}{i}", value=i))


def test_plain_backup_and_restore_round_trip(db: Database, db_path: Path, tmp_path: Path) -> None:
    _add(db, 3)
    info = take_backup(db_path, tmp_path / "out")
    assert info.path.suffix == ".sqlite3" and not info.encrypted
    _add(db, 2, "later")
    db.dispose()
    assert _settings(db_path) == 5
    safety = restore(db_path, info.path, safety_dir=tmp_path / "safety")
    assert _settings(db_path) == 3
    assert safety is not None and _settings(safety.path) == 5  # the replaced database was kept


def test_encrypted_backup_needs_the_right_password(db: Database, db_path: Path, tmp_path: Path) -> None:
    _add(db, 4)
    info = take_backup(db_path, tmp_path / "out", password="Жаңы сыр сөз 7")
    assert info.encrypted and info.path.suffix == ".okmotbak"
    assert b"SQLite format 3" not in info.path.read_bytes()
    _add(db, 1, "x")
    db.dispose()
    before = db_path.read_bytes()
    with pytest.raises(BackupError, match="Wrong password"):
        restore(db_path, info.path, password="wrong", safety_dir=tmp_path / "safety")
    with pytest.raises(BackupError, match="encrypted"):
        restore(db_path, info.path, safety_dir=tmp_path / "safety")
    assert db_path.read_bytes() == before
    restore(db_path, info.path, password="Жаңы сыр сөз 7", safety_dir=tmp_path / "safety")
    assert _settings(db_path) == 4


def test_truncated_or_damaged_backups_never_replace_the_database(db: Database, db_path: Path, tmp_path: Path) -> None:
    _add(db, 2)
    enc = take_backup(db_path, tmp_path / "out", password="pw-123456")
    plain = take_backup(db_path, tmp_path / "plain")
    db.dispose()
    before = db_path.read_bytes()
    truncated = tmp_path / "t.okmotbak"
    truncated.write_bytes(enc.path.read_bytes()[:-100])
    with pytest.raises(BackupError):
        restore(db_path, truncated, password="pw-123456", safety_dir=tmp_path / "s")
    damaged = tmp_path / "d.sqlite3"
    data = bytearray(plain.path.read_bytes())
    # The second page's header and first cells, whatever the page size (header bytes 16-17).
    page = int.from_bytes(data[16:18], "big")
    data[page:page + 4000] = b"\xff" * 4000
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        restore(db_path, damaged, safety_dir=tmp_path / "s")
    assert db_path.read_bytes() == before


def test_backup_while_writes_continue_is_consistent(db: Database, db_path: Path, tmp_path: Path) -> None:
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            _add(db, 5, f"w{i}-")
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        infos = [take_backup(db_path, tmp_path / "out", now=dt.datetime(2026, 1, 1, 0, 0, i)) for i in range(3)]
    finally:
        stop.set()
        t.join()
    for info in infos:
        restored = tmp_path / f"r-{info.path.name}"
        restore(restored, info.path, safety_dir=tmp_path / "s")
        copy = Database(restored)
        try:
            assert check_database(copy) == []
            with copy.session() as s:  # whole transactions only: keys come in fives
                assert s.scalar(select(func.count()).select_from(Setting)) % 5 == 0
        finally:
            copy.dispose()


def test_rotation_keeps_daily_weekly_monthly(tmp_path: Path, db_path: Path) -> None:
    out = tmp_path / "out"
    start = dt.datetime(2026, 1, 1, 12, 0, 0)
    for day in range(120):
        for hour in (9, 18):
            take_backup(db_path, out, now=start + dt.timedelta(days=day, hours=hour - 12))
    removed = rotate(out, daily=7, weekly=4, monthly=12)
    kept = list_backups(out)
    assert removed and len(kept) + len(removed) == 240
    newest = kept[0].taken_at
    assert newest == dt.datetime(2026, 4, 30, 18, 0, 0)
    days = {b.taken_at.date() for b in kept}
    assert all(newest.date() - dt.timedelta(days=d) in days for d in range(7))  # the last seven days
    assert {(b.taken_at.year, b.taken_at.month) for b in kept} == {(2026, m) for m in (1, 2, 3, 4)}
    assert len(kept) <= 7 + 4 + 12


def test_check_finds_a_dangling_reference_and_an_unjournaled_change(db: Database, db_path: Path) -> None:
    _add(db, 1)
    assert check_database(db) == []
    db.dispose()
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("UPDATE setting SET version = version + 1")  # edited outside the app
        conn.execute("INSERT INTO village (id, version, changed_at, aimak_id, code, name_ky, name_ru, name_key) "
                     "VALUES (X'00112233445566778899aabbccddeeff', 1, '2026-01-01', "
                     "X'ffeeddccbbaa99887766554433221100', '9', 'А', 'А', 'а')")
        conn.commit()
    findings = check_database(Database(db_path))
    kinds = {f.check for f in findings}
    assert kinds == {"foreign_key", "journal"}


def test_cli_check_backup_restore(db: Database, db_path: Path, tmp_path: Path, capsys) -> None:
    _add(db, 2)
    db.dispose()
    assert cli.main(["--lang", "en", "check", "--db", str(db_path)]) == 0
    assert "No problems found." in capsys.readouterr().out
    pw = tmp_path / "pw.txt"
    pw.write_text("pass-word-1\n", encoding="utf-8")
    assert cli.main(["--lang", "en", "backup", "--db", str(db_path), "--out", str(tmp_path / "b"),
                     "--password-file", str(pw)]) == 0
    made = Path(capsys.readouterr().out.strip())
    assert made.exists() and made.suffix == ".okmotbak"
    target = tmp_path / "restored.sqlite3"
    assert cli.main(["--lang", "en", "restore", "--db", str(target), str(made), "--password-file", str(pw)]) == 0
    assert _settings(target) == _settings(db_path)
    assert cli.main(["--lang", "en", "restore", "--db", str(target), str(made)]) == 2
    assert "encrypted" in capsys.readouterr().err


def test_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(backup.UserError, match="database not found"):
        take_backup(tmp_path / "none.sqlite3", tmp_path / "out")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_auto_backup_daily_with_a_second_copy(db: Database, db_path: Path, tmp_path: Path) -> None:
    folder, usb = tmp_path / "backups", tmp_path / "usb"
    first = backup.auto_backup(db_path, folder, copy_dir=usb, max_age=dt.timedelta(days=1),
                               now=dt.datetime(2026, 3, 1, 9, 0))
    assert first is not None and (usb / first.path.name).read_bytes() == first.path.read_bytes()
    again = backup.auto_backup(db_path, folder, max_age=dt.timedelta(days=1), now=dt.datetime(2026, 3, 1, 17, 0))
    assert again is None  # one a day is enough
    later = backup.auto_backup(db_path, folder, max_age=dt.timedelta(days=1), now=dt.datetime(2026, 3, 2, 9, 30))
    assert later is not None
    assert backup.last_backup(folder, db_path).taken_at == dt.datetime(2026, 3, 2, 9, 30)
