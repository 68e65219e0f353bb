"""Card tabs for the dwelling, land and livestock as of 1 January of a chosen year, and machinery."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QHeaderView, QInputDialog,
    QLabel,
    QLineEdit, QPushButton, QSpinBox, QTableWidget, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.i18n import _
from okmot.services.farm import M2_PER_HA, DwellingData, MachineData, PlotData
from ui.forms import CodeCombo, FormPanel, OptionalSpin


def _area_spin(decimals: int, maximum: float, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(0, maximum)
    spin.setSuffix(suffix)
    return spin


class DwellingTab(FormPanel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = self.add("kind", _("Kind of dwelling"), CodeCombo(codes.DWELLING_KINDS))
        self.year_built = self.add("year_built", _("Year built"), OptionalSpin(1800, dt.date.today().year))
        self.wall_material = self.add("wall_material", _("Walls"), CodeCombo(codes.WALL_MATERIALS, blank=True))
        self.rooms = self.add("rooms", _("Rooms"), OptionalSpin(0, 100))
        self.living_area = self.add("living_area_dm2", _("Living area"), _area_spin(2, 10_000, " m²"))
        self.total_area = self.add("total_area_dm2", _("Total area"), _area_spin(2, 10_000, " m²"))
        self.utilities: dict[str, QCheckBox] = {}
        for name, caption in (("has_electricity", _("electricity")), ("has_water", _("running water")),
                              ("has_gas", _("gas")), ("has_sewerage", _("sewerage")),
                              ("has_central_heating", _("central heating"))):
            self.utilities[name] = self.add(name, caption, QCheckBox())
        self.owner = self.add("owner", _("Owner"), QLineEdit())

    def set_data(self, data: DwellingData | None) -> None:
        data = data or DwellingData()
        self.kind.set_code(data.kind)
        self.year_built.set_value_or_none(data.year_built)
        self.wall_material.set_code(data.wall_material)
        self.rooms.set_value_or_none(data.rooms)
        self.living_area.setValue((data.living_area_dm2 or 0) / 100)
        self.total_area.setValue((data.total_area_dm2 or 0) / 100)
        for name, box in self.utilities.items():
            box.setChecked(getattr(data, name))
        self.owner.setText(data.owner)

    def data(self) -> DwellingData:
        def dm2(spin: QDoubleSpinBox) -> int | None:
            return round(spin.value() * 100) or None

        return DwellingData(
            kind=self.kind.code(), year_built=self.year_built.value_or_none(),
            wall_material=self.wall_material.code(), rooms=self.rooms.value_or_none(),
            living_area_dm2=dm2(self.living_area), total_area_dm2=dm2(self.total_area),
            owner=self.owner.text(), **{n: b.isChecked() for n, b in self.utilities.items()},
        )


class YearPicker(QComboBox):
    """The 1 January years that have records, plus the current year, newest first; "Other year…" adds one."""

    OTHER = -1

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._years: set[int] = set()
        self._last = dt.date.today().year
        self.activated.connect(self._maybe_other)

    def set_years(self, years, selected: int | None = None) -> None:
        self._years = set(years) | {dt.date.today().year}
        self._fill(selected)

    def _fill(self, selected: int | None) -> None:
        values = sorted(self._years, reverse=True)
        self.blockSignals(True)
        self.clear()
        for y in values:
            self.addItem(_("as of 1 January {year}").format(year=y), y)
        self.addItem(_("Other year…"), self.OTHER)
        self.setCurrentIndex(max(self.findData(selected if selected in self._years else values[0]), 0))
        self._last = self.year()
        self.blockSignals(False)

    def _maybe_other(self, index: int) -> None:
        if self.itemData(index) != self.OTHER:
            self._last = self.year()
            return
        this_year = dt.date.today().year
        year, ok = QInputDialog.getInt(self, _("Other year"), _("Records as of 1 January of the year:"),
                                       self._last, 1990, this_year + 1)
        chosen = year if ok else self._last
        self._years.add(chosen)
        self._fill(chosen)
        self.currentIndexChanged.emit(self.currentIndex())

    def year(self) -> int:
        value = self.currentData()
        return self._last if value in (None, self.OTHER) else int(value)


class _RowTable(QWidget):
    """A table of editable rows built from cell widgets, with Add and Remove buttons."""

    changed = Signal()

    def __init__(self, headers: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_button = QPushButton(_("Add row"))
        self.remove_button = QPushButton(_("Remove row"))
        self.add_button.clicked.connect(lambda: (self.add_row(), self.changed.emit()))
        self.remove_button.clicked.connect(self._remove)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.add_button)
        self.buttons.addWidget(self.remove_button)
        self.buttons.addStretch(1)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.table)
        self.layout_.addWidget(self.error)
        self.layout_.addLayout(self.buttons)
        self._ids: list = []

    def add_row(self, item=None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._ids.append(getattr(item, "id", None))
        for col, widget in enumerate(self.make_widgets(item)):
            self.table.setCellWidget(row, col, widget)
            _connect_any(widget, self.changed.emit)

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            del self._ids[row]
            self.changed.emit()

    def clear_rows(self) -> None:
        self.table.setRowCount(0)
        self._ids = []

    def cell(self, row: int, col: int):
        return self.table.cellWidget(row, col)

    def make_widgets(self, item) -> list[QWidget]:
        """The editors of one row, filled from ``item`` (None for a new row); overridden per table."""
        return []


def _connect_any(widget: QWidget, slot) -> None:
    for name in ("textEdited", "currentIndexChanged", "valueChanged"):
        signal = getattr(widget, name, None)
        if signal is not None:
            signal.connect(lambda *_args: slot())
            return


class LandTable(_RowTable):
    def __init__(self, parent: QWidget | None = None):
        super().__init__([_("Land category"), _("Area, ha"), _("Title document"), _("Cadastral No.")], parent)

    def make_widgets(self, item: PlotData | None) -> list[QWidget]:
        category = CodeCombo(codes.LAND_CATEGORIES)
        area = _area_spin(4, 5_000, "")
        document, cadastral = QLineEdit(), QLineEdit()
        if item is not None:
            category.set_code(item.category)
            area.setValue(item.area_m2 / M2_PER_HA)
            document.setText(item.document)
            cadastral.setText(item.cadastral_number)
        return [category, area, document, cadastral]

    def set_plots(self, plots) -> None:
        self.clear_rows()
        for p in plots:
            self.add_row(p)

    def plots(self) -> list[PlotData]:
        return [PlotData(category=self.cell(r, 0).code(), area_m2=round(self.cell(r, 1).value() * M2_PER_HA),
                         document=self.cell(r, 2).text(), cadastral_number=self.cell(r, 3).text(),
                         id=self._ids[r]) for r in range(self.table.rowCount())]


class MachineryTable(_RowTable):
    def __init__(self, parent: QWidget | None = None):
        super().__init__([_("Kind"), _("Make and model"), _("Year made"), _("Registration No.")], parent)

    def make_widgets(self, item: MachineData | None) -> list[QWidget]:
        kind = CodeCombo(codes.MACHINERY_KINDS)
        model, reg = QLineEdit(), QLineEdit()
        year = OptionalSpin(1900, dt.date.today().year)
        if item is not None:
            kind.set_code(item.kind)
            model.setText(item.model)
            year.set_value_or_none(item.year_made)
            reg.setText(item.registration_number)
        return [kind, model, year, reg]

    def set_items(self, items) -> None:
        self.clear_rows()
        for m in items:
            self.add_row(m)

    def items(self) -> list[MachineData]:
        return [MachineData(kind=self.cell(r, 0).code(), model=self.cell(r, 1).text(),
                            year_made=self.cell(r, 2).value_or_none(), registration_number=self.cell(r, 3).text(),
                            id=self._ids[r]) for r in range(self.table.rowCount())]


class LivestockGrid(QWidget):
    """One spin box per species for the chosen year."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.spins: dict[str, QSpinBox] = {}
        self.errors: dict[str, QLabel] = {}
        for i, code in enumerate(codes.SPECIES):
            spin = QSpinBox()
            spin.setRange(0, 100_000)
            spin.setObjectName(f"livestock_{code}")
            spin.valueChanged.connect(lambda _v: self.changed.emit())
            err = QLabel()
            err.setStyleSheet("color: #b00020;")
            grid.addWidget(QLabel(codes.label(codes.SPECIES, code)), i, 0)
            grid.addWidget(spin, i, 1)
            grid.addWidget(err, i, 2)
            self.spins[code] = spin
            self.errors[code] = err
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(len(codes.SPECIES), 1)

    def set_counts(self, counts: dict[str, int]) -> None:
        for code, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(counts.get(code, 0))
            spin.blockSignals(False)
        self.show_errors({})

    def counts(self) -> dict[str, int]:
        return {code: spin.value() for code, spin in self.spins.items()}

    def show_errors(self, errors: dict[str, str]) -> None:
        for code, label in self.errors.items():
            label.setText(errors.get(code, ""))
