"""The backup password: set/change/remove by the administrator, kept beside the database, encrypting automatic backups."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from okmot import backup, cli
from okmot.atomic import atomic_path
from okmot.backup import BackupError, auto_backup, restore
from okmot.errors import EnvironmentProblem, PermissionDenied, ValidationError
from okmot.models import AuditEvent
from okmot.services import auth, backup_password
from okmot.services.context import AppContext
from tests import village

PASSWORD = "Сейф-ачкычы 2026"  # Kyrgyz letters: the key derivation takes UTF-8


@pytest.fixture
def ctx(tmp_path: Path):
    context = village.build(tmp_path / "village.sqlite3", households_count=2)
    yield context
    context.close()


def _settings_count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM household").fetchone()[0]


def _audit_actions(ctx: AppContext) -> list[tuple[str, str]]:
    with ctx.read() as s:
        return [(r.action, r.user_name) for r in s.scalars(
            select(AuditEvent).where(AuditEvent.action.like("backup_password%")).order_by(AuditEvent.seq))]


def test_set_change_remove_is_audited_and_kept_beside_the_database(ctx: AppContext) -> None:
    db_path = ctx.sqlite_path
    assert backup_password.state(db_path).is_set is False and backup_password.load_key(db_path) is None
    with ctx.write() as s:
        backup_password.set_password(s, db_path, PASSWORD, PASSWORD)
    path = backup_password.key_file(db_path)
    assert path.parent == db_path.parent and path.name == "village-backup-key.json"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    stored = path.read_text(encoding="ascii")
    assert PASSWORD not in stored and "Сейф" not in stored  # the password itself is never stored
    first = backup_password.load_key(db_path)
    assert first == backup.backup_key(PASSWORD, first.salt)  # scrypt(password, salt)
    assert backup_password.state(db_path).is_set
    with ctx.write() as s:
        backup_password.set_password(s, db_path, "another long one", "another long one")
    second = backup_password.load_key(db_path)
    assert second.salt != first.salt and second.key != first.key
    with ctx.write() as s:
        backup_password.remove_password(s, db_path)
    assert not path.exists() and backup_password.load_key(db_path) is None
    assert _audit_actions(ctx) == [("backup_password_set", "aida"), ("backup_password_changed", "aida"),
                                   ("backup_password_removed", "aida")]
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        # Never in the setting table, which travels in sync packages and inside every backup.
        assert not [k for (k, v) in conn.execute("SELECT key, value FROM setting")
                    if "password" in k or base64.b64encode(first.key).decode() in str(v)]


@pytest.mark.parametrize(("password", "repeat", "field"), [
    ("short", "short", "backup_password"),
    (" padded password ", " padded password ", "backup_password"),
    ("long enough password", "long enough passw0rd", "backup_password_repeat"),
])
def test_bad_passwords_are_refused_and_nothing_is_written(ctx: AppContext, password: str, repeat: str,
                                                          field: str) -> None:
    with pytest.raises(ValidationError) as err, ctx.write() as s:
        backup_password.set_password(s, ctx.sqlite_path, password, repeat)
    assert list(err.value.fields) == [field]
    assert not backup_password.key_file(ctx.sqlite_path).exists() and _audit_actions(ctx) == []


def test_only_the_administrator_may_set_or_remove_it(ctx: AppContext) -> None:
    admin = ctx.user
    others = []
    for role in ("head", "clerk", "accountant", "district", "viewer"):
        with ctx.write() as s:
            others.append(auth.create_user(s, by=admin, username=f"u-{role}", full_name=role,
                                           password="pass-word-9", role=role))
    for other in others:
        ctx.user = other
        with pytest.raises(PermissionDenied, match="change the office settings"), ctx.write() as s:
            backup_password.set_password(s, ctx.sqlite_path, PASSWORD, PASSWORD)
        assert not backup_password.key_file(ctx.sqlite_path).exists()
    ctx.user = admin
    with ctx.write() as s:
        backup_password.set_password(s, ctx.sqlite_path, PASSWORD, PASSWORD)
    for other in others:
        ctx.user = other
        with pytest.raises(PermissionDenied), ctx.write() as s:
            backup_password.remove_password(s, ctx.sqlite_path)
    assert backup_password.load_key(ctx.sqlite_path) is not None
    assert [a for a, _u in _audit_actions(ctx)] == ["backup_password_set"]


def test_the_key_file_is_written_atomically(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = ctx.sqlite_path
    with ctx.write() as s:
        backup_password.set_password(s, db_path, PASSWORD, PASSWORD)
    before = backup_password.key_file(db_path).read_bytes()

    @contextlib.contextmanager
    def failing(path):
        with atomic_path(path) as tmp:
            yield tmp
            raise OSError(28, "No space left on device")  # the disk fills after the temporary file was written

    monkeypatch.setattr(backup_password, "atomic_path", failing)
    with pytest.raises(EnvironmentProblem, match="disk is full"), ctx.write() as s:
        backup_password.set_password(s, db_path, "a brand new password", "a brand new password")
    assert backup_password.key_file(db_path).read_bytes() == before  # the old key, whole
    assert sorted(p.name for p in db_path.parent.iterdir() if "backup-key" in p.name) == ["village-backup-key.json"]
    assert [a for a, _u in _audit_actions(ctx)] == ["backup_password_set"]  # the change was rolled back


def test_a_damaged_key_file_stops_the_backup_instead_of_writing_it_plain(ctx: AppContext, tmp_path: Path) -> None:
    backup_password.key_file(ctx.sqlite_path).write_text("{not json", encoding="ascii")
    with pytest.raises(EnvironmentProblem, match="damaged"):
        backup_password.load_key(ctx.sqlite_path)


def test_automatic_backup_and_its_usb_copy_are_encrypted_and_restore_with_the_password(
        ctx: AppContext, tmp_path: Path) -> None:
    db_path = ctx.sqlite_path
    with ctx.write() as s:
        backup_password.set_password(s, db_path, PASSWORD, PASSWORD)
    usb = tmp_path / "usb"
    info = auto_backup(db_path, tmp_path / "backups", copy_dir=usb, key=backup_password.load_key(db_path))
    assert info.encrypted and info.path.suffix == ".okmotbak"
    copy = usb / info.path.name
    for f in (info.path, copy):
        data = f.read_bytes()
        assert not data.startswith(b"SQLite format 3") and b"SQLite format 3" not in data
        assert "Асанов".encode() not in data
    assert copy.read_bytes() == info.path.read_bytes()
    assert backup_password.made_with_current_password(db_path, copy) is True
    assert [b.encrypted for b in backup.list_backups(usb)] == [True]

    ctx.close()
    target = tmp_path / "restored.sqlite3"
    restore(target, copy, password=PASSWORD, safety_dir=tmp_path / "safety")
    assert _settings_count(target) == 2

    # Changing the password affects new backups only: the old one still needs the old password.
    with ctx.write() as s:
        backup_password.set_password(s, db_path, "the second password", "the second password")
    assert backup_password.made_with_current_password(db_path, copy) is False
    backup.check_password(copy, PASSWORD)
    with pytest.raises(BackupError, match="Wrong password"):
        backup.check_password(copy, "the second password")


def test_wrong_password_leaves_the_database_unchanged(ctx: AppContext, tmp_path: Path) -> None:
    db_path = ctx.sqlite_path
    with ctx.write() as s:
        backup_password.set_password(s, db_path, PASSWORD, PASSWORD)
    info = auto_backup(db_path, tmp_path / "backups", key=backup_password.load_key(db_path),
                       now=dt.datetime(2026, 11, 1, 9, 0))
    ctx.close()
    before = db_path.read_bytes()
    with pytest.raises(BackupError, match="Wrong password"):
        restore(db_path, info.path, password="not the password", safety_dir=tmp_path / "safety")
    with pytest.raises(BackupError, match="encrypted: give its password"):
        restore(db_path, info.path, safety_dir=tmp_path / "safety")
    assert db_path.read_bytes() == before and not (tmp_path / "safety").exists()


def test_cli_restore_of_an_automatic_encrypted_backup(ctx: AppContext, tmp_path: Path, capsys) -> None:
    db_path = ctx.sqlite_path
    with ctx.write() as s:
        backup_password.set_password(s, db_path, PASSWORD, PASSWORD)
    info = auto_backup(db_path, tmp_path / "backups", key=backup_password.load_key(db_path))
    ctx.close()
    wrong, right = tmp_path / "wrong.txt", tmp_path / "right.txt"
    wrong.write_text("not the password\n", encoding="utf-8")
    right.write_text(PASSWORD + "\n", encoding="utf-8")
    target = tmp_path / "target.sqlite3"
    assert cli.main(["--lang", "en", "restore", "--db", str(target), str(info.path),
                     "--password-file", str(wrong)]) != 0
    assert "Wrong password" in capsys.readouterr().err and not target.exists()
    assert cli.main(["--lang", "en", "restore", "--db", str(target), str(info.path),
                     "--password-file", str(right)]) == 0
    assert _settings_count(target) == 2


def test_cli_backup_uses_the_stored_backup_password(ctx: AppContext, tmp_path: Path, capsys) -> None:
    db_path = ctx.sqlite_path
    with ctx.write() as s:
        backup_password.set_password(s, db_path, PASSWORD, PASSWORD)
    ctx.close()
    assert cli.main(["--lang", "en", "backup", "--db", str(db_path), "--out", str(tmp_path / "b")]) == 0
    made = Path(capsys.readouterr().out.strip())
    assert made.suffix == ".okmotbak" and not made.read_bytes().startswith(b"SQLite format 3")
    backup.check_password(made, PASSWORD)
