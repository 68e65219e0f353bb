"""District: persons who seem to live in two aiyl aimaks, to review, mark as reviewed, or send to Excel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QTableView,
    QVBoxLayout, QWidget,
)

from okmot import permissions
from okmot.errors import OkmotError
from okmot.i18n import _, current_language
from okmot.paths import ensure_dir, home_dir
from okmot.services import cross_office
from okmot.services.context import AppContext
from okmot.services.cross_office import CrossOfficePair, OfficePerson
from reports.cross_office import cross_office_report
from reports.xlsx import write_xlsx
from ui.forms import format_date, show_error
from ui.import_wizard import Worker
from ui.rows_model import Col, RowsModel


def describe(p: OfficePerson) -> str:
    """One side of a pair as the operator reads it out to the office: where, which household, who."""
    lang = current_language()
    born = format_date(p.birth_date) or "—"
    return _("{office} {village}, household {account}: {name}, born {born}, PIN {pin}").format(
        office=p.office_code, village=p.village(lang), account=p.account_number, name=p.name, born=born,
        pin=p.pin or "—")


def _columns() -> list[Col]:
    return [
        Col(_("Why listed"), lambda r: r.reason_text),
        Col(_("First record"), lambda r: describe(r.first)),
        Col(_("Second record"), lambda r: describe(r.second)),
    ]


class CrossOfficeWindow(QDialog):
    """The district's work list; the offices correct their books, the district marks a pair as reviewed."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        #: Loads the list off the GUI thread: on a district of 400 000 persons the search takes a while.
        self.worker: Worker | None = None
        self.setWindowTitle(_("Persons in two offices"))
        self.model = RowsModel(_columns(), parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no count to show: the database groups the persons in one query
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.reviewed_button = QPushButton(_("Mark as reviewed"))
        self.reviewed_button.clicked.connect(self.mark_selected)
        self.export_button = QPushButton(_("Export to Excel…"))
        self.export_button.clicked.connect(self.export)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reviewed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Current residents of two different aiyl aimaks with the same PIN, or the same name and "
                         "birth date. Tell both offices: one of them records the departure or corrects the record. "
                         "A pair marked as reviewed is not listed again."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.info)
        layout.addLayout(buttons)
        # Marking needs the import right, the list in Excel the export right; reading it is open to all.
        self.reviewed_button.setVisible(ctx.can("sync.import"))
        self.export_button.setVisible(ctx.can("report.export"))
        self.resize(1100, 480)
        self.refresh()

    def refresh(self) -> None:
        """Look for the pairs in the background; the list, its count and the buttons follow when found."""
        if self.worker is not None:
            return
        ctx = self.ctx

        def find(_progress, _cancelled) -> list[CrossOfficePair]:
            with ctx.read() as s:
                return cross_office.find_pairs(s)

        self.worker = Worker(find, self)
        self.worker.succeeded.connect(self._show)
        self.worker.failed.connect(self.info.setText)
        self.worker.finished.connect(self._loaded)
        self.busy.setVisible(True)
        self.info.setText(_("Looking for persons listed in two offices…"))
        self._enable(False)
        self.worker.start()

    def _show(self, pairs: list[CrossOfficePair], text: str | None = None) -> None:
        self.model.set_rows(pairs)
        if pairs:
            self.table.selectRow(0)
        self.info.setText(text or _("Pairs to review: {n}").format(n=len(pairs)))

    def _loaded(self) -> None:
        self.worker = None
        self.busy.setVisible(False)
        self._enable(True)

    def _enable(self, idle: bool) -> None:
        has_rows = idle and self.model.rowCount() > 0
        self.reviewed_button.setEnabled(has_rows)
        self.export_button.setEnabled(has_rows)

    def reject(self) -> None:
        if self.worker is not None:  # the query cannot be interrupted: let it end before the window goes
            self.worker.wait()
        super().reject()

    def selected(self) -> CrossOfficePair | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() and index.row() < len(self.model.rows) else None

    def mark_selected(self) -> bool:
        pair = self.selected()
        if pair is None:
            return False
        try:
            with self.ctx.write() as s:
                cross_office.mark_reviewed(s, pair.first.person_id, pair.second.person_id)
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        # The reviewed pair is all that leaves the list: no need to search the district again.
        rest = [p for p in self.model.rows if p is not pair]
        self._show(rest, _("Reviewed: {a} and {b}. Pairs to review: {n}").format(
            a=pair.first.name, b=pair.second.name, n=len(rest)))
        self._enable(True)
        return True

    def choose_file(self) -> str:
        suggested = ensure_dir(home_dir() / "reports") / f"cross-office-{dt.date.today():%Y-%m-%d}.xlsx"
        name, _filter = QFileDialog.getSaveFileName(self, _("Save the list as"), str(suggested), "*.xlsx")
        if name and not name.lower().endswith(".xlsx"):
            name += ".xlsx"
        return name

    def export(self) -> Path | None:
        """The listed pairs as a workbook (small: written at once, on this thread)."""
        name = self.choose_file()
        if not name:
            return None
        user = self.ctx.user
        who = (user.full_name or user.username) if user else _("system")
        lang = current_language()
        try:
            permissions.require(user, "report.export")
            report = cross_office_report(self.model.rows, lang, district=_("District database"), generated_by=who,
                                         generated_at=dt.datetime.now())
            path = write_xlsx(report, name)
            self.ctx.audit("export", detail={"report": "cross_office_duplicates", "file": Path(name).name})
        except OkmotError as exc:
            show_error(self, exc.message)
            return None
        self.info.setText(_("The list was saved: {path}").format(path=path))
        return Path(path)
