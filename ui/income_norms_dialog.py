"""Administrator sets the income norms (som per hectare, per head per year) for household income certificates."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QGroupBox, QHBoxLayout, QVBoxLayout, QWidget

from okmot import codes
from okmot.i18n import _
from okmot.services import settings
from okmot.services.context import AppContext
from ui.forms import EditDialog, FormPanel


def _spin() -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0, 10_000_000)
    spin.setDecimals(2)
    spin.setSuffix(" " + _("som"))
    return spin


class IncomeNormsDialog(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Income norms"))
        with ctx.read() as s:
            norms = settings.get(s, "income_norms") or {}
        land_box, stock_box = QGroupBox(_("Per hectare per year")), QGroupBox(_("Per head per year"))
        self.land_form, self.stock_form = FormPanel(), FormPanel()
        self.land = {c: self.land_form.add(c, codes.label(codes.LAND_CATEGORIES, c), _spin())
                     for c in codes.LAND_CATEGORIES}
        self.stock = {c: self.stock_form.add(c, codes.label(codes.SPECIES, c), _spin()) for c in codes.SPECIES}
        for table, spins in ((norms.get("land", {}), self.land), (norms.get("livestock", {}), self.stock)):
            for code, spin in spins.items():
                spin.setValue(int(table.get(code, 0)) / 100)
        QVBoxLayout(land_box).addWidget(self.land_form)
        QVBoxLayout(stock_box).addWidget(self.stock_form)
        self.land_form.changed.connect(self.mark_dirty)
        self.stock_form.changed.connect(self.mark_dirty)
        row = QHBoxLayout()
        row.addWidget(land_box)
        row.addWidget(stock_box)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(self.buttons)

    def norms(self) -> dict:
        # Amounts kept in whole tyiyn: no floating-point money in the database.
        to_tyiyn = lambda spin: round(spin.value() * 100)  # noqa: E731
        return {"land": {c: to_tyiyn(s) for c, s in self.land.items() if s.value()},
                "livestock": {c: to_tyiyn(s) for c, s in self.stock.items() if s.value()}}

    def save(self) -> bool:
        with self.ctx.write() as s:
            settings.put(s, "income_norms", self.norms())
        return True
