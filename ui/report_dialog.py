"""The report dialog: choose a report, a date or period, villages, language and format; made off the GUI thread."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from PySide6.QtCore import Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QProgressBar, QPushButton, QVBoxLayout, QWidget,
)

from okmot import permissions
from okmot.errors import DatabaseBusyError, OkmotError
from okmot.gcpause import background_job
from okmot.i18n import LANGUAGE_NAMES, LANGUAGES, _, current_language
from okmot.paths import ensure_dir, home_dir
from okmot.reporting.collect import collect
from okmot.reporting.data import Params
from okmot.reporting.kinds import HOUSEHOLD, KINDS, PERIOD
from okmot.reporting.scope import check_params, offices_in_database
from okmot.services import territory
from okmot.services.context import AppContext
from reports.catalog import check_format, render
from reports.output import Cancelled
from ui.forms import DateField, show_error
from ui.uisettings import qsettings

_KEY = "reports/"
#: How long a finished report keeps trying to record its export while another unit of work (a book
#: import is one transaction) holds the database for longer than SQLite's busy timeout.
AUDIT_WAIT_S = 600


class ReportWorker(QThread):
    """Reads the data and writes the file; never touches widgets (results travel by signal)."""

    progressed = Signal(int, int)
    succeeded = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, params: Params, path: Path, generated_by: str, parent=None):
        super().__init__(parent)
        self.ctx, self.params, self.path, self.generated_by = ctx, params, path, generated_by
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def run(self) -> None:
        try:
            permissions.require(self.ctx.user, "report.export")
            with background_job():
                with self.ctx.read() as session:
                    data = collect(session, self.params, generated_by=self.generated_by)
                if self._stop.is_set():
                    raise Cancelled()
                render(self.params.kind, data, self.params.language, self.path,
                       progress=lambda done, total: self.progressed.emit(done, total), cancelled=self._stop.is_set)
                del data
            self._record_export()
        except Cancelled:
            self.cancelled.emit()
        except OkmotError as exc:
            self.failed.emit(exc.message)
        else:
            self.succeeded.emit(str(self.path))

    def _record_export(self) -> None:
        """The audit row of the export: waiting here (off the GUI thread) for an import to finish beats
        calling a report that is already written a failure."""
        deadline = time.monotonic() + AUDIT_WAIT_S
        while True:
            try:
                self.ctx.audit("export", detail={"report": self.params.kind, "file": self.path.name})
                return
            except DatabaseBusyError:
                if time.monotonic() >= deadline:
                    raise


class ReportDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.worker: ReportWorker | None = None
        self.result_path: Path | None = None
        self.setWindowTitle(_("Reports"))
        with ctx.read() as s:
            self.villages = territory.list_villages(s)
            #: Offices with villages in the database: several in a district database.
            self.offices = offices_in_database(s)
        codes = {o.id: o.code for o in self.offices}
        multi = len(self.offices) > 1
        self.office_combo = QComboBox()
        self.office_combo.addItem(_("All aiyl aimaks, with a breakdown per aiyl aimak"), None)
        for office in self.offices:
            self.office_combo.addItem(f"{office.code} {office.name(current_language())}", office.code)

        self.kind_combo = QComboBox()
        for kind in KINDS.values():
            self.kind_combo.addItem(_(kind.title), kind.code)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.as_of = DateField()
        self.start = DateField()
        self.end = DateField()
        self.account = QLineEdit()
        self.account.setMaximumWidth(120)
        period = QWidget()
        row = QHBoxLayout(period)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.start)
        row.addWidget(QLabel("–"))
        row.addWidget(self.end)
        row.addStretch(1)
        self.village_list = QListWidget()
        self.village_list.setMaximumHeight(110)
        for v in self.villages:
            # In a district database a village is named with its office: codes repeat across offices.
            code = f"{codes.get(v.parent_id, '')}/{v.code}" if multi else v.code
            item = QListWidgetItem(f"{code} {v.name()}")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.village_list.addItem(item)
        self.language_combo = QComboBox()
        for code in LANGUAGES:
            self.language_combo.addItem(LANGUAGE_NAMES[code], code)
        self.format_combo = QComboBox()
        self.path_edit = QLineEdit()
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self.choose_file)
        path_row = QWidget()
        prow = QHBoxLayout(path_row)
        prow.setContentsMargins(0, 0, 0, 0)
        prow.addWidget(self.path_edit, 1)
        prow.addWidget(browse)
        self.open_when_done = QCheckBox(_("Open the file when it is ready"))

        form = QFormLayout()
        form.addRow(_("Report"), self.kind_combo)
        form.addRow("", self.description)
        self.as_of_label, self.period_label, self.account_label = QLabel(_("As of")), QLabel(_("Period")), \
            QLabel(_("Account No."))
        form.addRow(self.as_of_label, self.as_of)
        form.addRow(self.period_label, period)
        form.addRow(self.account_label, self.account)
        self.office_label = QLabel(_("Aiyl aimak"))
        form.addRow(self.office_label, self.office_combo)
        self.office_label.setVisible(multi)
        self.office_combo.setVisible(multi)
        form.addRow(_("Villages (none ticked: all)"), self.village_list)
        form.addRow(_("Language of the report"), self.language_combo)
        form.addRow(_("Format"), self.format_combo)
        form.addRow(_("File"), path_row)
        form.addRow("", self.open_when_done)
        self._period_widget = period

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.make_button = QPushButton(_("Make the report"))
        self.make_button.setDefault(True)
        self.make_button.clicked.connect(self.start_report)
        self.folder_button = QPushButton(_("Open folder"))
        self.folder_button.setEnabled(False)
        self.folder_button.clicked.connect(self.open_folder)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.make_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.office_combo.currentIndexChanged.connect(self._office_changed)
        self._restore()
        self.resize(620, self.sizeHint().height())

    # --- choices ---------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def _kind_changed(self) -> None:
        kind = KINDS[self.kind]
        self.description.setText(_(kind.description))
        for widget, shown in ((self.as_of, kind.timing != PERIOD), (self.as_of_label, kind.timing != PERIOD),
                              (self._period_widget, kind.timing == PERIOD),
                              (self.period_label, kind.timing == PERIOD),
                              (self.account, kind.timing == HOUSEHOLD), (self.account_label, kind.timing == HOUSEHOLD)):
            widget.setVisible(shown)
        current = self.format_combo.currentData()
        self.format_combo.blockSignals(True)
        self.format_combo.clear()
        for fmt in kind.formats:
            self.format_combo.addItem(f".{fmt}", fmt)
        index = self.format_combo.findData(current)
        self.format_combo.setCurrentIndex(max(index, 0))
        self.format_combo.blockSignals(False)
        self._suggest_path()

    def _format_changed(self) -> None:
        self._suggest_path()

    @property
    def office(self) -> str | None:
        """The chosen office code, or None for every office (the report then breaks its figures down)."""
        return self.office_combo.currentData() if len(self.offices) > 1 else None

    def _office_changed(self) -> None:
        """Show only the chosen office's villages (a hidden village is unticked: it could not be in the report)."""
        office = self.office
        for i in range(self.village_list.count()):
            item = self.village_list.item(i)
            hidden = office is not None and not item.data(Qt.ItemDataRole.UserRole).startswith(office + "/")
            item.setHidden(hidden)
            if hidden:
                item.setCheckState(Qt.CheckState.Unchecked)

    def _folder(self) -> Path:
        text = self.path_edit.text().strip()
        if text:
            return Path(text).expanduser().parent
        saved = qsettings().value(_KEY + "folder")
        return Path(saved) if saved and Path(saved).is_dir() else ensure_dir(home_dir() / "reports")

    def _suggest_path(self) -> None:
        fmt = self.format_combo.currentData() or "xlsx"
        stamp = dt.date.today().strftime("%Y-%m-%d")
        self.path_edit.setText(str(self._folder() / f"{self.kind}-{stamp}.{fmt}"))

    def choose_file(self) -> None:
        fmt = self.format_combo.currentData() or "xlsx"
        name, _filter = QFileDialog.getSaveFileName(self, _("Save the report as"), self.path_edit.text(),
                                                    f"*.{fmt}")
        if name:
            if not name.lower().endswith(f".{fmt}"):
                name += f".{fmt}"
            self.path_edit.setText(name)

    def checked_villages(self) -> tuple[str, ...]:
        return tuple(self.village_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.village_list.count())
                     if self.village_list.item(i).checkState() == Qt.CheckState.Checked)

    def params(self) -> Params:
        """The choices as report parameters; raises ValueError or OkmotError with a translated message."""
        timing = KINDS[self.kind].timing
        as_of = start = end = None
        if timing == PERIOD:
            start, end = self.start.value(), self.end.value()
        else:
            as_of = self.as_of.value()
        params = Params(self.kind, as_of=as_of, start=start, end=end, villages=self.checked_villages(),
                        account=self.account.text().strip() or None, language=self.language_combo.currentData(),
                        office=self.office)
        params = check_params(params)
        check_format(self.kind, self.path_edit.text().strip())
        return params

    # --- remembering ---------------------------------------------------------------------------

    def _restore(self) -> None:
        s = qsettings()
        index = self.kind_combo.findData(s.value(_KEY + "kind", "population"))
        self.kind_combo.setCurrentIndex(max(index, 0))
        lang = s.value(_KEY + "language", current_language())
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(lang), 0))
        self._kind_changed()
        fmt_index = self.format_combo.findData(s.value(_KEY + "format", "xlsx"))
        self.format_combo.setCurrentIndex(max(fmt_index, 0))
        today = dt.date.today()
        self.as_of.set_value(today)
        self.start.set_value(dt.date(today.year, 1, 1) if today.month > 6 else dt.date(today.year - 1, 7, 1))
        self.end.set_value(dt.date(today.year, 6, 30) if today.month > 6 else dt.date(today.year - 1, 12, 31))
        self.office_combo.setCurrentIndex(max(self.office_combo.findData(s.value(_KEY + "office", None)), 0))
        chosen = set(str(s.value(_KEY + "villages", "") or "").split(",")) - {""}
        for i in range(self.village_list.count()):
            item = self.village_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in chosen:
                item.setCheckState(Qt.CheckState.Checked)
        self.open_when_done.setChecked(str(s.value(_KEY + "open", "true")) == "true")
        self._suggest_path()

    def _remember(self) -> None:
        s = qsettings()
        s.setValue(_KEY + "kind", self.kind)
        s.setValue(_KEY + "language", self.language_combo.currentData())
        s.setValue(_KEY + "format", self.format_combo.currentData())
        s.setValue(_KEY + "villages", ",".join(self.checked_villages()))
        s.setValue(_KEY + "office", self.office or "")
        s.setValue(_KEY + "folder", str(Path(self.path_edit.text().strip()).expanduser().parent))
        s.setValue(_KEY + "open", "true" if self.open_when_done.isChecked() else "false")
        s.sync()

    # --- making the report ---------------------------------------------------------------------

    def start_report(self) -> None:
        try:
            params = self.params()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        except OkmotError as exc:
            self.message.setText(exc.message)
            return
        self._remember()
        user = self.ctx.user
        who = (user.full_name or user.username) if user else _("system")
        self.worker = ReportWorker(self.ctx, params, Path(self.path_edit.text().strip()).expanduser(), who, self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.succeeded.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.finished.connect(self._on_finished)
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.setVisible(True)
        self.make_button.setEnabled(False)
        self.close_button.setText(_("Cancel"))
        self.message.setText(_("Making the report…"))
        self.worker.start()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_done(self, path: str) -> None:
        self.result_path = Path(path)
        self.message.setText(_("The report is ready: {path}").format(path=path))
        self.folder_button.setEnabled(True)
        if self.open_when_done.isChecked():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def _on_failed(self, message: str) -> None:
        self.message.setText(message)
        show_error(self, message)

    def _on_cancelled(self) -> None:
        self.message.setText(_("Cancelled; no file was written."))

    def _on_finished(self) -> None:
        self.progress.setVisible(False)
        self.make_button.setEnabled(True)
        self.close_button.setText(_("Close"))
        self.worker = None

    def open_folder(self) -> None:
        if self.result_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_path.parent)))

    def cancel_or_close(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.message.setText(_("Cancelling…"))
        else:
            self.reject()

    def reject(self) -> None:
        if self.worker is not None:  # closing the window while working cancels and waits for the thread
            self.worker.cancel()
            self.worker.wait()
        super().reject()
