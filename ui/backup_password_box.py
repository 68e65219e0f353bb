"""The backup password in Settings, the list of backups with their encryption, and the password prompt of a restore."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit, QMessageBox,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from okmot import backup
from okmot.errors import OkmotError
from okmot.i18n import _
from okmot.paths import backups_dir
from okmot.services import backup_password
from okmot.services.context import AppContext
from ui.forms import FormPanel, show_error


def lost_password_warning() -> str:
    return _("If this password is lost, the encrypted backups cannot be restored by anyone, not even by the "
             "district. Write it down on paper and keep it in the office safe.")


def ask_backup_password(parent: QWidget | None, path: Path) -> str | None:
    """Ask for the password of the encrypted backup ``path`` until it opens it; None when the person gives up.

    Nothing is moved or replaced before the password is known to be right.
    """
    label = _("The backup {name} is encrypted. Enter the backup password:").format(name=Path(path).name)
    while True:
        password, ok = QInputDialog.getText(parent, _("Backup password"), label, QLineEdit.EchoMode.Password)
        if not ok:
            return None
        try:
            backup.check_password(path, password)
        except OkmotError as exc:
            show_error(parent, exc.message, _("Backup password"))
            continue
        return password


def encryption_text(db_path: Path, path: Path) -> str:
    current = backup_password.made_with_current_password(db_path, path)
    if current is None:
        return _("not encrypted")
    return _("encrypted, current password") if current else _("encrypted, an earlier password")


class BackupPasswordBox(QGroupBox):
    """Set, change or remove the backup password (administrator); saved at once, beside the database."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(_("Backup password"), parent)
        self.ctx = ctx
        self.db_path = ctx.sqlite_path
        self.state_label = QLabel()
        self.state_label.setObjectName("backup_password_state")
        self.state_label.setWordWrap(True)
        self.form = FormPanel()
        self.password = self.form.add("backup_password", _("New backup password"), QLineEdit())
        self.repeat = self.form.add("backup_password_repeat", _("The same password again"), QLineEdit())
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("at least {n} characters; a few words are easy to remember").format(
            n=backup_password.MIN_LENGTH))
        warning = QLabel(lost_password_warning() + " " + _(
            "A new password applies to new backups only: older backups still need the password they were "
            "made with."))
        warning.setObjectName("backup_password_warning")
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.set_button = QPushButton(_("Set the backup password"))
        self.set_button.clicked.connect(self.set_password)
        self.remove_button = QPushButton(_("Remove the backup password"))
        self.remove_button.clicked.connect(self.remove_password)
        buttons = QHBoxLayout()
        buttons.addWidget(self.set_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(self.form)
        layout.addWidget(warning)
        layout.addLayout(buttons)
        if self.db_path is None:  # a PostgreSQL server has no automatic backups here
            self.setEnabled(False)
        self.refresh()

    def refresh(self) -> None:
        if self.db_path is None:
            self.state_label.setText(_("Automatic backups are made only for a database file on this PC."))
            return
        state = backup_password.state(self.db_path)
        if state.is_set:
            when = state.set_at.strftime("%d.%m.%Y %H:%M") if state.set_at else "?"
            self.state_label.setText(_("Automatic backups and their copies are encrypted (password set on "
                                       "{when}).").format(when=when))
            self.state_label.setStyleSheet("")
        else:
            self.state_label.setText(_("Automatic backups are not encrypted: anyone who finds the USB stick can "
                                       "read them."))
            self.state_label.setStyleSheet("color: #b00020;")
        self.set_button.setText(_("Change the backup password") if state.is_set else _("Set the backup password"))
        self.remove_button.setEnabled(state.is_set)

    def typed(self) -> bool:
        return bool(self.password.text() or self.repeat.text())

    def set_password(self) -> bool:
        self.form.clear_errors()
        try:
            with self.ctx.write() as s:
                backup_password.set_password(s, self.db_path, self.password.text(), self.repeat.text())
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        self.password.clear()
        self.repeat.clear()
        self.refresh()
        self.changed.emit()
        return True

    def remove_password(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, _("Backup password"), _(
            "Stop encrypting new automatic backups? Backups already made stay encrypted and still need the "
            "password."), parent=self)
        yes = box.addButton(_("Remove the password"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not yes:
            return False
        try:
            with self.ctx.write() as s:
                backup_password.remove_password(s, self.db_path)
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        self.refresh()
        self.changed.emit()
        return True


class BackupList(QGroupBox):
    """The backups of this database in the backup folder, which are encrypted, and restoring one."""

    restored = Signal(object)  # the BackupInfo restored

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(_("Backups in {folder}").format(folder=backups_dir()), parent)
        self.ctx = ctx
        self.db_path = ctx.sqlite_path
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("backup_list")
        self.table.setHorizontalHeaderLabels([_("Made"), _("Encryption"), _("File")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.restore_button = QPushButton(_("Restore the selected backup…"))
        self.restore_button.clicked.connect(self.restore_selected)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        self.backups: list[backup.BackupInfo] = []
        self.refresh()

    def refresh(self) -> None:
        stem = self.db_path.stem if self.db_path else None
        self.backups = [b for b in backup.list_backups(backups_dir()) if stem and b.path.name.startswith(stem + "-")]
        self.table.setRowCount(len(self.backups))
        for i, b in enumerate(self.backups):
            for col, text in enumerate((b.taken_at.strftime("%d.%m.%Y %H:%M"), encryption_text(self.db_path, b.path),
                                        b.path.name)):
                self.table.setItem(i, col, QTableWidgetItem(text))
        if self.backups:
            self.table.selectRow(0)
        self.restore_button.setEnabled(bool(self.backups))

    def restore_selected(self) -> bool:
        """Ask, check the password, then replace the database (the current one is backed up first)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return False
        chosen = self.backups[rows[0].row()]
        box = QMessageBox(QMessageBox.Icon.Warning, _("Restore a backup"), _(
            "Replace the database with the backup of {when}? Everything entered after it is lost. The current "
            "database is backed up first; Okmot closes afterwards and must be started again.").format(
            when=chosen.taken_at.strftime("%d.%m.%Y %H:%M")), parent=self)
        yes = box.addButton(_("Restore the backup"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not yes:
            return False
        password = ask_backup_password(self, chosen.path) if chosen.encrypted else None
        if chosen.encrypted and password is None:
            return False
        try:
            # Pooled connections must not outlive the file they were opened on; the engine reconnects after.
            self.ctx.close()
            backup.restore(self.db_path, chosen.path, password=password, safety_dir=backups_dir())
            self.ctx.close()
            self.ctx.audit("restore", detail={"file": chosen.path.name, "via": "settings"})
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        self.restored.emit(chosen)
        return True
