"""Duplicate persons for review: merge one record into the other, or mark the pair as two people."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QTableView, QVBoxLayout,
    QWidget,
)

from okmot import codes
from okmot.errors import OkmotError
from okmot.i18n import _
from okmot.services import duplicates
from okmot.services.context import AppContext
from okmot.services.duplicates import DuplicateCandidate, PersonBrief
from ui.bus import bus
from ui.forms import format_date, show_error
from ui.rows_model import Col, RowsModel


def _describe(p: PersonBrief) -> str:
    parts = [p.name, format_date(p.birth_date), p.pin, codes.label(codes.RESIDENCE_STATUSES, p.residence_status)]
    if p.account_number:
        parts.append(_("household {account}").format(account=p.account_number))
    return ", ".join(x for x in parts if x)


class CandidatesModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__([
            Col(_("Why listed"), lambda c: c.reason_text),
            Col(_("Similarity"), lambda c: f"{c.score:.0f} %", align_right=True),
            Col(_("First record"), lambda c: _describe(c.first)),
            Col(_("Second record"), lambda c: _describe(c.second)),
        ], parent=parent)


class DuplicatesWindow(QDialog):
    def __init__(self, ctx: AppContext, open_household: Callable | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.open_household = open_household
        self.setWindowTitle(_("Possible duplicates"))
        self.resize(1100, 560)
        self.model = CandidatesModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open_first)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.keep_first_button = QPushButton(_("Merge, keep the first record"))
        self.keep_second_button = QPushButton(_("Merge, keep the second record"))
        self.dismiss_button = QPushButton(_("Not duplicates"))
        self.keep_first_button.clicked.connect(lambda: self.merge_selected(keep_first=True))
        self.keep_second_button.clicked.connect(lambda: self.merge_selected(keep_first=False))
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        for button in (self.keep_first_button, self.keep_second_button, self.dismiss_button):
            button.setVisible(self.ctx.can("duplicates.resolve"))  # the services refuse it anyway
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_first_button)
        buttons.addWidget(self.keep_second_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Records that may be one person. Merging moves the stays and movements of the "
                                  "merged record to the kept one and keeps it, marked as merged, in the journal.")))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.info)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        with self.ctx.read() as s:
            rows = duplicates.find_candidates(s)
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        if not self.info.text():
            self.info.setText(_("Pairs to review: {n}").format(n=len(rows)))
        for button in (self.keep_first_button, self.keep_second_button, self.dismiss_button):
            button.setEnabled(bool(rows))

    def selected(self) -> DuplicateCandidate | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def confirm(self, text: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(_("Merge records"))
        box.setText(text)
        yes = box.addButton(_("Merge"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes

    def merge_selected(self, *, keep_first: bool) -> bool:
        c = self.selected()
        if c is None:
            return False
        keep, merge = (c.first, c.second) if keep_first else (c.second, c.first)
        if not self.confirm(_("Keep {keep} and merge {merge} into it?").format(keep=_describe(keep),
                                                                                merge=_describe(merge))):
            return False
        try:
            with self.ctx.write() as s:
                result = duplicates.merge_persons(s, keep_id=keep.id, merge_id=merge.id)
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        lines = [_("Merged: {moved} stays and {movements} movements moved to {name}.").format(
            moved=result.moved_memberships + result.joined_memberships, movements=result.moved_movements,
            name=keep.name)]
        self.info.setText("\n".join(lines + list(result.warnings)))
        bus.changed.emit(result.changes)
        self.refresh()
        return True

    def dismiss_selected(self) -> None:
        c = self.selected()
        if c is None:
            return
        with self.ctx.write() as s:
            duplicates.dismiss(s, c.first.id, c.second.id)
        self.info.setText(_("Marked as two different people: {a} and {b}.").format(a=c.first.name, b=c.second.name))
        self.refresh()

    def _open_first(self, index: QModelIndex) -> None:
        c = self.model.row_at(index.row()) if index.isValid() else None
        if c is not None and self.open_household is not None and c.first.household_id is not None:
            self.open_household(c.first.household_id)
