"""The audit viewer: who did what and when, filtered by user, record, period and action; export to Excel."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
    QTableView, QVBoxLayout, QWidget,
)

from okmot.errors import OkmotError
from okmot.i18n import N_, _, current_language
from okmot.services import audit, subject_access, territory
from okmot.services.audit import AuditRow
from okmot.services.context import AppContext
from ui.forms import DateField, show_error

#: Most recent events shown; the filters narrow the rest down.
LIMIT = 5000
#: What the events are about, in words (the table names stay in the Excel export's record id column).
_SUBJECTS = {"household": N_("household"), "person": N_("person"), "certificate": N_("certificate"),
             "user": N_("user account")}


def _local(at: dt.datetime) -> str:
    return at.replace(tzinfo=dt.UTC).astimezone().strftime("%d.%m.%Y %H:%M:%S")


def write_subject_access(ctx: AppContext, person_id: uuid.UUID, path: str | Path) -> Path:
    """Collect (and audit) the subject-access report of one person and write it as a PDF."""
    # Imported here: the PDF and spreadsheet writers would otherwise load with the household card at start.
    from reports.subject_access import write_subject_access_pdf

    with ctx.write() as s:
        data = subject_access.collect(s, ctx.user, person_id, language=current_language())
    return write_subject_access_pdf(data, path, current_language())


def ask_subject_access(ctx: AppContext, person_id: uuid.UUID, parent: QWidget) -> Path | None:
    """Ask where to save the subject-access report, write it, and explain any failure."""
    path, _filter = QFileDialog.getSaveFileName(parent, _("Subject-access report"), "subject-access.pdf",
                                                "PDF (*.pdf)")
    if not path:
        return None
    try:
        return write_subject_access(ctx, person_id, path)
    except OkmotError as exc:
        show_error(parent, exc.message)
    except OSError as exc:
        show_error(parent, _("The file could not be written: {error}").format(error=exc.strerror or exc))
    return None


class AuditModel(QAbstractTableModel):
    """Audit events, newest first, read-only."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: list[AuditRow] = []

    def headers(self) -> list[str]:
        return [_("When"), _("User"), _("Action"), _("Record"), _("Record id"), _("Details")]

    def reload(self, rows: list[AuditRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 6

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self.rows[index.row()]
        col = index.column()
        if col == 0:
            return _local(r.at)
        if col == 1:
            return r.user_name
        if col == 2:
            return _(audit.ACTIONS[r.action]) if r.action in audit.ACTIONS else r.action
        if col == 3:
            return _(_SUBJECTS[r.subject_table]) if r.subject_table in _SUBJECTS else r.subject_table
        if col == 4:
            return str(r.subject_id or "")
        return ", ".join(f"{k}: {v}" for k, v in sorted(r.detail.items()))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < 6:
            return self.headers()[section]
        return None


class AuditWindow(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, subject_id: uuid.UUID | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Audit trail"))
        self.model = AuditModel(self)
        with ctx.read() as s:
            names = audit.user_names(s)
        self.user_filter = QComboBox()
        self.user_filter.addItem(_("All users"), None)
        for name in names:
            self.user_filter.addItem(name, name)
        self.action_filter = QComboBox()
        self.action_filter.addItem(_("All actions"), None)
        for code, label in sorted(audit.ACTIONS.items(), key=lambda kv: _(kv[1])):
            self.action_filter.addItem(_(label), code)
        self.subject_edit = QLineEdit(str(subject_id) if subject_id else "")
        self.subject_edit.setPlaceholderText(_("Record id (person or household)"))
        # Room for a whole record id.
        self.subject_edit.setMinimumWidth(self.subject_edit.fontMetrics().horizontalAdvance("0" * 37))
        self.since_edit, self.until_edit = DateField(), DateField()
        for field in (self.since_edit, self.until_edit):
            field.setMinimumWidth(field.fontMetrics().horizontalAdvance("00.00.0000") + 24)
        self.apply_button = QPushButton(_("Show"))
        self.apply_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(_("Export to Excel…"))
        self.export_button.clicked.connect(self.export)
        self.sar_button = QPushButton(_("Subject-access report…"))
        self.sar_button.setToolTip(_("Everything held about the person in the record id field, and who accessed it"))
        self.sar_button.clicked.connect(self.subject_access)
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setObjectName("audit")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._take_subject)

        # Two lines of filters, so that the window fits a 1024-pixel screen in Kyrgyz and Russian too.
        filters = QHBoxLayout()
        for caption, widget in ((_("User"), self.user_filter), (_("Action"), self.action_filter),
                                (_("From"), self.since_edit), (_("To"), self.until_edit)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(widget)
        filters.addStretch(1)
        record = QHBoxLayout()
        record.addWidget(QLabel(_("Record id")))
        record.addWidget(self.subject_edit, 1)
        record.addWidget(self.apply_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.sar_button)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(record)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(1100, 600)
        self.refresh()

    def filters(self) -> dict:
        """The query's filters from the fields; raises OkmotError on a malformed date or id."""
        out: dict = {"user": self.user_filter.currentData(), "action": self.action_filter.currentData(),
                     "limit": LIMIT}
        try:
            since, until = self.since_edit.value(), self.until_edit.value()
        except ValueError:
            raise OkmotError(_("Enter the dates as DD.MM.YYYY.")) from None
        if since is not None:
            out["since"] = dt.datetime.combine(since, dt.time()).astimezone(dt.UTC).replace(tzinfo=None)
        if until is not None:
            out["until"] = (dt.datetime.combine(until, dt.time()) + dt.timedelta(days=1)).astimezone(
                dt.UTC).replace(tzinfo=None)
        text = self.subject_edit.text().strip()
        if text:
            try:
                out["subject_id"] = uuid.UUID(text)
            except ValueError:
                raise OkmotError(_("The record id is not valid.")) from None
        return out

    def refresh(self) -> None:
        try:
            flt = self.filters()
            with self.ctx.read() as s:
                rows = audit.view_events(s, self.ctx.user, **flt)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        self.model.reload(rows)
        self.count_label.setText(_("Events shown: {n}").format(n=len(rows)))

    def _take_subject(self, index: QModelIndex) -> None:
        row = self.model.rows[index.row()]
        if row.subject_id is not None:
            self.subject_edit.setText(str(row.subject_id))

    def _describe_filters(self) -> str:
        parts = [f"{_('User')}: {self.user_filter.currentText()}", f"{_('Action')}: {self.action_filter.currentText()}"]
        if self.since_edit.text() or self.until_edit.text():
            parts.append(f"{_('Period')}: {self.since_edit.text()} – {self.until_edit.text()}")
        if self.subject_edit.text().strip():
            parts.append(f"{_('Record id')}: {self.subject_edit.text().strip()}")
        return "; ".join(parts)

    def export_to(self, path: str | Path) -> Path:
        """Write the events shown to ``path`` and record the export in the audit trail."""
        with self.ctx.read() as s:
            office = territory.home_office(s)
        user = self.ctx.user
        from reports.subject_access import write_audit_xlsx  # not at start: see write_subject_access

        out = write_audit_xlsx(self.model.rows, path, action_labels=audit.ACTIONS,
                               office=office.name() if office else "", filters=self._describe_filters(),
                               lang=current_language(), generated_by=user.full_name or user.username)
        self.ctx.audit("export", detail={"what": "audit", "file": Path(path).name, "rows": len(self.model.rows)})
        return out

    def export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export to Excel"), "audit.xlsx", "Excel (*.xlsx)")
        if path:
            try:
                self.export_to(path)
            except OkmotError as exc:
                show_error(self, exc.message)
            except OSError as exc:
                show_error(self, _("The file could not be written: {error}").format(error=exc.strerror or exc))

    def subject_access_to(self, path: str | Path) -> Path:
        """Write the subject-access report of the person in the record id field to ``path``."""
        flt = self.filters()
        if "subject_id" not in flt:
            raise OkmotError(_("Enter or double-click the record id of a person first."))
        return write_subject_access(self.ctx, flt["subject_id"], path)

    def subject_access(self) -> None:
        try:
            flt = self.filters()
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        if "subject_id" not in flt:
            show_error(self, _("Enter or double-click the record id of a person first."))
            return
        ask_subject_access(self.ctx, flt["subject_id"], self)
        self.refresh()
