"""The alphabetical book: every resident in Kyrgyz alphabetical order, filtered by village and status."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.i18n import _, current_language
from okmot.services import alphabet, territory
from okmot.services.context import AppContext
from ui.forms import format_date
from ui.rows_model import Col, RowsModel

def _columns() -> list[Col]:
    lang = current_language
    return [
        Col("", lambda r: r.letter, bold=True),
        Col(_("Full name"), lambda r: r.full_name(lang())),
        Col(_("Birth date"), lambda r: format_date(r.birth_date)),
        Col(_("PIN"), lambda r: r.pin),
        Col(_("Status"), lambda r: codes.label(codes.RESIDENCE_STATUSES, r.residence_status)),
        Col(_("Account No."), lambda r: r.account_number),
        Col(_("Village"), lambda r: r.village(lang())),
        Col(_("Address"), lambda r: r.address(lang())),
    ]


class ResidentsModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__(_columns(), parent=parent)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        # The letter is shown once, on the first row of its group, like a printed index.
        if role == Qt.ItemDataRole.DisplayRole and index.isValid() and index.column() == 0 and index.row() > 0 \
                and index.row() < len(self.rows) and self.rows[index.row() - 1].letter == self.rows[index.row()].letter:
            return ""
        return super().data(index, role)


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
