"""Import an existing household book: file → column mapping → dry run with row errors → import with progress.

Reading, checking and importing run on a worker thread, so the window stays responsive and the
import can be cancelled; the import is one transaction, so cancelling leaves the book untouched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar,
    QPushButton, QStackedWidget, QTableView, QTableWidget, QVBoxLayout, QWidget,
)

from okmot.errors import OkmotError
from okmot.gcpause import background_job
from okmot.i18n import _
from okmot.importer import values
from okmot.importer.apply import ImportResult, apply_plan
from okmot.importer.fields import FARM, FIELDS, PERSONS
from okmot.importer.mapping import ColumnMapping, remember
from okmot.importer.plan import ImportPlan, check_mappings, detect_mappings, plan_import
from okmot.importer.reader import SourceFile, read_file
from okmot.importer.template import save_template
from okmot.services.context import AppContext
from ui.bus import bus
from ui.rows_model import Col, RowsModel
from ui.forms import show_error

log = logging.getLogger(__name__)
PAGE_FILE, PAGE_MAPPING, PAGE_CHECK, PAGE_IMPORT = range(4)


class Worker(QThread):
    """Runs ``task(progress, cancelled)`` off the GUI thread and reports by signal."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, task: Callable, parent=None):
        super().__init__(parent)
        self._task = task
        self.cancel_event = threading.Event()

    def run(self) -> None:
        try:
            with background_job():
                result = self._task(self.progressed.emit, self.cancel_event.is_set)
        except OkmotError as exc:
            self.failed.emit(exc.message)
        except Exception:  # a bug: logged with its traceback, explained without it
            log.exception("import task failed")
            self.failed.emit(_("Okmot met an unexpected error; nothing was imported. The details are in the log."))
        else:
            self.succeeded.emit(result)


_SEVERITY_COLORS = {"error": QColor("#b00020"), "warning": QColor("#8a5a00")}


class ProblemsModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__([
            Col("", lambda p: _("error") if p.severity == "error" else _("warning"),
                foreground=lambda p: _SEVERITY_COLORS.get(p.severity, _SEVERITY_COLORS["warning"])),
            Col(_("Sheet"), lambda p: p.sheet),
            Col(_("Row"), lambda p: str(p.row), align_right=True),
            Col(_("Column"), lambda p: p.column),
            Col(_("Value"), lambda p: p.value),
            Col(_("Problem"), lambda p: p.message),
        ], parent=parent)


