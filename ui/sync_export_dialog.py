"""Village: "Send to district…" writes the next sync package to a folder (a USB stick) off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar,
    QPushButton, QRadioButton, QTableView, QVBoxLayout, QWidget,
)

from okmot.i18n import _
from okmot.services.context import AppContext
from okmot.sync.batch import SentInfo, sent_packages
from okmot.sync import sealing
from okmot.sync.export import ExportCancelled, ExportResult, NothingToExport, export_package
from ui.forms import show_error
from ui.import_wizard import Worker
from ui.rows_model import Col, RowsModel
from ui.uisettings import qsettings

_FOLDER_KEY = "sync/export_folder"


def _sent_columns() -> list[Col]:
    return [
        Col(_("Package"), lambda r: str(r.sequence), True),
        Col(_("Kind"), lambda r: _("full") if r.full else _("changes")),
        Col(_("Made on"), lambda r: r.created_at.strftime("%d.%m.%Y %H:%M")),
        Col(_("File"), lambda r: r.file_name),
    ]


class SyncExportDialog(QDialog):
    """Choose a folder, full or changes only; the file written and the register of packages sent are shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.worker: Worker | None = None
        self.result: ExportResult | None = None
        self.setWindowTitle(_("Send to district"))

        self.folder_edit = QLineEdit(str(qsettings().value(_FOLDER_KEY, "") or ""))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self.choose_folder)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.changes_radio = QRadioButton(_("Changes since the last package"))
        self.full_radio = QRadioButton(_("Full package (everything; the district needs no earlier package)"))
        self.changes_radio.setChecked(True)
        form = QFormLayout()
        form.addRow(_("Folder (e.g. the USB stick)"), folder_row)
        form.addRow(_("Package"), self.changes_radio)
        form.addRow("", self.full_radio)
        self.encrypt_check = QCheckBox(_("Encrypt to the district's key (only the district can read the file)"))
        with ctx.read() as s:
            has_key = sealing.can_encrypt(s)
        self.encrypt_check.setChecked(has_key)
        self.encrypt_check.setEnabled(has_key)
        if not has_key:
            self.encrypt_check.setToolTip(_("This office has no district key: choose it under Administration → Settings."))
        form.addRow("", self.encrypt_check)

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sent_model = RowsModel(_sent_columns(), parent=self)
        self.sent_table = QTableView()
        self.sent_table.setModel(self.sent_model)
        self.sent_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sent_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sent_table.verticalHeader().hide()
        self.sent_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sent_table.horizontalHeader().setStretchLastSection(True)

        self.send_button = QPushButton(_("Write the package"))
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.start)
        self.close_button = QPushButton(_("Close"))
        self.close_button.clicked.connect(self.cancel_or_close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(_("Packages sent")))
        layout.addWidget(self.sent_table, 1)
        layout.addLayout(buttons)
        self.resize(680, 440)
        self.reload_register()

    def reload_register(self) -> None:
        with self.ctx.read() as s:
            rows: list[SentInfo] = sent_packages(s)
        self.sent_model.set_rows(rows)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Folder to write the package to"), self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def start(self) -> None:
        folder = self.folder_edit.text().strip()
        if not folder or not Path(folder).expanduser().is_dir():
            self.message.setText(_("Choose an existing folder (insert the USB stick first)."))
            return
        qsettings().setValue(_FOLDER_KEY, folder)
        full, db, actor = self.full_radio.isChecked(), self.ctx.db, self.ctx.actor
        encrypt = self.encrypt_check.isChecked()

        def task(progress, cancelled):
            def step(done: int, total: int) -> bool:
                progress(done, total)
                return not cancelled()

            try:
                return export_package(db, folder, actor=actor, full=full, progress=step, encrypt=encrypt)
            except (NothingToExport, ExportCancelled) as exc:  # answers, not errors: shown without a warning box
                return exc.message

        self.worker = Worker(task, self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.succeeded.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(self._on_finished)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.send_button.setEnabled(False)
        self.close_button.setText(_("Cancel"))
        self.message.setText(_("Writing the package…"))
        self.worker.start()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_done(self, result: ExportResult | str) -> None:
        if isinstance(result, str):
            self.message.setText(result)
            return
        self.result = result
        records = sum(result.counts.values())
        kind = _("full") if result.full else _("changes")
        self.message.setText(_("Package {n} ({kind}, {records} records) was written to {path}. Take it to the "
                               "district.").format(n=result.sequence, kind=kind, records=records, path=result.path))

    def _on_failed(self, message: str) -> None:
        self.message.setText(message)
        show_error(self, message)

    def _on_finished(self) -> None:
        self.progress.setVisible(False)
        self.send_button.setEnabled(True)
        self.close_button.setText(_("Close"))
        self.worker = None
        self.reload_register()

    def cancel_or_close(self) -> None:
        if self.worker is not None:
            self.worker.cancel_event.set()
            self.message.setText(_("Cancelling…"))
        else:
            self.reject()

    def reject(self) -> None:
        if self.worker is not None:  # closing while writing cancels and waits: no half file is left
            self.worker.cancel_event.set()
            self.worker.wait()
        super().reject()
