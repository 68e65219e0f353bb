"""Issue a certificate: kind, subject, language, as-of date, purpose; then the PDF preview to print."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from okmot import codes
from okmot.errors import OkmotError
from okmot.i18n import _, current_language
from okmot.services import applications, certificates, households
from okmot.services.certificates import IssuedCertificate
from okmot.services.context import AppContext
from ui.forms import CodeCombo, DateField, EditDialog, FormPanel
from ui.pdf_preview import PdfPreviewDialog
from ui.service_bus import service_bus

LANGUAGE_LABELS = {"ky": "Кыргызча", "ru": "Русский", "ky+ru": "Кыргызча + Русский"}


def certificate_pdf(issued: IssuedCertificate) -> bytes:
    # Imported here: the PDF writer (reportlab) would otherwise load with the Services menu at start.
    from reports.certificates import render_pdf

    return render_pdf(issued.content, payload=issued.payload, duplicate=issued.duplicate)


def show_certificate(issued: IssuedCertificate, parent: QWidget | None) -> PdfPreviewDialog:
    title = _("Certificate {number}").format(number=issued.number)
    if issued.duplicate:
        title += " — " + _("duplicate")
    dialog = PdfPreviewDialog(certificate_pdf(issued), title, parent,
                              file_name=issued.number.replace("/", "-") + ".pdf")
    dialog.open()
    return dialog


class IssueCertificateDialog(EditDialog):
    """Saving issues the certificate (number, signature, register entry) and opens its preview."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, household_id: uuid.UUID | None = None,
                 application_id: uuid.UUID | None = None, kind: str | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.application_id = application_id
        self.issued: IssuedCertificate | None = None
        self.preview: PdfPreviewDialog | None = None
        self.setWindowTitle(_("Issue a certificate"))
        application = None
        if application_id is not None:
            with ctx.read() as s:
                application = applications.get_application(s, application_id)
            household_id = household_id or application.data.household_id
            kind = kind or application.certificate_kind
        self.form = FormPanel()
        f = self.form
        self.kind = f.add("kind", _("Kind"), CodeCombo(certificates.KINDS))
        self.kind.set_code(kind or "family")
        self.account = f.add("subject", _("Household account No."), QLineEdit())
        self.member = f.add("person", _("Person"), QComboBox())
        self.language = f.add("language", _("Language"), QComboBox())
        for code in certificates.LANGUAGE_CHOICES:
            self.language.addItem(LANGUAGE_LABELS[code], code)
        self.language.setCurrentIndex(2)
        self.as_of = f.add("as_of", _("As of (empty: today)"), DateField())
        self.purpose = f.add("purpose", _("For presentation to"), QLineEdit())
        self.applicant = f.add("applicant_name", _("Applicant"), QLineEdit())
        self.receipt = f.add("receipt_number", _("Receipt No. (paid service)"), QLineEdit())
        self.text = f.add("text", _("Text (free-text certificate)"), QPlainTextEdit())
        self.text.setMaximumHeight(110)
        if household_id is not None:
            with ctx.read() as s:
                self.account.setText(households.get_card(s, household_id).data.account_number)
        if application is not None:
            self.applicant.setText(application.data.applicant_name)
            self.purpose.setText(application.data.purpose)
        self.account.editingFinished.connect(self._fill_members)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        f.changed.connect(self.mark_dirty)
        self.save_button.setText(_("Issue and preview"))
        layout = QVBoxLayout(self)
        layout.addWidget(f)
        layout.addLayout(self.buttons)
        self.resize(560, 520)
        self._fill_members()
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.text.setEnabled(self.kind.code() == "free")

    def _fill_members(self) -> None:
        self.member.clear()
        self.member.addItem(_("(the household; its head for a residence certificate)"), None)
        account = self.account.text().strip()
        if not account:
            return
        try:
            with self.ctx.read() as s:
                card = households.get_card(s, households.household_id_by_account(s, account))
        except OkmotError:
            return
        for m in card.current_members:
            self.member.addItem(f"{m.person.full_name(current_language())} — "
                                f"{codes.label(codes.RELATIONS, m.relation)}", m.person.id)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            as_of = self.as_of.value()
        except ValueError as exc:
            self.form.show_errors({"as_of": str(exc)})
            return False
        try:
            with self.ctx.write() as s:
                household_id = None
                if self.account.text().strip():
                    household_id = households.household_id_by_account(s, self.account.text())
                self.issued = certificates.issue_certificate(
                    s, kind=self.kind.code(), language=self.language.currentData(), household_id=household_id,
                    person_id=self.member.currentData(), as_of=as_of, issued_on=dt.date.today(),
                    purpose=self.purpose.text(), text=self.text.toPlainText(), applicant_name=self.applicant.text(),
                    application_id=self.application_id, receipt_number=self.receipt.text())
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        service_bus.changed.emit()
        return True

    def _on_save(self) -> None:
        if self.save():
            self.dirty = False
            self.preview = show_certificate(self.issued, self.parent())
            self.accept()

