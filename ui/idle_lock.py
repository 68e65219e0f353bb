"""Locks the screen after a configurable time without keyboard or mouse input."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from okmot.services import settings
from okmot.services.context import AppContext
from ui.login import LockDialog

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel}


class IdleLock(QObject):
    """Watches every input event of the application; after ``idle_lock_minutes`` of none, asks for the password.

    Declining the lock dialog ("Exit Okmot") closes ``window``, which records the sign-out and backs up.
    """

    def __init__(self, ctx: AppContext, window: QWidget):
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.locked = False
        self.dialog: LockDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        with ctx.read() as s:
            minutes = settings.get(s, "idle_lock_minutes")
        self.set_minutes(minutes)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        """Idle time before the lock; 0 turns it off."""
        self.minutes = max(0, int(minutes or 0))
        self.restart()

    def restart(self) -> None:
        if self.minutes and not self.locked:
            self.timer.start(self.minutes * 60_000)
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and not self.locked and self.minutes:
            self.timer.start()
        return False

    def lock(self) -> None:
        """Cover the app with the lock dialog (modal, without a nested event loop); closing it exits the app."""
        if self.locked or self.ctx.user is None or not self.window.isVisible():
            return  # a closed or hidden window shows nothing to protect
        self.locked = True
        self.timer.stop()
        self.ctx.audit("screen_locked")
        self.dialog = LockDialog(self.ctx, self.window)
        self.dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.dialog.finished.connect(self._unlocked)
        self.dialog.open()

    def _unlocked(self, result: int) -> None:
        self.locked = False
        self.dialog = None
        if result:
            self.restart()
        else:
            self.window.close()

    def stop(self) -> None:
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)
