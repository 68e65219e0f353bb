"""District view: the offices that send packages, their last package and what the district holds of them."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from okmot.i18n import _, current_language
from okmot.services.context import AppContext
from okmot.sync.status import OVERDUE_DAYS, OfficeStatus, offices
from ui.cross_office_window import CrossOfficeWindow
from ui.reference_dialog import ReferencePublishRow
from ui.report_dialog import ReportDialog
from ui.rows_model import OVERDUE, Col, RowsModel
from ui.sync_import_dialog import SyncImportDialog


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else "—"


def _columns() -> list[Col]:
    return [
        Col(_("Office"), lambda r: r.office_code),
        Col(_("Aiyl aimak"), lambda r: r.name_ru if current_language() == "ru" else r.name_ky),
        Col(_("Last package"), lambda r: str(r.last_sequence) if r.last_sequence is not None else "—", True),
        Col(_("Made on"), lambda r: _when(r.last_package_created_at)),
        Col(_("Imported on"), lambda r: _when(r.last_imported_at)),
        Col(_("Households"), lambda r: str(r.counts.get("household", 0)), True),
        Col(_("Persons"), lambda r: str(r.counts.get("person", 0)), True),
        Col(_("Key fingerprint"), lambda r: r.fingerprint),
    ]


class DistrictWindow(QDialog):
    """Read-only list of trusted offices; an overdue office (no package for a month) is highlighted."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, today: dt.date | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or dt.date.today()
        self.setWindowTitle(_("Offices and sync packages"))
        self.model = RowsModel(_columns(), background=self._background, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        self.import_button = QPushButton(_("Import packages…"))
        self.import_button.clicked.connect(self.import_packages)
        self.pairs_button = QPushButton(_("Persons in two offices…"))
        self.pairs_button.clicked.connect(lambda: CrossOfficeWindow(self.ctx, self).exec())
        self.reports_button = QPushButton(_("Reports…"))
        self.reports_button.setToolTip(_("Reports of all offices, with a breakdown per aiyl aimak, or of one office"))
        self.reports_button.clicked.connect(lambda: ReportDialog(self.ctx, self).exec())
        # The services refuse anyway; a role without the right does not see the button at all.
        self.import_button.setVisible(ctx.can("sync.import"))
        # The work list is for those who act on it: mark pairs reviewed or send the list to the offices.
        self.pairs_button.setVisible(ctx.can("sync.import") or ctx.can("report.export"))
        self.reports_button.setVisible(ctx.can("report.export"))
        sync_buttons = QHBoxLayout()
        sync_buttons.addWidget(self.import_button)
        sync_buttons.addWidget(self.pairs_button)
        sync_buttons.addStretch(1)
        sync_buttons.addWidget(self.reports_button)
        layout.addLayout(sync_buttons)
        self.reference_row = ReferencePublishRow(ctx, self)
        layout.addWidget(self.reference_row)
        self.resize(820, 360)
        self.reload()

    def import_packages(self) -> SyncImportDialog:
        dialog = SyncImportDialog(self.ctx, self)
        dialog.imported.connect(self.reload)
        dialog.exec()
        return dialog

    def _background(self, row: OfficeStatus):
        return OVERDUE if row.overdue(self.today) else None

    def reload(self) -> None:
        with self.ctx.read() as session:
            rows = offices(session)
        self.model.set_rows(rows)
        late = sum(r.overdue(self.today) for r in rows)
        if not rows and not self.ctx.can("sync.import"):
            self.note.setText(_("No office has sent a package yet."))
        elif not rows:
            self.note.setText(_("No office has sent a package yet. Import the packages they send with "
                                "Import packages… below."))
        else:
            self.note.setText(_("{n} offices, {late} without a package for more than {days} days (highlighted).")
                              .format(n=len(rows), late=late, days=OVERDUE_DAYS))
