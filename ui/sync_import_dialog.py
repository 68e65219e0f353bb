"""District: import the offices' packages — a check (dry run) first, explicit trust of a new office, then the import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QListWidget, QMessageBox,
    QPlainTextEdit, QProgressBar, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from okmot.i18n import N_, _
from okmot.services.context import AppContext
from okmot.sync import batch, sealing
from okmot.sync.consolidate import ImportReport
from ui.import_wizard import Worker
from ui.rows_model import OVERDUE, Col, RowsModel
from ui.uisettings import qsettings

_FOLDER_KEY = "sync/import_folder"
STATUSES = {
    "dry_run": N_("can be imported"),
    "imported": N_("imported"),
    "already_imported": N_("already imported"),
    "refused": N_("refused"),
}


FILE_COLUMN, MESSAGE_COLUMN = 0, 4


@dataclass(frozen=True)
class ResultLine:
    """One table of one package (or the package's only line when it has no tables: refused, already imported)."""

    report: ImportReport
    table: str = ""
    new: int | None = None
    updated: int | None = None
    unchanged: int | None = None
    deleted: int | None = None
    conflicts: int | None = None
    first: bool = True
    #: Refused in a check only because an earlier package of the same batch is not imported yet.
    pending: bool = False


def _waits_for_earlier(r: ImportReport, reports: list[ImportReport]) -> bool:
    return r.reason == "gap" and any(
        o.status == "dry_run" and (o.office_code, o.installation_id) == (r.office_code, r.installation_id)
        and (o.sequence or 0) < (r.sequence or 0) for o in reports)


def lines_of(reports: list[ImportReport]) -> list[ResultLine]:
    out = []
    for r in reports:
        if _waits_for_earlier(r, reports):
            out.append(ResultLine(r, pending=True))
            continue
        tables = [(name, s) for name, s in r.tables.items() if s.new or s.updated or s.unchanged or s.deleted
                  or s.conflicts]
        if not tables:
            out.append(ResultLine(r))
        for n, (name, s) in enumerate(tables):
            out.append(ResultLine(r, name, s.new, s.updated, s.unchanged, s.deleted, s.conflicts, first=n == 0))
    return out


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _columns(message) -> list[Col]:
    def head(text):
        return lambda line: text(line.report) if line.first else ""

    def result(line: ResultLine) -> str:
        if line.pending:
            return _("after the earlier package")
        return _(STATUSES.get(line.report.status, line.report.status)) if line.first else ""

    return [
        Col(_("File"), head(lambda r: Path(r.path).name)),
        Col(_("Office"), head(lambda r: r.office_code)),
        Col(_("No."), head(lambda r: "" if r.sequence is None else str(r.sequence)), True),
        Col(_("Result"), result),
        Col(_("Message"), head(message)),
        Col(_("Table"), lambda line: line.table),
        Col(_("New"), lambda line: _count(line.new), True),
        Col(_("Updated"), lambda line: _count(line.updated), True),
        Col(_("Unchanged"), lambda line: _count(line.unchanged), True),
        Col(_("Deleted"), lambda line: _count(line.deleted), True),
        Col(_("Conflicts"), lambda line: _count(line.conflicts), True),
    ]


class SyncImportDialog(QDialog):
    """Packages are checked first; importing asks to trust each new office by its key fingerprint."""

    imported = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.worker: Worker | None = None
        self.planned: list[batch.Planned] = []
        self.checked: list[ImportReport] = []
        self.reports: list[ImportReport] = []
        self.setWindowTitle(_("Import packages from the offices"))

        self.files = QListWidget()
        self.files.setMaximumHeight(110)
        add = QPushButton(_("Add packages…"))
        add.clicked.connect(self.add_files)
        clear = QPushButton(_("Clear the list"))
        clear.clicked.connect(lambda: self.set_files([]))
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(add)
        file_buttons.addWidget(clear)
        file_buttons.addStretch(1)
        files_row = QHBoxLayout()
        files_row.addWidget(self.files, 1)
        files_row.addLayout(file_buttons)

        self.model = RowsModel(_columns(self.message_of), parent=self,
                               background=lambda line: OVERDUE if line.report.refused and not line.pending else None)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The file name and the message (a refusal's reason) wrap in fixed widths; the counts stay visible.
        for column, width in ((FILE_COLUMN, 190), (MESSAGE_COLUMN, 330)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(90)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel(_("Add the package files (.okmsync) the offices sent, then check them."))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.check_button = QPushButton(_("Check (nothing is written)"))
        self.check_button.clicked.connect(self.check)
        self.import_button = QPushButton(_("Import"))
        self.import_button.clicked.connect(self.apply)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(files_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(_("Warnings")))
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        self.resize(1220, 600)
        self._enable()

    # --- files ---------------------------------------------------------------------------------

    def add_files(self) -> None:
        start = str(qsettings().value(_FOLDER_KEY, "") or "")
        names, _filter = QFileDialog.getOpenFileNames(self, _("Choose the package files"), start,
                                                      _("Okmot packages (*.okmsync);;All files (*)"))
        if names:
            qsettings().setValue(_FOLDER_KEY, str(Path(names[0]).parent))
            self.set_files([p.path for p in self.planned] + [n for n in names
                                                              if n not in {p.path for p in self.planned}])

    def set_files(self, paths: list[str]) -> None:
        """The files to import, in the order they will be imported (per office, by package number)."""
        self.planned = batch.plan(paths, unseal=sealing.opener(self.ctx.db))
        self.checked, self.reports = [], []
        self.files.clear()
        for p in self.planned:
            self.files.addItem(f"{p.office_code or '?'}  {p.sequence or ''}  {p.path}")
        self.model.set_rows([])
        self.details.clear()
        self._enable()

    def _enable(self) -> None:
        idle = self.worker is None
        self.check_button.setEnabled(idle and bool(self.planned))
        # A package refused as out of sequence in the check may follow one that the import writes first.
        pending = any(r.status == "dry_run" or r.reason == "gap" for r in self.checked)
        self.import_button.setEnabled(idle and pending)

    # --- work ----------------------------------------------------------------------------------

    def _run(self, *, dry_run: bool, trust=frozenset()) -> None:
        db, actor, planned = self.ctx.db, self.ctx.actor, list(self.planned)
        self.worker = Worker(lambda progress, cancelled: batch.run(
            db, planned, actor=actor, dry_run=dry_run, trust=trust, progress=progress, cancelled=cancelled), self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.succeeded.connect(lambda reports: self._on_done(reports, dry_run))
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(self._on_finished)
        self.progress.setRange(0, max(len(planned), 1))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.close_button.setText(_("Cancel"))
        self.message.setText(_("Checking the packages…") if dry_run else _("Importing the packages…"))
        self._enable()
        self.worker.start()

    def check(self) -> None:
        if self.planned:
            # A check writes nothing, so it may count a new office's records as if trusted: that leaves
            # out consolidate's command-line hint (--trust-new); _on_done names the new offices itself.
            self._run(dry_run=True, trust=frozenset(p.office_key for p in self.planned if p.office_code))

    def apply(self) -> None:
        with self.ctx.read() as s:
            new_offices = batch.to_trust(s, self.checked)
        # Without the right to trust, a new office's packages are refused; asking would only mislead.
        may_trust = self.ctx.can("sync.trust")
        trust = frozenset((r.office_code, r.installation_id, r.fingerprint) for r in new_offices
                          if may_trust and self.confirm_trust(r))
        self._run(dry_run=False, trust=trust)

    def message_of(self, report: ImportReport) -> str:
        """The report's message, in the dialog's words where consolidate's speaks of command-line options."""
        if report.reason != "untrusted":
            return report.message
        if self.ctx.can("sync.trust"):
            return _("Office {office} was not trusted, so nothing of it was imported. Confirm the key fingerprint "
                     "{fp} with the office and import again.").format(office=report.office_code,
                                                                      fp=report.fingerprint)
        return _("Office {office} sends its first package, and your role does not allow you to trust a new "
                 "office's key (fingerprint {fp}): nothing of it was imported. Ask a district operator.").format(
            office=report.office_code, fp=report.fingerprint)

    def confirm_trust(self, report: ImportReport) -> bool:
        return self.ask(_("Office {office} (installation {inst}) sends its first package. Its key fingerprint is:\n\n"
                          "{fp}\n\nCompare it, letter by letter, with the fingerprint the office reads out to you from "
                          "its own computer. Trust this office from now on?").format(
            office=report.office_code, inst=report.installation_id, fp=report.fingerprint))

    def ask(self, text: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(_("Trust a new office"))
        box.setText(text)
        yes = box.addButton(_("Trust this office"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Do not trust"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_done(self, reports: list[ImportReport], dry_run: bool) -> None:
        self.reports = reports
        if dry_run:
            self.checked = reports
        else:
            self.checked = []
            self.imported.emit()
        self.model.set_rows(lines_of(reports))
        self.table.resizeRowsToContents()
        warnings = [f"{Path(r.path).name}: {w}" for r in reports for w in r.warnings]
        if dry_run:
            with self.ctx.read() as s:
                new_offices = batch.to_trust(s, reports)
            warnings[:0] = [f"{Path(r.path).name}: " + _(
                "Office {office} sends its first package (key fingerprint {fp}). Import asks you to confirm the "
                "fingerprint with the office before anything of it is written.").format(
                office=r.office_code, fp=r.fingerprint) for r in new_offices]
        self.details.setPlainText("\n".join(warnings) if warnings else _("No warnings."))
        refused = sum(r.refused for r in reports)
        skipped = len(self.planned) - len(reports)
        text = (_("Checked {n} packages: {ok} can be imported, {refused} refused. Nothing was written.") if dry_run
                else _("{ok} packages imported, {refused} refused.")).format(
            n=len(reports), ok=sum(r.status in ("dry_run", "imported") for r in reports), refused=refused)
        if skipped:
            text += " " + _("Cancelled: {n} packages were not processed.").format(n=skipped)
        self.message.setText(text)

    def _on_failed(self, message: str) -> None:
        self.message.setText(message)

    def _on_finished(self) -> None:
        self.progress.setVisible(False)
        self.close_button.setText(_("Close"))
        self.worker = None
        self._enable()

    def cancel_or_close(self) -> None:
        if self.worker is not None:
            self.worker.cancel_event.set()
            self.message.setText(_("Cancelling after the current package…"))
        else:
            self.reject()

    def reject(self) -> None:
        if self.worker is not None:  # each package is one transaction: wait for the current one to end
            self.worker.cancel_event.set()
            self.worker.wait()
        super().reject()
