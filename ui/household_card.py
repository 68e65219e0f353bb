"""The household card: title page, members, dwelling, land and livestock by year, machinery, history; also as of a past date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QMenu, QPushButton, QTableView,
    QTabWidget, QVBoxLayout, QWidget,
)

from okmot import codes, permissions
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _, current_language
from okmot.services import asof, farm, households, movements, territory
from okmot.services.changes import Changes
from okmot.services.context import AppContext
from okmot.services.households import HouseholdCard
from ui.bus import bus
from ui.farm_tabs import DwellingTab, LandTable, LivestockGrid, MachineryTable, YearPicker
from ui import forms
from ui.forms import DateField, EditDialog, format_date, show_error
from ui.household_form import HouseholdForm
from ui.member_dialog import MemberDialog
from ui.members_model import MembersModel
from ui import movement_dialogs as md

SECTIONS = ("title", "dwelling", "land", "livestock", "machinery")


class HouseholdDialog(EditDialog):
    """Open one household; Save writes every edited section in one unit of work."""

    def __init__(self, ctx: AppContext, household_id: uuid.UUID, parent: QWidget | None = None, *,
                 as_of: dt.date | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.card: HouseholdCard | None = None
        #: Set when the card shows a past date: everything is view-only then.
        self.past: asof.CardAsOf | None = None
        self.edited: set[str] = set()
        self.resize(900, 640)
        with ctx.read() as s:
            villages = territory.list_villages(s)
            streets = territory.list_streets(s)

        self.heading = QLabel()
        self.heading.setObjectName("card_heading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #8a5a00;")
        self.tabs = QTabWidget()

        # Title page
        self.title_form = HouseholdForm(villages, streets)
        self.status_label = QLabel()
        self.close_button = QPushButton(_("Close household…"))
        self.reopen_button = QPushButton(_("Reopen household"))
        self.close_button.clicked.connect(self._close_household)
        self.reopen_button.clicked.connect(self._reopen_household)
        title = QWidget()
        tl = QVBoxLayout(title)
        tl.addWidget(self.title_form)
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.close_button)
        row.addWidget(self.reopen_button)
        self.certificate_button = QPushButton(_("Certificate…"))
        self.certificate_button.clicked.connect(self.issue_certificate)
        row.addWidget(self.certificate_button)
        tl.addLayout(row)
        tl.addStretch(1)
        self.tabs.addTab(title, _("Household"))

        # Members
        self.members_model = MembersModel(self)
        self.members_view = QTableView()
        self.members_view.setModel(self.members_model)
        self.members_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.members_view.horizontalHeader().setStretchLastSection(True)
        self.members_view.doubleClicked.connect(lambda _i: self.edit_member())
        self.show_former = QCheckBox(_("Show former members (left, deceased)"))
        self.show_former.toggled.connect(self._fill_members)
        self.add_member_button = QPushButton(_("Add member…"))
        self.edit_member_button = QPushButton(_("Edit member…"))
        self.add_member_button.clicked.connect(self.add_member)
        self.edit_member_button.clicked.connect(self.edit_member)
        self.movements_button = QPushButton(_("Movements"))
        self.movements_button.setObjectName("movements_button")
        self.movements_menu = QMenu(self.movements_button)
        self.movement_actions = {}
        for key, caption in (("birth", _("Birth…")), ("death", _("Death…")), ("arrival", _("Arrival…")),
                             ("departure", _("Departure…")), ("return", _("Return from a temporary absence…")),
                             ("transfer", _("Transfer to another household…")),
                             ("split", _("Split off a new household…")), ("head_change", _("Change of head…"))):
            action = self.movements_menu.addAction(caption)
            action.triggered.connect(lambda _checked=False, k=key: self.record_movement(k))
            self.movement_actions[key] = action
        self.movements_button.setMenu(self.movements_menu)
        members = QWidget()
        ml = QVBoxLayout(members)
        ml.addWidget(self.members_view)
        mrow = QHBoxLayout()
        mrow.addWidget(self.show_former)
        mrow.addStretch(1)
        mrow.addWidget(self.movements_button)
        mrow.addWidget(self.add_member_button)
        mrow.addWidget(self.edit_member_button)
        ml.addLayout(mrow)
        self.tabs.addTab(members, _("Members"))

        # Dwelling
        self.dwelling_tab = DwellingTab()
        self.tabs.addTab(self.dwelling_tab, _("Dwelling"))

        # Land and livestock by year
        self.land_year = YearPicker()
        self.land_table = LandTable()
        self.land_year.currentIndexChanged.connect(lambda _i: self._year_switched("land"))
        self.tabs.addTab(self._with_year(self.land_year, self.land_table), _("Land"))
        self.livestock_year = YearPicker()
        self.livestock_grid = LivestockGrid()
        self.livestock_year.currentIndexChanged.connect(lambda _i: self._year_switched("livestock"))
        self.tabs.addTab(self._with_year(self.livestock_year, self.livestock_grid), _("Livestock"))

        # Machinery
        self.machinery_table = MachineryTable()
        self.tabs.addTab(self.machinery_table, _("Machinery"))

        # History of movements (last tab, so the section indices above stay as they are)
        self.history_model = md.HistoryModel(self)
        self.history_view = QTableView()
        self.history_view.setObjectName("history")
        self.history_view.setModel(self.history_model)
        self.history_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history_view.horizontalHeader().setStretchLastSection(True)
        self.correct_button = QPushButton(_("Correct entry…"))
        self.correct_button.clicked.connect(self.correct_entry)
        history = QWidget()
        hl = QVBoxLayout(history)
        hl.addWidget(self.history_view)
        hrow = QHBoxLayout()
        hrow.addStretch(1)
        hrow.addWidget(self.correct_button)
        hl.addLayout(hrow)
        self.history_tab = self.tabs.addTab(history, _("History"))

        # As of a past date: the card as it stood then, view-only.
        self.as_of_edit = DateField()
        self.as_of_edit.setObjectName("card_as_of")
        self.as_of_edit.setToolTip(_("Show the household as it was on this date; empty for today"))
        self.as_of_edit.set_value(as_of)
        self.as_of_edit.editingFinished.connect(self._as_of_changed)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel(_("As of")))
        top.addWidget(self.as_of_edit)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self.buttons)
        self.cancel_button.setText(_("Close"))

        self.title_form.changed.connect(lambda: self._edited("title"))
        self.dwelling_tab.changed.connect(lambda: self._edited("dwelling"))
        self.land_table.changed.connect(lambda: self._edited("land"))
        self.livestock_grid.changed.connect(lambda: self._edited("livestock"))
        self.machinery_table.changed.connect(lambda: self._edited("machinery"))
        self.reload()
        # Personal data law: who looked at whose data is part of the audit trail.
        ctx.audit("view_household", subject_table="household", subject_id=household_id)

    @staticmethod
    def _with_year(picker: YearPicker, body: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(picker)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(body, 1)
        return box

    # --- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        with self.ctx.read() as s:
            self.card = households.get_card(s, self.household_id)
        card = self.card
        lang = current_language()
        head = card.head.person.full_name(lang) if card.head else _("(no head)")
        self.heading.setText(_("Household {account} — {head}").format(account=card.data.account_number, head=head))
        self.setWindowTitle(_("Household {account}").format(account=card.data.account_number))
        self.title_form.set_data(card.data)
        if card.status == "closed":
            self.status_label.setText(_("Closed on {date}: {reason}").format(
                date=format_date(card.closed_on), reason=card.close_reason))
        else:
            self.status_label.setText(codes.label(codes.HOUSEHOLD_STATUSES, "open"))
        self.close_button.setVisible(card.status == "open")
        self.reopen_button.setVisible(card.status == "closed")
        self.add_member_button.setEnabled(card.status == "open")
        self._fill_members()
        self.dwelling_tab.set_data(card.dwelling)
        self.land_year.set_years(card.land.keys(), self.land_year.currentData())
        self.land_table.set_plots(card.land.get(self.land_year.year(), ()))
        self.livestock_year.set_years(card.livestock.keys(), self.livestock_year.currentData())
        self.livestock_grid.set_counts(card.livestock.get(self.livestock_year.year(), {}))
        self.machinery_table.set_items(card.machinery)
        self._fill_history()
        self._show_as_of()
        self.edited.clear()
        self.dirty = False

    def _fill_members(self) -> None:
        if self.card is None:
            return
        if self.past is not None:
            # Each member with the residence status they had on that date.
            self.members_model.set_rows([dataclasses.replace(m.member, person=dataclasses.replace(
                m.member.person, data=dataclasses.replace(m.member.person.data, residence_status=m.status)))
                for m in self.past.members])
            return
        rows = self.card.members if self.show_former.isChecked() else self.card.current_members
        self.members_model.set_rows(list(rows))

    def _edited(self, section: str) -> None:
        self.edited.add(section)
        self.mark_dirty()

    def _year_switched(self, section: str) -> None:
        if self.card is None:
            return
        if section in self.edited:
            choice = forms.ask_unsaved(self)
            if choice == "save" and not self.save():
                return
            if choice == "cancel":
                return
            self.edited.discard(section)
            self.dirty = bool(self.edited)
        if section == "land":
            self.land_table.set_plots(self.card.land.get(self.land_year.year(), ()))
        else:
            self.livestock_grid.set_counts(self.card.livestock.get(self.livestock_year.year(), {}))

    # --- members ----------------------------------------------------------------------------

    def selected_person(self) -> uuid.UUID | None:
        index = self.members_view.currentIndex()
        return self.members_model.row_at(index.row()).person.id if index.isValid() else None

    def add_member(self) -> None:
        self._open_member(None)

    def edit_member(self) -> None:
        person_id = self.selected_person()
        if person_id is not None:
            self._open_member(person_id)

    def _open_member(self, person_id: uuid.UUID | None) -> None:
        dialog = MemberDialog(self.ctx, self.household_id, person_id, self)
        if dialog.exec():
            keep = {s: True for s in self.edited}
            if keep:
                self.notice.setText(_("Member saved. Your other edits on this card are still unsaved."))
            self._refresh_members()
            self.notice.setText("\n".join(dialog.notices))

    def _refresh_members(self) -> None:
        with self.ctx.read() as s:
            fresh = households.get_card(s, self.household_id)
        self.card = fresh
        self._fill_members()
        self._fill_history()
        lang = current_language()
        head = fresh.head.person.full_name(lang) if fresh.head else _("(no head)")
        self.heading.setText(_("Household {account} — {head}").format(account=fresh.data.account_number, head=head))

    # --- movements and history ------------------------------------------------------------------

    def record_movement(self, kind: str) -> md.MovementDialog | None:
        """Open the dialog of one movement (for the selected member where it needs one) and return it."""
        card = self.card
        if kind in ("death", "departure", "return", "transfer"):
            person_id = self.selected_person()
            if not any(m.person.id == person_id for m in card.current_members):
                show_error(self, _("Choose a current member in the list first."))
                return None
            dialog = {"death": md.DeathDialog, "departure": md.DepartureDialog, "return": md.ReturnDialog,
                      "transfer": md.TransferDialog}[kind](self.ctx, card, person_id, self)
        else:
            dialog = {"birth": md.BirthDialog, "arrival": md.ArrivalDialog, "split": md.SplitDialog,
                      "head_change": md.HeadChangeDialog}[kind](self.ctx, card, self)
        self.open_movement(dialog)
        return dialog

    def open_movement(self, dialog: md.MovementDialog) -> bool:
        if not dialog.exec():
            return False
        self._refresh_members()
        notices = dialog.result_.notices if dialog.result_ else ()
        self.notice.setText("\n".join(notices) or _("Recorded."))
        lang = current_language()
        head = self.card.head.person.full_name(lang) if self.card.head else _("(no head)")
        self.heading.setText(_("Household {account} — {head}").format(account=self.card.data.account_number,
                                                                      head=head))
        return True

    def _fill_history(self) -> None:
        with self.ctx.read() as s:
            self.history_model.set_rows(movements.household_history(s, self.household_id))

    def correct_entry(self) -> None:
        index = self.history_view.currentIndex()
        if not index.isValid():
            show_error(self, _("Choose an entry in the history first."))
            return
        entry = self.history_model.entry_at(index.row())
        if entry.kind in movements.CORRECTING_KINDS:
            entry = self.history_model.entry_by_id(entry.corrects_id) or entry
        self.open_movement(md.CorrectionDialog(self.ctx, self.card, entry, self))

    # --- as of a past date -----------------------------------------------------------------------

    def as_of(self) -> dt.date | None:
        try:
            value = self.as_of_edit.value()
        except ValueError:
            return None
        return value if value is not None and value < dt.date.today() else None

    def _as_of_changed(self) -> None:
        if self.edited:
            choice = forms.ask_unsaved(self)
            if choice == "cancel" or (choice == "save" and not self.save()):
                return
        self.reload()

    def _limit_to_role(self) -> None:
        """Disable what the signed-in user's role may not change; the services refuse it anyway."""
        role = self.ctx.user.role if self.ctx.user else None
        rules = {"household.edit": (self.title_form, self.add_member_button, self.edit_member_button,
                                    self.close_button, self.reopen_button),
                 "movement.record": (self.movements_button, self.correct_button),
                 "farm.edit": (self.dwelling_tab, self.land_table, self.livestock_grid, self.machinery_table)}
        for action, widgets in rules.items():
            if not permissions.allowed(role, action):
                for widget in widgets:
                    widget.setEnabled(False)
        if not (permissions.allowed(role, "household.edit") or permissions.allowed(role, "farm.edit")):
            self.save_button.setEnabled(False)
        self.certificate_button.setVisible(permissions.allowed(role, "certificate.issue"))

    def _show_as_of(self) -> None:
        on = self.as_of()
        with self.ctx.read() as s:
            self.past = asof.card_as_of(s, self.household_id, on) if on else None
        past = self.past
        editable = past is None
        for widget in (self.title_form, self.dwelling_tab, self.land_table, self.livestock_grid,
                       self.machinery_table, self.add_member_button, self.edit_member_button,
                       self.movements_button, self.close_button, self.reopen_button, self.correct_button,
                       self.save_button, self.land_year, self.livestock_year):
            widget.setEnabled(editable and (widget is not self.add_member_button or self.card.status == "open"))
        self.movements_button.setEnabled(editable and self.card.status == "open")
        self.show_former.setEnabled(editable)
        self._limit_to_role()
        if past is None:
            return
        self._fill_members()
        lang = current_language()
        head = past.head.member.person.full_name(lang) if past.head else _("(no head)")
        self.heading.setText(_("Household {account} — {head}").format(account=self.card.data.account_number,
                                                                      head=head))
        state = {"open": _("open"), "closed": _("closed"), "not_opened": _("not opened yet")}[past.status]
        self.notice.setText(_("As of {date} (view only): the household was {state}; land as of 1 January {land}, "
                              "livestock as of 1 January {stock}.").format(
            date=format_date(past.on), state=state, land=past.land_year or "—", stock=past.livestock_year or "—"))
        self.land_year.set_years(self.card.land.keys(), past.land_year)
        self.land_table.set_plots(past.land)
        self.livestock_year.set_years(self.card.livestock.keys(), past.livestock_year)
        self.livestock_grid.set_counts(past.livestock)

    # --- closing -----------------------------------------------------------------------------

    def _close_household(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Close household"), _("Reason for closing:"))
        if not ok:
            return
        try:
            with self.ctx.write() as s:
                changes = households.close_household(s, self.household_id, on=dt.date.today(), reason=reason)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        bus.changed.emit(changes)
        self.reload()

    def _reopen_household(self) -> None:
        try:
            with self.ctx.write() as s:
                changes = households.reopen_household(s, self.household_id)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        bus.changed.emit(changes)
        self.reload()

    def issue_certificate(self):
        """A certificate about this household (or one of its members), filled from the book."""
        from ui.certificate_dialog import IssueCertificateDialog

        dialog = IssueCertificateDialog(self.ctx, self, household_id=self.household_id)
        dialog.open()
        return dialog

    # --- saving ------------------------------------------------------------------------------

    def save(self) -> bool:
        if not self.edited:
            return True
        self.title_form.clear_errors()
        self.dwelling_tab.clear_errors()
        self.land_table.error.clear()
        self.machinery_table.error.clear()
        self.livestock_grid.show_errors({})
        try:
            title = self.title_form.data() if "title" in self.edited else None
        except ValueError:
            self.tabs.setCurrentIndex(0)
            return False
        changes = Changes(households=frozenset({self.household_id}))
        section = ""
        try:
            with self.ctx.write() as s:
                if title is not None:
                    section = "title"
                    changes |= households.update_household(s, self.household_id, title,
                                                           expected_version=self.card.version)
                if "dwelling" in self.edited:
                    section = "dwelling"
                    farm.save_dwelling(s, self.household_id, self.dwelling_tab.data())
                if "land" in self.edited:
                    section = "land"
                    farm.save_land(s, self.household_id, self.land_year.year(), self.land_table.plots())
                if "livestock" in self.edited:
                    section = "livestock"
                    farm.save_livestock(s, self.household_id, self.livestock_year.year(),
                                        self.livestock_grid.counts())
                if "machinery" in self.edited:
                    section = "machinery"
                    farm.save_machinery(s, self.household_id, self.machinery_table.items())
        except ValidationError as exc:
            self._show_section_errors(section, exc)
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        bus.changed.emit(changes)
        self.reload()
        return True

    def _show_section_errors(self, section: str, exc: ValidationError) -> None:
        index = {"title": 0, "dwelling": 2, "land": 3, "livestock": 4, "machinery": 5}.get(section, 0)
        self.tabs.setCurrentIndex(index)
        if section == "title":
            rest = self.title_form.show_errors(exc.fields)
        elif section == "dwelling":
            rest = self.dwelling_tab.show_errors(exc.fields)
        elif section == "livestock":
            self.livestock_grid.show_errors(exc.fields)
            rest = {k: v for k, v in exc.fields.items() if k not in codes.SPECIES}
        elif section == "land":
            self.land_table.error.setText("\n".join(exc.fields.values()))
            rest = {}
        else:
            self.machinery_table.error.setText("\n".join(exc.fields.values()))
            rest = {}
        if rest:
            show_error(self, "\n".join(rest.values()))

    def _on_save(self) -> None:
        # Saving the card keeps it open (a clerk often saves and goes on); Close leaves.
        if self.save():
            self.notice.setText(_("Saved."))
