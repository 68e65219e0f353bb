"""One signal bus: a write announces what it changed and every view that shows it refreshes."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Bus(QObject):
    #: Emitted with an okmot.services.changes.Changes after every successful write.
    changed = Signal(object)
    #: Emitted after the interface language was switched.
    language_changed = Signal(str)


bus = Bus()
