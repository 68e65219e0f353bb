"""The data-quality dashboard: totals per village and a work list that opens each household at its problem."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.i18n import _, current_language
from okmot.services import quality, territory
from okmot.services.context import AppContext
from okmot.services.quality import HouseholdQuality, Problem, QualityReport, VillageQuality
from ui.bus import bus

#: The household card's tab that shows each section (found by its title).
_SECTION_TABS = {"members": "Members", "land": "Land", "livestock": "Livestock"}


class VillageTotalsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[VillageQuality] = []

    def set_rows(self, rows: list[VillageQuality]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def _columns(self) -> list[tuple[str, str]]:
        return ([("village", _("Village")), ("households", _("Households")), ("complete", _("Complete")),
                 ("score", _("Average score"))] + [(code, codes.label(quality.REASONS, code))
                                                    for code in quality.REASONS])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        columns = self._columns()
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(columns):
            return columns[section][1]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        key = self._columns()[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "village":
                return r.name(current_language())
            if key == "score":
                return f"{r.average_score:.0f} %"
            if key in ("households", "complete"):
                return getattr(r, key)
            return r.by_reason.get(key, 0)
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "village":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class WorkListModel(QAbstractTableModel):
    """One row per problem of the households still to fix, least complete household first."""

    COLUMNS = ("account", "head", "score", "reason", "detail")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[tuple[HouseholdQuality, Problem]] = []

    def set_households(self, households: tuple[HouseholdQuality, ...]) -> None:
        self.beginResetModel()
        self._rows = [(h, p) for h in households for p in h.faults]
        self.endResetModel()

    def item(self, row: int) -> tuple[HouseholdQuality, Problem]:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.COLUMNS):
            return {"account": _("Account No."), "head": _("Head of household"), "score": _("Score"),
                    "reason": _("Problem"), "detail": _("Details")}[self.COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        h, p = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return {"account": h.account_number, "head": h.head_name or _("(no head)"), "score": f"{h.score} %",
                    "reason": p.label, "detail": p.message}[self.COLUMNS[index.column()]]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


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
        household, problem = self.work_model.item(index.row())
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
