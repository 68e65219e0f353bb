"""The applications journal: register with the standard's checklist, receipt, statuses, overdue in red."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLineEdit,
    QPushButton, QTableView, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.errors import OkmotError
from okmot.i18n import _, current_language
from okmot.services import applications, households, service_register
from okmot.services.applications import ApplicationData, ApplicationFilter
from okmot.services.context import AppContext
from ui.certificate_dialog import IssueCertificateDialog
from ui.forms import CodeCombo, EditDialog, FormPanel, format_date, show_error
from ui.pdf_preview import PdfPreviewDialog
from ui.rows_model import OVERDUE, Col, RowsModel
from ui.service_bus import service_bus


class NewApplicationDialog(EditDialog):
    """Register an application: who, which service, which documents of the checklist were brought."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, household_id: uuid.UUID | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.record: applications.ApplicationRecord | None = None
        self.setWindowTitle(_("New application"))
        with ctx.read() as s:
            self.services = service_register.list_services(s, active_only=True)
            account = households.get_card(s, household_id).data.account_number if household_id else ""
        lang = current_language()
        self.form = FormPanel()
        f = self.form
        self.service = f.add("service_id", _("Service"), QComboBox())
        for svc in self.services:
            self.service.addItem(svc.data.name(lang), svc.id)
        self.category = f.add("applicant_category", _("Applicant"), CodeCombo(service_register.APPLICANT_CATEGORIES))
        self.name = f.add("applicant_name", _("Applicant's name"), QLineEdit())
        self.pin = f.add("applicant_pin", _("PIN"), QLineEdit())
        self.account = f.add("household_id", _("Household account No."), QLineEdit(account))
        self.rep_name = f.add("representative_name", _("Representative"), QLineEdit())
        self.rep_authority = f.add("representative_authority", _("Authority document (No., date)"), QLineEdit())
        self.channel = f.add("channel", _("Channel"), CodeCombo(applications.CHANNELS))
        self.priority = f.add("priority", _("Served without queue"), CodeCombo(applications.PRIORITIES))
        self.life = f.add("life_or_health", _("Life or health at stake"), QCheckBox(_("may not be refused")))
        self.purpose = f.add("purpose", _("For presentation to"), QLineEdit())
        self.checklist_box = QGroupBox(_("Documents presented (the standard's checklist)"))
        self.checklist_layout = QVBoxLayout(self.checklist_box)
        self.checks: dict[str, QCheckBox] = {}
        self.service.currentIndexChanged.connect(self._fill_checklist)
        self.category.currentIndexChanged.connect(self._fill_checklist)
        f.changed.connect(self.mark_dirty)
        self.save_button.setText(_("Register"))
        layout = QVBoxLayout(self)
        layout.addWidget(f)
        layout.addWidget(self.checklist_box)
        layout.addLayout(self.buttons)
        self.resize(600, 640)
        self._fill_checklist()

    def _service(self):
        return next((s for s in self.services if s.id == self.service.currentData()), None)

    def _fill_checklist(self) -> None:
        for box in self.checks.values():
            self.checklist_layout.removeWidget(box)
            box.deleteLater()
        self.checks = {}
        svc = self._service()
        if svc is None:
            return
        for doc in svc.data.checklist(self.category.code()):
            box = QCheckBox(doc.text("ru" if current_language() == "ru" else "ky"))
            box.toggled.connect(lambda _c: self.mark_dirty())
            self.checklist_layout.addWidget(box)
            self.checks[doc.code] = box

    def data(self, household_id: uuid.UUID | None) -> ApplicationData:
        return ApplicationData(
            service_id=self.service.currentData(), applicant_name=self.name.text(),
            applicant_category=self.category.code(), applicant_pin=self.pin.text(),
            representative_name=self.rep_name.text(), representative_authority=self.rep_authority.text(),
            channel=self.channel.code(), priority=self.priority.code(), life_or_health=self.life.isChecked(),
            documents_presented=tuple(code for code, box in self.checks.items() if box.isChecked()),
            household_id=household_id, purpose=self.purpose.text())

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            with self.ctx.write() as s:
                household_id = None
                if self.account.text().strip():
                    household_id = households.household_id_by_account(s, self.account.text())
                self.record = applications.register_application(s, self.data(household_id))
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        service_bus.changed.emit()
        return True


