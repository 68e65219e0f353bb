"""The 1 January round: start or resume a year, progress per village, households still to do, and the confirm form."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QSpinBox, QTableView, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _, current_language
from okmot.services import annual_round, territory
from okmot.services.annual_round import RoundForm
from okmot.services.context import AppContext
from okmot.services.farm import M2_PER_HA
from ui.bus import bus
from ui.farm_tabs import LandTable, LivestockGrid
from ui.forms import EditDialog, format_date, show_error
from ui.rows_model import Col, RowsModel


class ProgressModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__([
            Col(_("Village"), lambda r: r.name(current_language())),
            Col(_("Visited"), lambda r: str(r.visited), align_right=True),
            Col(_("Not yet"), lambda r: str(r.not_yet), align_right=True),
            Col(_("Households"), lambda r: str(r.total), align_right=True),
        ], parent=parent)


class RoundRowsModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__([
            Col(_("Account No."), lambda r: r.account_number),
            Col(_("Head of household"), lambda r: r.head or _("(no head)")),
            Col(_("Village"), lambda r: r.village_ru if current_language() == "ru" else r.village_ky),
            Col(_("Address"), lambda r: r.address),
            Col(_("Visited on"), lambda r: format_date(r.visited_on)),
        ], parent=parent)


def _fit(view: QTableView) -> None:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)


class RoundWindow(QDialog):
    """Choose the year, start (or resume) its round, see progress, and work through the households."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("1 January round"))
        self.resize(900, 620)
        with ctx.read() as s:
            started = annual_round.started_years(s)
            villages = territory.list_villages(s)
        self.year = QSpinBox()
        self.year.setObjectName("round_year")
        self.year.setRange(1990, dt.date.today().year + 1)
        self.year.setValue(started[0] if started else dt.date.today().year)
        self.start_button = QPushButton(_("Start or resume the round"))
        self.start_button.clicked.connect(self.start)
        self.info = QLabel()
        self.info.setObjectName("round_info")
        self.info.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Year (records as of 1 January)")))
        top.addWidget(self.year)
        top.addWidget(self.start_button)
        top.addStretch(1)

        self.progress_model = ProgressModel(self)
        self.progress_view = QTableView()
        self.progress_view.setModel(self.progress_model)
        _fit(self.progress_view)
        self.total = QLabel()
        self.total.setObjectName("round_total")
        progress = QGroupBox(_("Progress per village"))
        pl = QVBoxLayout(progress)
        pl.addWidget(self.progress_view)
        pl.addWidget(self.total)

        self.village = QComboBox()
        self.village.addItem(_("All villages"), None)
        for v in villages:
            self.village.addItem(v.name(), v.id)
        self.village.currentIndexChanged.connect(lambda _i: self.refresh())
        self.show_visited = QCheckBox(_("Show visited households too"))
        self.show_visited.toggled.connect(lambda _on: self.refresh())
        self.rows_model = RoundRowsModel(self)
        self.rows_view = QTableView()
        self.rows_view.setObjectName("round_households")
        self.rows_view.setModel(self.rows_model)
        _fit(self.rows_view)
        self.rows_view.activated.connect(lambda _i: self.open_selected())
        self.rows_view.doubleClicked.connect(lambda _i: self.open_selected())
        self.open_button = QPushButton(_("Open the round form (Enter)"))
        self.open_button.clicked.connect(self.open_selected)
        todo = QGroupBox(_("Households still to do"))
        tl = QVBoxLayout(todo)
        row = QHBoxLayout()
        row.addWidget(self.village)
        row.addWidget(self.show_visited)
        row.addStretch(1)
        row.addWidget(self.open_button)
        tl.addLayout(row)
        tl.addWidget(self.rows_view)

        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(progress, 1)
        layout.addWidget(todo, 2)
        layout.addLayout(bottom)
        self.year.valueChanged.connect(lambda _y: self.refresh())
        self.refresh()

    def started(self) -> bool:
        with self.ctx.read() as s:
            return annual_round.get_round(s, self.year.value()) is not None

    def start(self) -> None:
        try:
            with self.ctx.write() as s:
                info = annual_round.start_round(s, self.year.value())
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        self.refresh()
        self.info.setText(_("Round {year}: {n} households; {k} pre-filled from {previous} just now.").format(
            year=info.year, n=info.households, k=info.prefilled, previous=info.year - 1))
        self.rows_view.setFocus()

    def refresh(self) -> None:
        year = self.year.value()
        if not self.started():
            self.progress_model.set_rows([])
            self.rows_model.set_rows([])
            self.total.setText("")
            self.info.setText(_("The round for {year} has not been started. Starting it copies each household's "
                                "land and livestock of {previous} into {year} for you to confirm; {previous} "
                                "itself is never changed.").format(year=year, previous=year - 1))
            self.open_button.setEnabled(False)
            return
        with self.ctx.read() as s:
            progress = annual_round.progress(s, year)
            rows = annual_round.round_households(s, year, village_id=self.village.currentData(),
                                                 only_to_do=not self.show_visited.isChecked())
        self.progress_model.set_rows(progress.villages)
        self.rows_model.set_rows(rows)
        self.total.setText(_("Visited {visited} of {total} households; {left} still to do.").format(
            visited=progress.visited, total=progress.total, left=progress.total - progress.visited))
        self.info.setText(_("Round {year} is under way.").format(year=year))
        self.open_button.setEnabled(bool(rows))
        if rows:
            self.rows_view.selectRow(0)

    def selected(self) -> uuid.UUID | None:
        index = self.rows_view.currentIndex()
        return self.rows_model.row_at(index.row()).id if index.isValid() else None

    def open_selected(self) -> RoundFormDialog | None:
        household_id = self.selected()
        if household_id is None:
            return None
        return self.open_form(household_id)

    def open_form(self, household_id: uuid.UUID) -> RoundFormDialog | None:
        try:
            dialog = RoundFormDialog(self.ctx, self.year.value(), household_id, self)
        except OkmotError as exc:
            show_error(self, exc.message)
            return None
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog


