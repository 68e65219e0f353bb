"""The register of issued certificates: search and filters, preview, duplicate, cancel, verify a code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog, QLineEdit, QMessageBox,
    QPushButton, QTableView, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.cli_certificate import payload_of_pdf
from okmot.errors import OkmotError
from okmot.i18n import _
from okmot.services import certificates, signing
from okmot.services.certificates import CertificateFilter
from okmot.services.context import AppContext
from ui.certificate_dialog import IssueCertificateDialog, show_certificate
from ui.forms import format_date, show_error
from ui.rows_model import MUTED, Col, RowsModel
from ui.service_bus import service_bus


def money(tyiyn: int) -> str:
    return f"{tyiyn // 100},{tyiyn % 100:02d}" if tyiyn else ""


class CertificatesWindow(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Register of certificates"))
        self.model = RowsModel([
            Col(_("Number"), lambda r: r.number),
            Col(_("Date"), lambda r: format_date(r.issued_on)),
            Col(_("Kind"), lambda r: codes.label(certificates.KINDS, r.kind)),
            Col(_("About"), lambda r: r.subject_name),
            Col(_("Applicant"), lambda r: r.applicant_name),
            Col(_("Purpose"), lambda r: r.purpose),
            Col(_("Signatory"), lambda r: r.signatory_name),
            Col(_("Fee, som"), lambda r: money(r.fee_tyiyn), align_right=True),
            Col(_("Language"), lambda r: r.language),
            Col(_("Status"), lambda r: codes.label(certificates.STATUSES, r.status)
                + (f": {r.cancel_reason}" if r.cancel_reason else "")),
        ], foreground=lambda r: MUTED if r.status == "cancelled" else None, parent=self)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search: number, name, purpose"))
        self.search.setClearButtonEnabled(True)
        self.kind_filter = QComboBox()
        self.kind_filter.addItem(_("All kinds"), None)
        for code in certificates.KINDS:
            self.kind_filter.addItem(codes.label(certificates.KINDS, code), code)
        self.status_filter = QComboBox()
        self.status_filter.addItem(_("Issued and cancelled"), None)
        for code in certificates.STATUSES:
            self.status_filter.addItem(codes.label(certificates.STATUSES, code), code)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.kind_filter.currentIndexChanged.connect(self.refresh)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.preview())
        self.new_button = QPushButton(_("Issue…"))
        self.preview_button = QPushButton(_("Preview and print"))
        self.reprint_button = QPushButton(_("Duplicate…"))
        self.cancel_button = QPushButton(_("Cancel certificate…"))
        self.verify_button = QPushButton(_("Verify a code…"))
        self.new_button.clicked.connect(self.issue)
        self.preview_button.clicked.connect(self.preview)
        self.reprint_button.clicked.connect(self.reprint)
        self.cancel_button.clicked.connect(self.cancel)
        self.verify_button.clicked.connect(self.verify)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.kind_filter)
        top.addWidget(self.status_filter)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.preview_button, self.reprint_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(1100, 600)
        service_bus.changed.connect(self.refresh)
        self.refresh()

    def current_filter(self) -> CertificateFilter:
        return CertificateFilter(text=self.search.text(), kind=self.kind_filter.currentData(),
                                 status=self.status_filter.currentData())

    def refresh(self) -> None:
        with self.ctx.read() as s:
            self.model.set_rows(certificates.list_certificates(s, self.current_filter()))

    def selected(self):
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def issue(self) -> None:
        IssueCertificateDialog(self.ctx, self).exec()

    def preview(self) -> None:
        row = self.selected()
        if row is None:
            return
        with self.ctx.read() as s:
            issued = certificates.get_certificate(s, row.id)
        show_certificate(issued, self)

    def reprint(self) -> None:
        row = self.selected()
        if row is None:
            return
        with self.ctx.read() as s:
            fee = certificates.duplicate_fee(s, row.id)
        receipt = ""
        if fee:
            receipt, ok = QInputDialog.getText(self, _("Duplicate"), _(
                "A duplicate costs {amount} som by the standard. Receipt No.:").format(amount=money(fee)))
            if not ok:
                return
        try:
            with self.ctx.write() as s:
                issued = certificates.reprint_certificate(s, row.id, receipt_number=receipt)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        service_bus.changed.emit()
        show_certificate(issued, self)

    def cancel(self) -> None:
        row = self.selected()
        if row is None:
            return
        reason, ok = QInputDialog.getText(self, _("Cancel certificate"), _("Reason for cancelling {number}:").format(
            number=row.number))
        if not ok:
            return
        try:
            with self.ctx.write() as s:
                certificates.cancel_certificate(s, row.id, reason=reason)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        service_bus.changed.emit()

    def verify(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open a certificate PDF"), "", "PDF (*.pdf)")
        if path:
            self.verify_source(pdf=Path(path))
        else:
            text, ok = QInputDialog.getText(self, _("Verify a code"), _("Text of the QR code:"))
            if ok and text.strip():
                self.verify_source(payload=text)

    def verify_source(self, *, pdf: Path | None = None, payload: str | None = None) -> signing.Verdict | None:
        try:
            payload = payload if payload is not None else payload_of_pdf(pdf)
            with self.ctx.read() as s:
                verdict = certificates.verify(s, payload)
        except OkmotError as exc:
            show_error(self, exc.message)
            return None
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information if verdict.valid else QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Verification"))
        box.setText(f"{codes.label(signing.VERDICTS, verdict.status).upper()}\n{verdict.message}")
        box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
        box.open()
        self.last_verdict_box = box
        return verdict