class ImportWizard(QDialog):
    #: Emitted when a step's background work is over (for tests and for the buttons).
    step_done = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.source: SourceFile | None = None
        self.mappings: dict[str, ColumnMapping] = {}
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.worker: Worker | None = None
        self.setWindowTitle(_("Import a household book"))
        self.resize(1000, 620)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._file_page())
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._check_page())
        self.pages.addWidget(self._import_page())
        self.back_button = QPushButton(_("Back"))
        self.next_button = QPushButton(_("Next"))
        self.import_button = QPushButton(_("Import"))
        self.cancel_button = QPushButton(_("Cancel"))
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._show(PAGE_FILE)

    # --- pages ---------------------------------------------------------------------------------

    def _file_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel(_("Choose the household book to import: an Excel workbook (.xlsx) or a CSV file "
                               "(UTF-8 or Windows-1251). Start from the template to be sure of the columns.")))
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("import_path")
        choose = QPushButton(_("Choose file…"))
        choose.clicked.connect(self.choose_file)
        row.addWidget(self.path_edit, 1)
        row.addWidget(choose)
        lay.addLayout(row)
        self.template_button = QPushButton(_("Save the template…"))
        self.template_button.clicked.connect(self.save_template_as)
        lay.addWidget(self.template_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        return page

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.mapping_label = QLabel()
        self.mapping_label.setWordWrap(True)
        lay.addWidget(self.mapping_label)
        self.mapping_table = QTableWidget(0, 3)
        self.mapping_table.setHorizontalHeaderLabels([_("Column in the file"), _("First value"), _("Read as")])
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mapping_table.verticalHeader().hide()
        lay.addWidget(self.mapping_table, 1)
        self.farm_label = QLabel()
        self.farm_label.setWordWrap(True)
        lay.addWidget(self.farm_label)
        return page

    def _check_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("import_summary")
        self.summary_label.setWordWrap(True)
        lay.addWidget(self.summary_label)
        self.problems_model = ProblemsModel(self)
        self.problems_view = QTableView()
        self.problems_view.setModel(self.problems_model)
        self.problems_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems_view.verticalHeader().hide()
        header = self.problems_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        lay.addWidget(self.problems_view, 1)
        return page

    def _import_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.progress = QProgressBar()
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        lay.addWidget(self.progress_label)
        lay.addWidget(self.progress)
        lay.addStretch(1)
        return page

    def _show(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        busy = self.worker is not None
        self.back_button.setVisible(page in (PAGE_MAPPING, PAGE_CHECK))
        self.back_button.setEnabled(not busy)
        self.next_button.setVisible(page in (PAGE_FILE, PAGE_MAPPING))
        self.next_button.setEnabled(not busy)
        self.import_button.setVisible(page == PAGE_CHECK)
        self.import_button.setEnabled(not busy and self.plan is not None and not self.plan.errors
                                      and self.plan.summary.writes > 0)
        self.cancel_button.setText(_("Close") if page == PAGE_IMPORT and not busy else _("Cancel"))

    # --- actions ---------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Household book to import"), "",
                                                    _("Household books (*.xlsx *.csv)"))
        if path:
            self.path_edit.setText(path)

    def save_template_as(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Save the template"), "okmot-template.xlsx",
                                                    _("Excel workbook (*.xlsx)"))
        if path:
            try:
                save_template(path)
            except OkmotError as exc:
                show_error(self, exc.message)
                return
            self.status.setText(_("Template saved to {path}.").format(path=path))

    def next(self) -> None:
        page = self.pages.currentIndex()
        if page == PAGE_FILE:
            path = Path(self.path_edit.text().strip())
            self._run(lambda progress, cancelled: self._load(path), self._loaded, _("Reading the file…"))
        elif page == PAGE_MAPPING:
            self.mappings[PERSONS] = self._chosen_mapping()
            try:
                check_mappings(self.mappings)
            except OkmotError as exc:
                self.status.setText(exc.message)
                return
            mappings = dict(self.mappings)
            self._run(lambda progress, cancelled: self._dry_run(mappings), self._checked,
                      _("Checking every row…"))

    def back(self) -> None:
        self._show(max(PAGE_FILE, self.pages.currentIndex() - 1))

    def _load(self, path: Path):
        source = read_file(path)
        with self.ctx.read() as s:
            return source, detect_mappings(s, source)

    def _dry_run(self, mappings) -> ImportPlan:
        with self.ctx.read() as s:
            return plan_import(s, self.source, mappings)

    def _loaded(self, result) -> None:
        self.source, self.mappings = result
        self._fill_mapping()
        self.status.setText(_("File read: {name}{encoding}.").format(
            name=self.source.path.name, encoding=f" ({self.source.encoding})" if self.source.encoding else ""))
        self._show(PAGE_MAPPING)

    def _fill_mapping(self) -> None:
        m = self.mappings.get(PERSONS)
        sheet = self.source.sheets[0] if m is None else next(s for s in self.source.sheets
                                                              if s.title == m.sheet_title)
        header_row = m.header_row if m else 1
        headers = m.headers if m else tuple(values.text(v) for v in (sheet.rows[0][1] if sheet.rows else ()))
        first = next((cells for number, cells in sheet.rows if number > header_row), ())
        if m is None:
            self.mappings[PERSONS] = m = ColumnMapping(PERSONS, sheet.title, header_row, headers)
        self.mapping_label.setText(_("Sheet “{sheet}”, header on row {row}. Check what each column is read as; "
                                     "your choice is remembered for files laid out the same way.").format(
            sheet=sheet.title, row=header_row))
        self.mapping_table.setRowCount(len(headers))
        for i, header in enumerate(headers):
            self.mapping_table.setCellWidget(i, 0, QLabel(header))
            self.mapping_table.setCellWidget(i, 1, QLabel(values.text(first[i]) if i < len(first) else ""))
            combo = QComboBox()
            combo.addItem(_("— do not import —"), "")
            for f in FIELDS[PERSONS]:
                combo.addItem(f.label_text + (" *" if f.required else ""), f.key)
            combo.setCurrentIndex(max(0, combo.findData(m.columns.get(i, ""))))
            self.mapping_table.setCellWidget(i, 2, combo)
        farm = self.mappings.get(FARM)
        self.farm_label.setText(
            _("Land and livestock: sheet “{sheet}”, {n} columns recognised.").format(
                sheet=farm.sheet_title, n=len(farm.columns)) if farm else
            _("No land and livestock sheet was found; only persons and households will be imported."))

    def mapping_combo(self, row: int) -> QComboBox:
        return self.mapping_table.cellWidget(row, 2)

    def _chosen_mapping(self) -> ColumnMapping:
        m = self.mappings[PERSONS]
        return m.with_columns({i: self.mapping_combo(i).currentData() for i in range(self.mapping_table.rowCount())})

    def _checked(self, plan: ImportPlan) -> None:
        self.plan = plan
        s = plan.summary
        lines = [
            _("Rows read: {n}").format(n=s.rows),
            _("Households: {c} to create, {u} to update, {n} unchanged").format(
                c=s.households_create, u=s.households_update, n=s.households_unchanged),
            _("Persons: {c} to create, {u} to update, {n} unchanged").format(
                c=s.persons_create, u=s.persons_update, n=s.persons_unchanged),
            _("Land and livestock (household and year): {c} to create, {u} to update, {n} unchanged").format(
                c=s.farm_create, u=s.farm_update, n=s.farm_unchanged),
        ]
        if s.streets_create:
            lines.append(_("New streets: {n}").format(n=s.streets_create))
        if plan.errors:
            lines.append(_("{n} errors: correct them in the file and check again. Nothing can be imported "
                           "until then.").format(n=len(plan.errors)))
        elif s.writes == 0:
            lines.append(_("Everything in this file is already in the book."))
        else:
            lines.append(_("No errors. Import writes all of this at once, or nothing."))
        self.summary_label.setText("\n".join(lines))
        self.problems_model.set_rows(plan.problems)
        self.status.setText("")
        self._show(PAGE_CHECK)

    def start_import(self) -> None:
        mappings = dict(self.mappings)
        source = self.source

        def task(progress, cancelled) -> ImportResult:
            with self.ctx.write() as s:
                plan = plan_import(s, source, mappings)
                result = apply_plan(s, plan, progress=progress, cancelled=cancelled)
                remember(s, mappings[PERSONS])
                return result

        self.progress.setRange(0, 0)
        self.progress_label.setText(_("Importing… Cancel stops it and leaves the book as it was."))
        self._run(task, self._imported, "", page=PAGE_IMPORT)

    def _imported(self, result: ImportResult) -> None:
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        s = result.summary
        self.progress_label.setText(_("Imported: {h} households and {p} persons created, {u} persons updated.").format(
            h=s.households_create, p=s.persons_create, u=s.persons_update))
        bus.changed.emit(result.changes)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel_event.set()
            self.progress_label.setText(_("Cancelling…"))
            return
        self.reject()

    # --- background work -----------------------------------------------------------------------

    def _run(self, task: Callable, on_success: Callable, message: str, page: int | None = None) -> None:
        worker = Worker(task)
        self.worker = worker
        worker.progressed.connect(self._progressed)
        worker.succeeded.connect(on_success)
        worker.failed.connect(self._failed)
        worker.finished.connect(self._finished)
        if message:
            self.status.setText(message)
        self._show(page if page is not None else self.pages.currentIndex())
        worker.start()

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, message: str) -> None:
        if self.pages.currentIndex() == PAGE_IMPORT:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress_label.setText(message)
        else:
            self.status.setText(message)

    def _finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self._show(self.pages.currentIndex())
        self.step_done.emit()

    def reject(self) -> None:
        if self.worker is not None:  # never leave a write half-way: cancel, wait for the rollback
            self.worker.cancel_event.set()
            self.worker.wait()
        super().reject()
