"""The journal of complaints and citizens' appeals: register, extend, escalate, answer; overdue in red."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QInputDialog, QLineEdit, QPlainTextEdit, QPushButton,
    QTableView, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _
from okmot.services import complaints
from okmot.services.context import AppContext
from ui.forms import CodeCombo, EditDialog, FormPanel, format_date, show_error
from ui.rows_model import OVERDUE, Col, RowsModel
from ui.service_bus import service_bus


class NewComplaintDialog(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("New complaint or appeal"))
        self.form = FormPanel()
        self.kind = self.form.add("kind", _("Kind"), CodeCombo(complaints.KINDS))
        self.author = self.form.add("author_name", _("Complainant"), QLineEdit())
        self.contact = self.form.add("author_contact", _("Address, phone"), QLineEdit())
        self.subject = self.form.add("subject", _("What about"), QPlainTextEdit())
        self.form.changed.connect(self.mark_dirty)
        self.subject.textChanged.connect(self.mark_dirty)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(self.buttons)
        self.resize(520, 360)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            with self.ctx.write() as s:
                complaints.receive(s, author_name=self.author.text(), subject=self.subject.toPlainText(),
                                   kind=self.kind.code(), author_contact=self.contact.text())
        except ValidationError as exc:
            self.form.show_errors(exc.fields)
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        service_bus.changed.emit()
        return True


class ComplaintsWindow(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Complaints and appeals"))
        self.model = RowsModel([
            Col(_("No."), lambda r: r.number),
            Col(_("Received"), lambda r: format_date(r.received_on)),
            Col(_("Kind"), lambda r: codes.label(complaints.KINDS, r.kind)),
            Col(_("Complainant"), lambda r: r.author_name),
            Col(_("What about"), lambda r: r.subject),
            Col(_("Status"), lambda r: codes.label(complaints.STATUSES, r.status)),
            Col(_("Answer due"), lambda r: format_date(r.answer_due_on)),
            Col(_("Outcome"), lambda r: codes.label(complaints.OUTCOMES, r.outcome)),
        ], background=lambda r: OVERDUE if r.overdue() else None, parent=self)
        self.overdue_only = QCheckBox(_("Overdue only"))
        self.overdue_only.toggled.connect(self.refresh)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        row = QHBoxLayout()
        for text, slot in ((_("New…"), lambda: NewComplaintDialog(self.ctx, self).exec()),
                           (_("Extend…"), self.extend), (_("Escalate…"), self.escalate),
                           (_("Answer…"), self.answer)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(self.ctx.can("complaint.edit"))  # the services refuse it anyway
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.overdue_only)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.resize(1000, 520)
        service_bus.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            self.model.set_rows(complaints.list_complaints(s, overdue_only=self.overdue_only.isChecked()))

    def selected(self):
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _write(self, fn) -> None:
        try:
            with self.ctx.write() as s:
                fn(s)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        service_bus.changed.emit()

    def extend(self) -> None:
        r = self.selected()
        if r is None:
            return
        days, ok = QInputDialog.getInt(self, _("Extend"), _("Extend the answer by days:"), 7, 1, 30)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, _("Extend"), _("Reason for the extension:"))
        if ok:
            self._write(lambda s: complaints.extend(s, r.id, until=r.answer_due_on + dt.timedelta(days=days),
                                                    reason=reason))

    def escalate(self) -> None:
        r = self.selected()
        if r is None:
            return
        to, ok = QInputDialog.getText(self, _("Escalate"), _("Sent to (body):"))
        if ok:
            self._write(lambda s: complaints.escalate(s, r.id, to=to))

    def answer(self) -> None:
        r = self.selected()
        if r is None:
            return
        labels = [codes.label(complaints.OUTCOMES, c) for c in complaints.OUTCOMES]
        chosen, ok = QInputDialog.getItem(self, _("Answer"), _("Outcome:"), labels, 0, False)
        if not ok:
            return
        text, ok = QInputDialog.getMultiLineText(self, _("Answer"), _("Answer given:"))
        if ok:
            outcome = list(complaints.OUTCOMES)[labels.index(chosen)]
            self._write(lambda s: complaints.answer(s, r.id, outcome=outcome, text=text))
