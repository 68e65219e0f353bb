"""A signal for the services windows: an application, certificate, fee or complaint changed."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ServiceBus(QObject):
    changed = Signal()


service_bus = ServiceBus()
