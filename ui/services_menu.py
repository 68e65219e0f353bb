"""The "Services" menu: applications, certificates, complaints, fees; the register and calendar for admins."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QWidget

from okmot.i18n import _
from okmot.services.context import AppContext
from ui.applications_window import ApplicationsWindow
from ui.calendar_editor import CalendarEditor
from ui.certificate_dialog import IssueCertificateDialog
from ui.certificates_window import CertificatesWindow
from ui.complaints_window import ComplaintsWindow
from ui.fees_window import FeesWindow
from ui.income_norms_dialog import IncomeNormsDialog
from ui.service_register_editor import ServiceRegisterEditor


def open_window(parent: QWidget, window_class, ctx: AppContext) -> QWidget:
    """One journal window per kind: a second click brings the open one to the front."""
    existing = getattr(parent, "_service_windows", {}).get(window_class)
    if existing is not None:
        existing.raise_()
        existing.activateWindow()
        return existing
    window = window_class(ctx, parent)
    window.setWindowFlag(Qt.WindowType.Window, True)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    windows = parent.__dict__.setdefault("_service_windows", {})
    windows[window_class] = window
    window.destroyed.connect(lambda *_a: windows.pop(window_class, None))
    window.show()
    return window


def add_services_menu(window: QMainWindow, ctx: AppContext) -> None:
    menu = window.menuBar().addMenu(_("Services"))
    window.applications_action = menu.addAction(_("Applications journal…"))
    window.applications_action.triggered.connect(lambda: open_window(window, ApplicationsWindow, ctx))
    window.issue_certificate_action = menu.addAction(_("Issue a certificate…"))
    window.issue_certificate_action.triggered.connect(lambda: IssueCertificateDialog(ctx, window).exec())
    window.certificates_action = menu.addAction(_("Register of certificates…"))
    window.certificates_action.triggered.connect(lambda: open_window(window, CertificatesWindow, ctx))
    window.complaints_action = menu.addAction(_("Complaints and appeals…"))
    window.complaints_action.triggered.connect(lambda: open_window(window, ComplaintsWindow, ctx))
    window.fees_action = menu.addAction(_("Fees collected…"))
    window.fees_action.triggered.connect(lambda: open_window(window, FeesWindow, ctx))
    if ctx.user is not None and ctx.user.is_admin:
        menu.addSeparator()
        window.register_action = menu.addAction(_("Register of services…"))
        window.register_action.triggered.connect(lambda: ServiceRegisterEditor(ctx, window).exec())
        window.calendar_action = menu.addAction(_("Holiday calendar…"))
        window.calendar_action.triggered.connect(lambda: CalendarEditor(ctx, window).exec())
        window.norms_action = menu.addAction(_("Income norms…"))
        window.norms_action.triggered.connect(lambda: IncomeNormsDialog(ctx, window).exec())
