"""The data-quality dashboard: totals per village and a work list that opens each household at its problem."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.i18n import _, current_language
from okmot.services import quality, territory
from okmot.services.context import AppContext
from okmot.services.quality import HouseholdQuality, Problem, QualityReport
from ui.bus import bus
from ui.rows_model import Col, RowsModel

#: The household card's tab that shows each section (found by its title).
_SECTION_TABS = {"members": "Members", "land": "Land", "livestock": "Livestock"}


class VillageTotalsModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__([
            Col(_("Village"), lambda r: r.name(current_language())),
            Col(_("Households"), lambda r: str(r.households), align_right=True),
            Col(_("Complete"), lambda r: str(r.complete), align_right=True),
            Col(_("Average score"), lambda r: f"{r.average_score:.0f} %", align_right=True),
            *(Col(codes.label(quality.REASONS, code), lambda r, code=code: str(r.by_reason.get(code, 0)),
                  align_right=True) for code in quality.REASONS),
        ], parent=parent)


class WorkListModel(RowsModel):
    """One row per problem of the households still to fix, least complete household first."""

    def __init__(self, parent=None):
        super().__init__([
            Col(_("Account No."), lambda hp: hp[0].account_number),
            Col(_("Head of household"), lambda hp: hp[0].head_name or _("(no head)")),
            Col(_("Score"), lambda hp: f"{hp[0].score} %", align_right=True),
            Col(_("Problem"), lambda hp: hp[1].label),
            Col(_("Details"), lambda hp: hp[1].message),
        ], parent=parent)

    def set_households(self, households: tuple[HouseholdQuality, ...]) -> None:
        self.set_rows([(h, p) for h in households for p in h.faults])


def show_problem(dialog, problem: Problem) -> None:
    """Turn an open household card to the tab of ``problem`` and select the person concerned."""
    title = _(_SECTION_TABS[problem.section])
    for i in range(dialog.tabs.count()):
        if dialog.tabs.tabText(i) == title:
            dialog.tabs.setCurrentIndex(i)
            break
    if problem.person_id is not None and problem.section == "members":
        model = dialog.members_model
        for row in range(model.rowCount()):
            if model.row_at(row).person.id == problem.person_id:
                dialog.members_view.selectRow(row)
                break


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class QualityWindow(QDialog):
    def __init__(self, ctx: AppContext, open_household: Callable | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.open_household = open_household
        self.report: QualityReport | None = None
        self.setWindowTitle(_("Data quality"))
        self.resize(1100, 700)
        with ctx.read() as s:
            villages = territory.list_villages(s)
        self.village_filter = QComboBox()
        self.village_filter.addItem(_("All villages"), None)
        for v in villages:
            self.village_filter.addItem(v.name(), v.id)
        self.village_filter.currentIndexChanged.connect(self._fill_work_list)
        self.refresh_button = QPushButton(_("Check again"))
        self.refresh_button.clicked.connect(self.refresh)
        self.summary = QLabel()
        self.totals_model = VillageTotalsModel(self)
        self.totals_view = _table(self.totals_model)
        self.work_model = WorkListModel(self)
        self.work_view = _table(self.work_model)
        self.work_view.doubleClicked.connect(self._open)
        self.work_view.activated.connect(self._open)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel(_("Work list for")))
        top.addWidget(self.village_filter)
        top.addWidget(self.refresh_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.totals_view)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(_("Work list: double-click a row to open the household at the problem")))
        ll.addWidget(self.work_view, 1)
        split.addWidget(lower)
        split.setSizes([220, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        bus.changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            self.report = quality.quality_report(s)
        total = self.report.total
        self.totals_model.set_rows(list(self.report.villages) + [total])
        self.summary.setText(_("{complete} of {n} open households complete; average score {score:.0f} % "
                               "(livestock year {year}).").format(complete=total.complete, n=total.households,
                                                                   score=total.average_score, year=self.report.year))
        self._fill_work_list()

    def _fill_work_list(self) -> None:
        if self.report is None:
            return
        village = self.village_filter.currentData()
        self.work_model.set_households(tuple(h for h in self.report.work_list
                                             if village is None or h.village_id == village))

    def _on_changed(self, changes) -> None:
        if self.report is not None and (changes.households or changes.persons):
            self.refresh()

    def _open(self, index: QModelIndex):
        if self.open_household is None or not index.isValid():
            return None
        household, problem = self.work_model.row_at(index.row())
        dialog = self.open_household(household.household_id)
        if dialog is not None:
            show_problem(dialog, problem)
        return dialog

    def done(self, result: int) -> None:
        # A closed dashboard stops listening: the bus outlives every window.
        if self.report is not None:
            bus.changed.disconnect(self._on_changed)
            self.report = None
        super().done(result)
