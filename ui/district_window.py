"""District view: the offices that send packages, their last package and what the district holds of them."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QAbstractItemView, QDialog, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from okmot.i18n import _, current_language
from okmot.services.context import AppContext
from okmot.sync.status import OVERDUE_DAYS, OfficeStatus, offices
from ui.rows_model import OVERDUE, Col, RowsModel


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
        self.resize(820, 360)
        self.reload()

    def _background(self, row: OfficeStatus):
        return OVERDUE if row.overdue(self.today) else None

    def reload(self) -> None:
        with self.ctx.read() as session:
            rows = offices(session)
        self.model.set_rows(rows)
        late = sum(r.overdue(self.today) for r in rows)
        if not rows:
            self.note.setText(_("No office has sent a package yet. Packages are imported with "
                                "`python -m okmot sync import`."))
        else:
            self.note.setText(_("{n} offices, {late} without a package for more than {days} days (highlighted).")
                              .format(n=len(rows), late=late, days=OVERDUE_DAYS))
