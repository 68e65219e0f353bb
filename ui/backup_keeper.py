"""Automatic backups while the app runs: daily and on exit, with the last backup's age in the status bar."""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from okmot import backup
from okmot.errors import OkmotError
from okmot.i18n import _
from okmot.paths import backups_dir
from okmot.services import backup_password, office_setup
from okmot.services.context import AppContext

log = logging.getLogger(__name__)
CHECK_EVERY_MS = 60 * 60 * 1000  # hourly: a PC left on all week still gets its daily backup


class BackupKeeper(QObject):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.label = QLabel()
        self.label.setObjectName("backup_status")
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.daily)
        if ctx.sqlite_path is not None:
            self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        path = self.ctx.sqlite_path
        if path is None:
            self.label.setText("")
            return
        last = backup.last_backup(backups_dir(), path)
        if last is None:
            self.label.setText(_("No backup yet"))
            self.label.setStyleSheet("color: #b00020;")
            return
        when = last.taken_at.strftime("%d.%m.%Y %H:%M")
        self.label.setText(_("Last backup: {when}, encrypted").format(when=when) if last.encrypted
                           else _("Last backup: {when}").format(when=when))
        old = dt.datetime.now() - last.taken_at > backup.STALE_AFTER
        self.label.setStyleSheet("color: #b00020;" if old else "")
        self.label.setToolTip(_("The last backup is old: make one now.") if old else str(last.path))

    def _run(self, max_age: dt.timedelta | None) -> backup.BackupInfo | None:
        path = self.ctx.sqlite_path
        if path is None:
            return None
        try:
            with self.ctx.read() as s:
                copy_dir = office_setup.backup_copy_dir(s)  # the second folder set in Settings
            key = backup_password.load_key(path)  # set by the administrator: encrypts the backup and its copy
            info = backup.auto_backup(path, backups_dir(), copy_dir=copy_dir, max_age=max_age, key=key)
            if info is not None:
                self.ctx.audit("backup", detail={"file": info.path.name, "via": "automatic",
                                                 "encrypted": info.encrypted})
        except OkmotError as exc:
            # A failed automatic backup must not stop the clerk's work; the status bar shows it.
            log.warning("automatic backup failed: %s", exc.message)
            self.label.setText(_("Backup failed: {reason}").format(reason=exc.message))
            self.label.setStyleSheet("color: #b00020;")
            return None
        self.refresh()
        return info

    def daily(self) -> backup.BackupInfo | None:
        return self._run(dt.timedelta(days=1))

    def now(self) -> backup.BackupInfo | None:
        return self._run(None)
