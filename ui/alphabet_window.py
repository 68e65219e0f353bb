"""The alphabetical book: every resident in Kyrgyz alphabetical order, filtered by village and status."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.i18n import _, current_language
from okmot.services import alphabet, territory
from okmot.services.alphabet import ResidentRow
from okmot.services.context import AppContext
from ui.forms import format_date

COLUMNS = ("letter", "name", "birth_date", "pin", "status", "account", "village", "address")
IdRole = Qt.ItemDataRole.UserRole + 1


def _headers() -> dict[str, str]:
    return {"letter": "", "name": _("Full name"), "birth_date": _("Birth date"), "pin": _("PIN"),
            "status": _("Status"), "account": _("Account No."), "village": _("Village"), "address": _("Address")}


class ResidentsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[ResidentRow] = []

    def set_rows(self, rows: list[ResidentRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> ResidentRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(COLUMNS):
            return _headers()[COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            lang = current_language()
            # The letter is shown once, on the first row of its group, like a printed index.
            first = index.row() == 0 or self._rows[index.row() - 1].letter != r.letter
            return {"letter": r.letter if first else "", "name": r.full_name(lang),
                    "birth_date": format_date(r.birth_date), "pin": r.pin,
                    "status": codes.label(codes.RESIDENCE_STATUSES, r.residence_status),
                    "account": r.account_number, "village": r.village(lang), "address": r.address(lang)}[column]
        if role == IdRole:
            return r.household_id
        if role == Qt.ItemDataRole.FontRole and column == "letter":
            from PySide6.QtGui import QFont
            font = QFont()
            font.setBold(True)
            return font
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class AlphabetWindow(QDialog):
    """A non-modal list; double-clicking a resident opens their household."""

    def __init__(self, ctx: AppContext, open_household: Callable | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.open_household = open_household
        self.setWindowTitle(_("Alphabetical book"))
        self.resize(1000, 640)
        with ctx.read() as s:
            villages = territory.list_villages(s)
        self.village_filter = QComboBox()
        self.village_filter.addItem(_("All villages"), None)
        for v in villages:
            self.village_filter.addItem(v.name(), v.id)
        self.status_filter = QComboBox()
        self.status_filter.addItem(_("Living and temporarily absent"), ("living", "temporarily_absent"))
        self.status_filter.addItem(_("All statuses"), None)
        for code in codes.RESIDENCE_STATUSES:
            self.status_filter.addItem(codes.label(codes.RESIDENCE_STATUSES, code), (code,))
        self.model = ResidentsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Village")))
        top.addWidget(self.village_filter)
        top.addWidget(QLabel(_("Status")))
        top.addWidget(self.status_filter)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.village_filter.currentIndexChanged.connect(self.refresh)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            rows = alphabet.alphabetical_book(s, village_id=self.village_filter.currentData(),
                                              statuses=self.status_filter.currentData())
        self.model.set_rows(rows)
        self.count_label.setText(_("Persons: {n}").format(n=len(rows)))

    def _open(self, index: QModelIndex) -> None:
        if self.open_household is not None and index.isValid():
            self.open_household(self.model.row_at(index.row()).household_id)