class ApplicationsWindow(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Applications journal"))
        lang = current_language()
        self.model = RowsModel([
            Col(_("No."), lambda r: r.number),
            Col(_("Received"), lambda r: format_date(r.received_on)),
            Col(_("Applicant"), lambda r: r.data.applicant_name),
            Col(_("Service"), lambda r: r.service_name(lang)),
            Col(_("Status"), lambda r: codes.label(applications.STATUSES, r.status)),
            Col(_("Due"), lambda r: format_date(r.correction_due_on if r.status == "returned" else r.due_on)),
            Col(_("Priority"), lambda r: codes.label(applications.PRIORITIES, r.data.priority) if r.data.priority else ""),
            Col(_("Missing documents"), lambda r: str(len(r.missing_documents)) if r.missing_documents else ""),
        ], background=lambda r: OVERDUE if r.overdue() else None, parent=self)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search: number, applicant, PIN"))
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.status_filter = QComboBox()
        self.status_filter.addItem(_("All statuses"), None)
        for code in applications.STATUSES:
            self.status_filter.addItem(codes.label(applications.STATUSES, code), code)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.overdue_only = QCheckBox(_("Overdue only"))
        self.overdue_only.toggled.connect(self.refresh)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = {}
        row = QHBoxLayout()
        for key, text, slot in (
                ("new", _("New application…"), self.new_application),
                ("receipt", _("Receipt"), self.receipt),
                ("work", _("Take into work"), lambda: self.set_status("in_work")),
                ("certificate", _("Issue certificate…"), self.issue_certificate),
                ("issued", _("Handed over"), lambda: self.set_status("issued")),
                ("return", _("Return for correction…"), self.return_for_correction),
                ("refuse", _("Refuse…"), self.refuse)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button
        # The services refuse these anyway; a role that may not change applications does not see them.
        for key in ("new", "work", "certificate", "issued", "return", "refuse"):
            self.buttons[key].setVisible(self.ctx.can("application.edit"))
        self.buttons["certificate"].setVisible(self.ctx.can("application.edit") and self.ctx.can("certificate.issue"))
        row.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        top.addWidget(self.overdue_only)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(1100, 600)
        service_bus.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        flt = ApplicationFilter(text=self.search.text(), status=self.status_filter.currentData(),
                                overdue_only=self.overdue_only.isChecked())
        with self.ctx.read() as s:
            self.model.set_rows(applications.list_applications(s, flt))

    def selected(self):
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_number(self, number: str) -> None:
        for i, r in enumerate(self.model.rows):
            if r.number == number:
                self.table.selectRow(i)

    def new_application(self) -> NewApplicationDialog:
        dialog = NewApplicationDialog(self.ctx, self)
        dialog.accepted.connect(lambda: dialog.record and self.select_number(dialog.record.number))
        dialog.open()
        return dialog

    def _preview(self, content: dict, title: str) -> PdfPreviewDialog:
        from reports.certificates import render_pdf  # not at start: reportlab is slow to import

        dialog = PdfPreviewDialog(render_pdf(content), title, self)
        dialog.open()
        return dialog

    def receipt(self) -> PdfPreviewDialog | None:
        record = self.selected()
        if record is None:
            return None
        with self.ctx.read() as s:
            content = applications.receipt_content(s, record.id, clerk_name=self.ctx.user.full_name
                                                   if self.ctx.user else "")
        return self._preview(content, _("Receipt for application {number}").format(number=record.number))

    def set_status(self, status: str, **kw) -> bool:
        record = self.selected()
        if record is None:
            return False
        try:
            with self.ctx.write() as s:
                applications.change_status(s, record.id, status, expected_version=record.version, **kw)
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        service_bus.changed.emit()
        self.select_number(record.number)
        return True

    def issue_certificate(self) -> IssueCertificateDialog | None:
        record = self.selected()
        if record is None:
            return None
        if not record.certificate_kind:
            show_error(self, _("This service does not produce a certificate."))
            return None
        dialog = IssueCertificateDialog(self.ctx, self, application_id=record.id)
        dialog.open()
        return dialog

    def return_for_correction(self) -> None:
        record = self.selected()
        if record is None:
            return
        note, ok = QInputDialog.getText(self, _("Return for correction"), _("What must be corrected or brought:"))
        if not ok:
            return
        days, ok = QInputDialog.getInt(self, _("Return for correction"), _("Days to correct:"), 5, 1, 60)
        if ok:
            self.set_status("returned", note=note, correction_due_on=dt.date.today() + dt.timedelta(days=days))

    def refuse(self) -> PdfPreviewDialog | None:
        record = self.selected()
        if record is None:
            return None
        with self.ctx.read() as s:
            service = service_register.get_service(s, record.data.service_id).data
        lang = "ru" if current_language() == "ru" else "ky"
        labels = [g.text(lang) for g in service.refusal_grounds]
        chosen, ok = QInputDialog.getItem(self, _("Refuse"), _("Ground of refusal (from the standard):"),
                                          labels, 0, False)
        if not ok:
            return None
        code = service.refusal_grounds[labels.index(chosen)].code
        if not self.set_status("refused", refusal_code=code):
            return None
        with self.ctx.read() as s:
            content = applications.refusal_content(s, record.id)
        return self._preview(content, _("Refusal letter for application {number}").format(number=record.number))
