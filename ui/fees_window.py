"""Fees collected per day or month and service, in som and tyiyn."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from okmot.i18n import _, current_language
from okmot.services import fees
from okmot.services.context import AppContext
from ui.rows_model import Col, RowsModel
from ui.service_bus import service_bus


def som(tyiyn: int) -> str:
    return f"{tyiyn // 100:,}".replace(",", " ") + f",{tyiyn % 100:02d}"


class FeesWindow(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Fees collected"))
        lang = current_language()
        self.model = RowsModel([
            Col(_("Period"), lambda t: t.period),
            Col(_("Service"), lambda t: t.service_name_ru if lang == "ru" else t.service_name_ky),
            Col(_("Payments"), lambda t: str(t.payments), align_right=True),
            Col(_("Amount, som"), lambda t: som(t.amount_tyiyn), align_right=True),
        ], parent=self)
        self.by = QComboBox()
        self.by.addItem(_("per day"), "day")
        self.by.addItem(_("per month"), "month")
        self.by.currentIndexChanged.connect(self.refresh)
        self.total = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Totals")))
        top.addWidget(self.by)
        top.addStretch(1)
        top.addWidget(self.total)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.resize(760, 480)
        service_bus.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            rows = fees.totals(s, by=self.by.currentData())
        self.model.set_rows(rows)
        self.total.setText(_("All: {amount} som").format(amount=som(sum(t.amount_tyiyn for t in rows))))