class RoundFormDialog(EditDialog):
    """One household's 1 January records, pre-filled; Enter confirms them as they are or as changed."""

    def __init__(self, ctx: AppContext, year: int, household_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.year = year
        self.household_id = household_id
        with ctx.read() as s:
            self.form_data: RoundForm = annual_round.round_form(s, year, household_id)
        f = self.form_data
        self.setWindowTitle(_("1 January {year}: household {account}").format(year=year, account=f.account_number))
        heading = QLabel(_("Household {account} — {head}").format(account=f.account_number,
                                                                 head=f.head or _("(no head)")))
        heading.setStyleSheet("font-weight: bold;")
        self.previous = QLabel(self._previous_text())
        self.previous.setObjectName("previous_year")
        self.previous.setWordWrap(True)
        self.previous.setStyleSheet("color: #555555;")
        self.land = LandTable()
        self.land.set_plots(f.land)
        self.livestock = LivestockGrid()
        self.livestock.set_counts(f.livestock)
        self.note = QLineEdit(f.note)
        self.note.setPlaceholderText(_("Note of the visit (optional)"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        for signal in (self.land.changed, self.livestock.changed, self.note.textEdited):
            signal.connect(lambda *_a: self.mark_dirty())
        land_box = QGroupBox(_("Land as of 1 January {year}").format(year=year))
        QVBoxLayout(land_box).addWidget(self.land)
        stock_box = QGroupBox(_("Livestock as of 1 January {year}").format(year=year))
        QVBoxLayout(stock_box).addWidget(self.livestock)
        sides = QHBoxLayout()
        sides.addWidget(land_box, 3)
        sides.addWidget(stock_box, 2)
        self.save_button.setText(_("Confirm"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if f.visited_on:
            layout.addWidget(QLabel(_("Already confirmed on {date}; confirming again replaces it.").format(
                date=format_date(f.visited_on))))
        layout.addWidget(self.previous)
        layout.addLayout(sides, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addLayout(self.buttons)
        self.resize(900, 620)
        self.livestock.spins["cattle"].setFocus()
        self.livestock.spins["cattle"].selectAll()

    def _previous_text(self) -> str:
        f = self.form_data
        stock = ", ".join(f"{codes.label(codes.SPECIES, k)} {v}" for k, v in f.previous_livestock.items() if v)
        area = sum(p.area_m2 for p in f.previous_land) / M2_PER_HA
        return _("Previous year ({year}): land {plots} plot(s), {area} ha; livestock: {stock}.").format(
            year=self.year - 1, plots=len(f.previous_land), area=f"{area:.4f}".rstrip("0").rstrip("."),
            stock=stock or _("none"))

    def save(self) -> bool:
        self.error.clear()
        self.livestock.show_errors({})
        try:
            with self.ctx.write() as s:
                changes = annual_round.confirm_household(s, self.year, self.household_id, self.land.plots(),
                                                         self.livestock.counts(), note=self.note.text())
        except ValidationError as exc:
            self.livestock.show_errors(exc.fields)
            self.error.setText("\n".join(exc.fields.values()))
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        bus.changed.emit(changes)
        return True
