"""The backup password in Settings, encrypted automatic backups in the status bar, and the restore password prompts."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from okmot import backup
from okmot.paths import backups_dir
from okmot.services import audit, backup_password, settings
from tests import village
from ui import app, backup_password_box
from ui.backup_keeper import BackupKeeper
from ui.settings_dialog import SettingsDialog

PASSWORD = "office safe 2026"


@pytest.fixture
def built(tmp_path: Path):
    ctx = village.build(tmp_path / "okmot.sqlite3", households_count=2)
    yield ctx
    ctx.close()


def _households(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM household").fetchone()[0]


def _answers(monkeypatch: pytest.MonkeyPatch, *answers: tuple[str, bool]) -> list[str]:
    """The password dialog returns ``answers`` in turn; the error boxes shown in between are collected."""
    queue, errors = list(answers), []
    monkeypatch.setattr(backup_password_box.QInputDialog, "getText", lambda *a, **k: queue.pop(0))
    monkeypatch.setattr(backup_password_box, "show_error", lambda parent, message, title=None: errors.append(message))
    return errors


def _press(monkeypatch: pytest.MonkeyPatch, module, text: str, seen: list[str]) -> None:
    def press(box) -> int:
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == text).click()
        return 0

    monkeypatch.setattr(module.QMessageBox, "exec", press)


def test_settings_sets_the_password_and_the_next_backup_is_encrypted(qtbot, built, tmp_path: Path) -> None:
    dialog = SettingsDialog(built)
    qtbot.addWidget(dialog)
    box = dialog.backup_password
    assert "not encrypted" in box.state_label.text() and not box.remove_button.isEnabled()
    assert "office safe" in dialog.findChild(backup_password_box.QLabel, "backup_password_warning").text()
    qtbot.keyClicks(box.password, PASSWORD)
    qtbot.keyClicks(box.repeat, PASSWORD + "x")
    assert not box.set_password()
    assert box.form.error_text("backup_password_repeat") == "The two passwords are not the same."
    assert not backup_password.key_file(built.sqlite_path).exists()
    box.repeat.clear()
    qtbot.keyClicks(box.repeat, PASSWORD)
    assert box.set_password()
    assert box.password.text() == "" and "are encrypted" in box.state_label.text()
    assert box.set_button.text() == "Change the backup password" and box.remove_button.isEnabled()

    keeper = BackupKeeper(built)
    info = keeper.now()
    assert info.encrypted and not info.path.read_bytes().startswith(b"SQLite format 3")
    assert keeper.label.text().endswith(", encrypted")
    backup.take_backup(built.sqlite_path, backups_dir(), now=info.taken_at.replace(year=2025))  # an old plain one
    dialog.backup_list.refresh()
    table = dialog.backup_list.table
    assert [table.item(r, 1).text() for r in range(table.rowCount())] == ["encrypted, current password",
                                                                          "not encrypted"]
    dialog.tabs.setCurrentIndex(2)
    dialog.show()
    dialog.grab().save(str(tmp_path / "settings-backups.png"))
    with built.read() as s:
        assert [e.action for e in audit.events(s) if e.action.startswith("backup")] == ["backup",
                                                                                         "backup_password_set"]


def test_restore_from_settings_asks_the_password_until_it_is_right(qtbot, built, monkeypatch) -> None:
    with built.write() as s:
        backup_password.set_password(s, built.sqlite_path, PASSWORD, PASSWORD)
    info = BackupKeeper(built).now()
    with built.write() as s:  # a change after the backup, which the restore takes back
        settings.put(s, "office_phone", "0312 55 55 55")
    dialog = SettingsDialog(built)
    qtbot.addWidget(dialog)
    seen: list[str] = []
    _press(monkeypatch, backup_password_box, "Restore the backup", seen)
    monkeypatch.setattr(dialog, "_restored", lambda chosen: seen.append(f"restored {chosen.path.name}"))
    dialog.backup_list.restored.disconnect()
    dialog.backup_list.restored.connect(dialog._restored)
    errors = _answers(monkeypatch, ("wrong password", True), (PASSWORD, True))
    assert dialog.backup_list.restore_selected()
    assert errors == ["Wrong password, or the backup file is damaged."]
    assert seen[-1] == f"restored {info.path.name}" and "Okmot closes afterwards" in seen[0]
    with built.read() as s:
        assert settings.get(s, "office_phone") == ""
        assert [e.action for e in audit.events(s)][0] == "restore"


def test_restore_from_settings_given_up_at_the_password_changes_nothing(qtbot, built, monkeypatch) -> None:
    with built.write() as s:
        backup_password.set_password(s, built.sqlite_path, PASSWORD, PASSWORD)
    BackupKeeper(built).now()
    dialog = SettingsDialog(built)
    qtbot.addWidget(dialog)
    _press(monkeypatch, backup_password_box, "Restore the backup", [])
    errors = _answers(monkeypatch, ("not it", True), ("", False))
    before = len(backup.list_backups(backups_dir()))
    assert not dialog.backup_list.restore_selected()
    assert errors == ["Wrong password, or the backup file is damaged."]
    assert len(backup.list_backups(backups_dir())) == before  # not even the safety copy was taken


def _wreck(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(2 * 4096, len(data), 4096):
        data[start:start + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))


def _damaged_with_encrypted_backup(built) -> Path:
    path = built.sqlite_path
    with built.write() as s:
        backup_password.set_password(s, path, PASSWORD, PASSWORD)
    assert BackupKeeper(built).now().encrypted
    built.close()
    _wreck(path)
    return path


def test_start_on_a_damaged_database_asks_the_backup_password(qtbot, built, monkeypatch) -> None:
    path = _damaged_with_encrypted_backup(built)
    seen: list[str] = []
    _press(monkeypatch, app, "Restore the backup", seen)
    errors = _answers(monkeypatch, ("wrong password", True), (PASSWORD, True))
    ctx = app.open_or_explain(path)
    assert ctx is not None
    try:
        assert errors == ["Wrong password, or the backup file is damaged."]
        assert _households(path) == 2
        with ctx.read() as s:
            assert [e.action for e in audit.events(s)][0] == "restore"
    finally:
        ctx.close()


def test_start_on_a_damaged_database_without_the_password_leaves_the_file(qtbot, built, monkeypatch) -> None:
    path = _damaged_with_encrypted_backup(built)
    damaged = path.read_bytes()
    _press(monkeypatch, app, "Restore the backup", [])
    _answers(monkeypatch, ("", False))
    assert app.open_or_explain(path) is None
    assert path.read_bytes() == damaged
    assert not [p for p in backups_dir().iterdir() if "-damaged-" in p.name]


def test_first_run_wizard_sets_the_backup_password(qtbot, db_path: Path, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWizard

    from okmot.services.context import open_context
    from tests.test_first_run_wizard import KEY, _walk_to_the_end
    from ui import first_run_wizard as frw

    ctx = open_context(db_path)
    try:
        key_file = tmp_path / "district.pub"
        key_file.write_bytes(KEY)
        wizard = frw.FirstRunWizard(ctx)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.backup.initializePage()  # build the page now, to type the password before the walk finishes
        qtbot.keyClicks(wizard.backup.password, PASSWORD)
        qtbot.keyClicks(wizard.backup.repeat, "office safe")
        _walk_to_the_end(qtbot, wizard, key_file)
        assert wizard.currentId() == frw.PAGE_BACKUP and wizard.user is None  # refused: nothing saved
        assert wizard.backup.form.error_text("backup_password_repeat") == "The two passwords are not the same."
        assert not backup_password.key_file(db_path).exists()
        wizard.backup.grab().save(str(tmp_path / "wizard-backup.png"))
        wizard.backup.repeat.clear()
        qtbot.keyClicks(wizard.backup.repeat, PASSWORD)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.result() == QWizard.DialogCode.Accepted and wizard.user is not None
        key = backup_password.load_key(db_path)
        assert key == backup.backup_key(PASSWORD, key.salt)
        with ctx.read() as s:
            assert [(e.action, e.user_name) for e in audit.events(s, action="backup_password_set")] == [
                ("backup_password_set", "system:setup")]
    finally:
        ctx.close()


def test_a_damaged_key_file_makes_no_plain_backup_and_says_so(qtbot, built) -> None:
    backup_password.key_file(built.sqlite_path).write_text('{"format": 1, "salt": "??"}', encoding="ascii")
    keeper = BackupKeeper(built)
    assert keeper.now() is None
    assert keeper.label.text().startswith("Backup failed: The backup password file")
    assert backup.list_backups(backups_dir()) == []


def test_save_in_settings_also_sets_a_typed_backup_password(qtbot, built) -> None:
    dialog = SettingsDialog(built)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.backup_password.password, "too short")
    assert not dialog.save() and dialog.tabs.currentIndex() == 2
    assert "at least 10 characters" in dialog.backup_password.form.error_text("backup_password")
    dialog.backup_password.password.clear()
    qtbot.keyClicks(dialog.backup_password.password, PASSWORD)
    qtbot.keyClicks(dialog.backup_password.repeat, PASSWORD)
    assert dialog.save()
    assert backup_password.load_key(built.sqlite_path) == backup.backup_key(
        PASSWORD, backup_password.load_key(built.sqlite_path).salt)
