"""Reference packages in the app: the village previews and applies one; the district publishes one and its key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableView,
    QVBoxLayout, QWidget,
)

from okmot import permissions
from okmot.errors import OkmotError
from okmot.i18n import _
from okmot.services.context import AppContext
from okmot.sync import district_key, reference, reference_apply
from okmot.sync.package import PackageError
from ui.rows_model import Col, RowsModel

_STATUS_COLOURS = {"new": QColor("#d8f0d8"), "changed": QColor("#fff2c8"), "removed": QColor("#f8d0d0")}
_REFUSED_STYLE = "color: #a00000;"


def _change_columns() -> list[Col]:
    return [
        Col(_("Kind"), lambda r: r[0]),
        Col(_("Change"), lambda r: _(reference_apply.STATUSES[r[1].status])),
        Col(_("Name"), lambda r: r[1].name),
        Col(_("What changed"), lambda r: ", ".join(r[1].fields)),
    ]


def summary_text(report: reference_apply.ReferenceReport) -> str:
    """One line per kind: its counts, in the clerk's language."""
    return "\n".join(_("{kind}: {new} new, {changed} changed, {unchanged} unchanged, {removed} removed").format(
        kind=k.label, new=k.count("new"), changed=k.count("changed"), unchanged=k.count("unchanged"),
        removed=k.count("removed")) for k in report.kinds)


def _made_on(created_at: str) -> str:
    try:
        return dt.datetime.fromisoformat(created_at).strftime("%d.%m.%Y")
    except ValueError:
        return created_at


class ApplyReferenceDialog(QDialog):
    """Choose the district's reference package, see what it changes per kind, apply it in one step."""

    applied = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, path: str | Path | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.package: reference.ReferencePackage | None = None
        self.report: reference_apply.ReferenceReport | None = None
        self.setWindowTitle(_("Apply reference package"))
        self.in_use = QLabel()
        self.in_use.setObjectName("in_use")
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        browse = QPushButton(_("Choose the file…"))
        browse.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel(_("Package from the district")))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        self.message = QLabel(_("Choose the reference package the district sent (a .okmref file)."))
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.model = RowsModel(_change_columns(), background=lambda r: _STATUS_COLOURS.get(r[1].status), parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.apply_button = QPushButton(_("Apply"))
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.in_use)
        layout.addLayout(file_row)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(860, 520)
        self._show_in_use()
        if path is not None:
            self.load(path)

    def _show_in_use(self) -> None:
        with self.ctx.read() as s:
            text = reference_apply.in_use(s).text()
        self.in_use.setText(_("Reference data in use: {text}").format(text=text))

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Reference package from the district"), "",
                                                    _("Reference packages (*.okmref);;All files (*)"))
        if path:
            self.load(path)

    def _refused(self, message: str) -> None:
        self.message.setText(message)
        self.message.setStyleSheet(_REFUSED_STYLE)
        self.apply_button.setEnabled(False)

    def load(self, path: str | Path) -> None:
        """Read and check the file and show what it would change; nothing is written."""
        self.path_edit.setText(str(path))
        self.package, self.report = None, None
        self.model.set_rows([])
        self.summary.setText("")
        self.message.setStyleSheet("")
        try:
            pkg = reference.read_file(path)
            with self.ctx.read() as s:
                report = reference_apply.preview(s, pkg)
        except PackageError as exc:
            self._refused(exc.message)
            return
        self.package, self.report = pkg, report
        self._show(report)
        self.apply_button.setEnabled(report.status == "preview")
        if report.status == "preview":
            self.message.setText(_("Version {n} of {made}. Check the changes below, then press Apply.").format(
                n=report.version, made=_made_on(report.created_at)) if report.has_changes else
                _("Version {n} changes nothing here; Apply records that this version is in use.").format(
                n=report.version))
        else:
            self.message.setText(report.message)

    def _show(self, report: reference_apply.ReferenceReport) -> None:
        self.summary.setText(summary_text(report))
        self.model.set_rows([(k.label, c) for k in report.kinds for c in k.changes if c.status != "unchanged"])

    def apply(self) -> None:
        if self.package is None:
            return
        try:
            with self.ctx.write() as s:
                report = reference_apply.apply(s, self.package)
        except OkmotError as exc:  # a refusal (PackageError) or a storage problem: nothing was applied
            self._refused(exc.message)
            return
        self.report = report
        self.apply_button.setEnabled(False)
        self.message.setText(report.message)
        self._show_in_use()
        if report.status == "applied":
            self.applied.emit(report.version)


class ReferencePublishRow(QWidget):
    """District: publish the next reference package and hand out the district's key file (buttons and outcome)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.publish_button = QPushButton(_("Publish reference package…"))
        self.publish_button.clicked.connect(lambda: self.publish())
        self.key_button = QPushButton(_("Save the district key file…"))
        self.key_button.clicked.connect(lambda: self.save_key())
        self.outcome = QLabel()
        self.outcome.setObjectName("reference_outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.publish_button)
        row.addWidget(self.key_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.outcome)
        role = ctx.user.role if ctx.user is not None else None
        with ctx.read() as s:
            # An office that was given a district key receives reference data; it never publishes any.
            receives = district_key.receives_reference(s)
        self.setVisible(permissions.allowed(role, "reference.publish") and not receives)

    def _say(self, text: str, refused: bool = False) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet(_REFUSED_STYLE if refused else "")

    def publish(self, folder: str | Path | None = None) -> reference.Published | None:
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, _("Folder to write the reference package to"))
            if not folder:
                return None
        try:
            result = reference.publish(self.ctx.db, folder, actor=self.ctx.actor)
        except OkmotError as exc:
            self._say(exc.message, refused=True)
            return None
        counts = ", ".join(f"{_(reference.KINDS[k])}: {n}" for k, n in result.counts.items())
        self._say(_("Reference package version {n} written to {path} ({counts}). Give it to every office.").format(
            n=result.version, path=result.path, counts=counts))
        return result

    def save_key(self, target: str | Path | None = None) -> Path | None:
        if target is None:
            target, _filter = QFileDialog.getSaveFileName(self, _("Save the district key file"),
                                                          district_key.KEY_FILE_NAME)
            if not target:
                return None
        try:
            path, fingerprint = district_key.export_key_file(self.ctx.db, target, actor=self.ctx.actor)
        except OkmotError as exc:
            self._say(exc.message, refused=True)
            return None
        self._say(_("District key saved to {path}. Its fingerprint is {fp}: read it out to each office when they "
                    "choose the file.").format(path=path, fp=fingerprint))
        return path
