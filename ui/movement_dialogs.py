"""Dialogs that record movements (birth, death, arrival, departure, return, transfer, split, head change, correction) and the history table."""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QScrollArea, QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _, current_language
from okmot.services import households, movements, territory
from okmot.services.context import AppContext
from okmot.services.households import HouseholdCard, HouseholdData
from okmot.services.movements import Basis, HistoryEntry, MovementResult
from okmot.services.persons import PersonData, PinMismatch
from ui.bus import bus
from ui.forms import CodeCombo, DateField, EditDialog, FormPanel, format_date, show_error


class MovementDialog(EditDialog):
    """Common frame: a form with the date first and the basis (document) last; ``write`` does the work."""

    #: Set by each dialog before calling this constructor (translated at that moment).
    title = ""

    def __init__(self, ctx: AppContext, card: HouseholdCard, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.card = card
        self.result_: MovementResult | None = None
        self.setWindowTitle(self.title)
        self.form = FormPanel()
        self.form.changed.connect(self.mark_dirty)
        self.heading = QLabel(_("Household {account}").format(account=card.data.account_number))
        self.heading.setStyleSheet("font-weight: bold;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(self.buttons)
        self.resize(620, 560)

    # --- building blocks ---------------------------------------------------------------------

    def add_date(self, caption: str | None = None, name: str = "on_date") -> DateField:
        field = self.form.add(name, caption or _("Date"), DateField())
        field.set_value(dt.date.today())
        return field

    def add_basis(self) -> None:
        self.basis_kind = self.form.add("basis_kind", _("Basis: document"), CodeCombo(codes.BASIS_KINDS, blank=True))
        self.basis_number = self.form.add("basis_number", _("Document No."), QLineEdit())
        self.basis_text = self.form.add("basis_text", _("Basis: details"), QLineEdit())
        self.note = self.form.add("note", _("Note"), QLineEdit())

    def basis(self) -> Basis:
        return Basis(self.basis_kind.code(), self.basis_number.text(), self.basis_text.text(), self.note.text())

    def member_combo(self, members, *, blank: bool = False) -> QComboBox:
        combo = QComboBox()
        if blank:
            combo.addItem("—", None)
        for m in members:
            combo.addItem(f"{m.person.full_name(current_language())} ({codes.label(codes.RELATIONS, m.relation)})",
                          m.person.id)
        return combo

    def dates(self, *names: str) -> dict[str, dt.date | None] | None:
        """The typed dates by field name; None (errors shown) when one is impossible."""
        values, bad = {}, {}
        for name in names:
            try:
                values[name] = self.form.field(name).value()
            except ValueError as exc:
                bad[name] = str(exc)
        if bad:
            self.form.show_errors(bad)
            return None
        return values

    # --- saving -------------------------------------------------------------------------------

    def write(self, session) -> MovementResult | None:
        """Record the movement in ``session``; None when the form is not ready (errors shown)."""
        return None

    def save(self) -> bool:
        self.form.clear_errors()
        self.message.clear()
        try:
            with self.ctx.write() as s:
                result = self.write(s)
                if result is None:
                    raise _NotReady
        except _NotReady:
            return False
        except PinMismatch as exc:
            self.form.show_errors({"pin": exc.fields["pin"] + " " + _("Correct the PIN.")})
            return False
        except ValidationError as exc:
            rest = self.form.show_errors(exc.fields)
            if rest:
                self.message.setText("\n".join(rest.values()))
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        self.result_ = result
        bus.changed.emit(result.changes)
        return True


def _index_of(combo: QComboBox, value) -> int:
    """The row holding ``value``; compared in Python because findData does not match a UUID reliably."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == value), -1)


class _NotReady(Exception):
    """The form has a bad field: leave the unit of work without writing."""


class PersonFields:
    """The few fields a newborn or a newcomer needs; the full member form can add the rest later."""

    def __init__(self, form: FormPanel, *, with_birth_date: bool = True, surname: str = ""):
        self.surname = form.add("surname", _("Surname"), QLineEdit(surname))
        self.given_name = form.add("given_name", _("Given name"), QLineEdit())
        self.father_name = form.add("father_name", _("Father's name"), QLineEdit())
        self.sex = form.add("sex", _("Sex"), CodeCombo(codes.SEXES, blank=True))
        self.birth_date = form.add("birth_date", _("Birth date"), DateField()) if with_birth_date else None
        self.pin = form.add("pin", _("PIN (if known)"), QLineEdit())
        self.pin.setMaxLength(20)

    def data(self, birth_date: dt.date | None) -> PersonData:
        return PersonData(surname=self.surname.text(), given_name=self.given_name.text(), sex=self.sex.code(),
                          father_name=self.father_name.text(), birth_date=birth_date, pin=self.pin.text())


# --------------------------------------------------------------------------- birth and death


class BirthDialog(MovementDialog):
    def __init__(self, ctx, card, parent=None):
        self.title = _("Record a birth")
        super().__init__(ctx, card, parent)
        head = card.head.person.data.surname if card.head else ""
        self.person = PersonFields(self.form, with_birth_date=False, surname=head)
        self.on_date = self.add_date(_("Birth date"), "birth_date")
        mothers = [m for m in card.current_members if m.person.data.sex == "F"]
        self.mother = self.form.add("mother", _("Mother"), self.member_combo(mothers, blank=True))
        self.relation_hint = QLabel()
        self.relation_hint.setObjectName("relation_hint")
        self.form.form.addRow(_("Relation to the head"), self.relation_hint)
        self.relation = self.form.add("relation", _("Relation (when there is no mother here)"),
                                      CodeCombo(codes.RELATIONS, blank=True))
        self.act_number = self.form.add("act_number", _("Civil-status act No."), QLineEdit())
        self.add_basis()
        self.basis_kind.set_code("birth_certificate")
        self._relations = {m.person.id: m.relation for m in mothers}
        self.mother.currentIndexChanged.connect(lambda _i: self._hint())
        self.person.sex.currentIndexChanged.connect(lambda _i: self._hint())
        if len(mothers) >= 1:
            # The youngest woman of the household is the likeliest mother of a newborn.
            youngest = max(mothers, key=lambda m: m.person.data.birth_date or dt.date.min)
            self.mother.setCurrentIndex(_index_of(self.mother, youngest.person.id))
        self._hint()
        self.dirty = False
        self.person.given_name.setFocus()

    def _hint(self) -> None:
        mother = self.mother.currentData()
        sex = self.person.sex.code()
        if mother is None or not sex:
            self.relation_hint.setText("—")
        else:
            self.relation_hint.setText(codes.label(
                codes.RELATIONS, movements.child_relation(self._relations[mother], sex)))

    def write(self, session):
        dates = self.dates("birth_date")
        if dates is None:
            return None
        return movements.record_birth(
            session, self.card.id, self.person.data(dates["birth_date"]), mother_id=self.mother.currentData(),
            relation=self.relation.code() or None, act_number=self.act_number.text(), basis=self.basis())


class DeathDialog(MovementDialog):
    def __init__(self, ctx, card, person_id: uuid.UUID, parent=None):
        self.title = _("Record a death")
        super().__init__(ctx, card, parent)
        self.person_id = person_id
        member = next(m for m in card.members if m.person.id == person_id)
        self.form.form.addRow(_("Person"), QLabel(member.person.full_name(current_language())))
        self.on_date = self.add_date(_("Date of death"))
        self.act_number = self.form.add("act_number", _("Civil-status act No."), QLineEdit())
        self.add_basis()
        self.basis_kind.set_code("death_certificate")
        self.dirty = False

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        return movements.record_death(session, self.person_id, on=dates["on_date"],
                                      act_number=self.act_number.text(), basis=self.basis())


# --------------------------------------------------------------------------- arrival, departure, return


class ArrivalDialog(MovementDialog):
    """A newcomer arrives into this household, or (``card`` None) opens a new household of the book."""

    def __init__(self, ctx, card: HouseholdCard | None, parent=None):
        self.title = _("Record an arrival")
        self.new_household = card is None
        super().__init__(ctx, card or _EMPTY_CARD, parent)
        if self.new_household:
            self.heading.setText(_("The newcomer opens a new household"))
            with ctx.read() as s:
                villages = territory.list_villages(s)
                account = households.next_account_number(s)
            self.account = self.form.add("account_number", _("Account No."), QLineEdit(account))
            self.village = self.form.add("village_id", _("Village"), QComboBox())
            for v in villages:
                self.village.addItem(v.name(), v.id)
            self.house_number = self.form.add("house_number", _("House No."), QLineEdit())
            self.address_note = self.form.add("address_note", _("Address note"), QLineEdit())
        self.person = PersonFields(self.form)
        if not self.new_household:
            self.relation = self.form.add("relation", _("Relation to the head"), CodeCombo(codes.RELATIONS))
            self.relation.set_code("other_relative")
        self.on_date = self.add_date(_("Arrival date"))
        self.place = self.form.add("place", _("From where (aiyl aimak, rayon, oblast)"), QLineEdit())
        self.country = self.form.add("country", _("Country (if abroad)"), QLineEdit())
        self.add_basis()
        self.basis_kind.set_code("address_sheet")
        self.dirty = False
        self.person.surname.setFocus()

    def write(self, session):
        dates = self.dates("on_date", "birth_date")
        if dates is None:
            return None
        kwargs = dict(on=dates["on_date"], place=self.place.text(), country=self.country.text(),
                      person=self.person.data(dates["birth_date"]), basis=self.basis())
        if self.new_household:
            return movements.record_arrival(session, new_household=HouseholdData(
                self.account.text(), self.village.currentData(), house_number=self.house_number.text(),
                address_note=self.address_note.text()), **kwargs)
        return movements.record_arrival(session, household_id=self.card.id, relation=self.relation.code(), **kwargs)


class DepartureDialog(MovementDialog):
    def __init__(self, ctx, card, person_id: uuid.UUID, parent=None):
        self.title = _("Record a departure")
        super().__init__(ctx, card, parent)
        self.person_id = person_id
        member = next(m for m in card.members if m.person.id == person_id)
        self.form.form.addRow(_("Person"), QLabel(member.person.full_name(current_language())))
        self.on_date = self.add_date(_("Departure date"))
        self.temporary = self.form.add("temporary", _("Temporarily (work, study, army): stays a member"),
                                       QCheckBox())
        self.place = self.form.add("place", _("To where (aiyl aimak, rayon, oblast)"), QLineEdit())
        self.country = self.form.add("country", _("Country (if abroad)"), QLineEdit())
        self.add_basis()
        self.basis_kind.set_code("address_sheet")
        self.dirty = False

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        return movements.record_departure(session, self.person_id, on=dates["on_date"],
                                          temporary=self.temporary.isChecked(), place=self.place.text(),
                                          country=self.country.text(), basis=self.basis())


class ReturnDialog(MovementDialog):
    """A temporarily absent member is back home."""

    def __init__(self, ctx, card, person_id: uuid.UUID, parent=None):
        self.title = _("Return from a temporary absence")
        super().__init__(ctx, card, parent)
        self.person_id = person_id
        member = next(m for m in card.members if m.person.id == person_id)
        self.form.form.addRow(_("Person"), QLabel(member.person.full_name(current_language())))
        self.on_date = self.add_date(_("Return date"))
        self.place = self.form.add("place", _("From where"), QLineEdit())
        self.country = self.form.add("country", _("Country (if abroad)"), QLineEdit())
        self.add_basis()
        self.dirty = False

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        return movements.record_arrival(session, on=dates["on_date"], place=self.place.text(),
                                        country=self.country.text(), household_id=self.card.id,
                                        person_id=self.person_id, basis=self.basis())


# --------------------------------------------------------------------------- transfer, split, head


class TransferDialog(MovementDialog):
    def __init__(self, ctx, card, person_id: uuid.UUID, parent=None):
        self.title = _("Transfer to another household")
        super().__init__(ctx, card, parent)
        self.person_id = person_id
        member = next(m for m in card.members if m.person.id == person_id)
        self.form.form.addRow(_("Person"), QLabel(member.person.full_name(current_language())))
        self.account = self.form.add("household", _("Into household (account No.)"), QLineEdit())
        self.relation = self.form.add("relation", _("Relation to the head there"), CodeCombo(codes.RELATIONS))
        self.relation.set_code("other_relative")
        self.on_date = self.add_date()
        others = [m for m in card.current_members if m.person.id != person_id]
        self.new_head = self.form.add("new_head", _("New head here (when the head leaves)"),
                                      self.member_combo(others, blank=True))
        self.new_head.setEnabled(member.relation == "head")
        self.add_basis()
        self.basis_kind.set_code("application")
        self.dirty = False
        self.account.setFocus()

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        try:
            target = households.household_id_by_account(session, self.account.text())
        except OkmotError as exc:
            self.form.show_errors({"household": exc.message})
            return None
        return movements.transfer_member(session, self.person_id, to_household_id=target,
                                         relation=self.relation.code(), on=dates["on_date"],
                                         new_head_id=self.new_head.currentData(), basis=self.basis())


class SplitDialog(MovementDialog):
    """Some members open their own account; relations to the new head are derived for them."""

    def __init__(self, ctx, card, parent=None):
        self.title = _("Split off a new household")
        super().__init__(ctx, card, parent)
        with ctx.read() as s:
            villages = territory.list_villages(s)
            account = households.next_account_number(s)
        self.members = self.form.add("members", _("Members who move"), QListWidget())
        self.members.setObjectName("split_members")
        for m in card.current_members:
            item = QListWidgetItem(f"{m.person.full_name(current_language())} "
                                   f"({codes.label(codes.RELATIONS, m.relation)})")
            item.setData(Qt.ItemDataRole.UserRole, m.person.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        self.members.setMaximumHeight(140)
        self.members.itemChanged.connect(lambda _i: (self._heads(), self.mark_dirty()))
        self.new_head = self.form.add("new_head", _("Head of the new household"), QComboBox())
        self.old_head = self.form.add("old_head", _("Head who stays here (when the head moves)"),
                                      self.member_combo(card.current_members, blank=True))
        self.account = self.form.add("account_number", _("New account No."), QLineEdit(account))
        self.village = self.form.add("village_id", _("Village"), QComboBox())
        for v in villages:
            self.village.addItem(v.name(), v.id)
        self.village.setCurrentIndex(max(_index_of(self.village, card.data.village_id), 0))
        self.house_number = self.form.add("house_number", _("House No."), QLineEdit())
        self.address_note = self.form.add("address_note", _("Address note"), QLineEdit())
        self.on_date = self.add_date()
        self.add_basis()
        self.basis_kind.set_code("application")
        self._heads()
        self.dirty = False

    def checked(self) -> list[uuid.UUID]:
        return [self.members.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.members.count())
                if self.members.item(i).checkState() == Qt.CheckState.Checked]

    def check(self, person_id: uuid.UUID) -> None:
        for i in range(self.members.count()):
            if self.members.item(i).data(Qt.ItemDataRole.UserRole) == person_id:
                self.members.item(i).setCheckState(Qt.CheckState.Checked)

    def _heads(self) -> None:
        chosen = self.checked()
        current = self.new_head.currentData()
        self.new_head.clear()
        for m in self.card.current_members:
            if m.person.id in chosen:
                self.new_head.addItem(m.person.full_name(current_language()), m.person.id)
        if current in chosen:
            self.new_head.setCurrentIndex(_index_of(self.new_head, current))
        moving_head = any(m.relation == "head" and m.person.id in chosen for m in self.card.current_members)
        self.old_head.setEnabled(moving_head)

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        return movements.split_household(
            session, self.card.id, members=self.checked(), new_head_id=self.new_head.currentData(),
            new_household=HouseholdData(self.account.text(), self.village.currentData(),
                                        house_number=self.house_number.text(),
                                        address_note=self.address_note.text()),
            on=dates["on_date"], old_head_id=self.old_head.currentData() if self.old_head.isEnabled() else None,
            basis=self.basis())


class HeadChangeDialog(MovementDialog):
    def __init__(self, ctx, card, parent=None):
        self.title = _("Change of head")
        super().__init__(ctx, card, parent)
        candidates = [m for m in card.current_members if m.relation != "head"]
        self.new_head = self.form.add("new_head", _("New head"), self.member_combo(candidates))
        self.form.form.addRow("", QLabel(_("The other members' relations to the new head are worked out for you; "
                                           "check them on the Members tab afterwards.")))
        self.on_date = self.add_date()
        self.add_basis()
        self.basis_kind.set_code("application")
        self.dirty = False

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        if self.new_head.currentData() is None:
            self.form.show_errors({"new_head": _("Choose the new head.")})
            return None
        return movements.change_head(session, self.card.id, self.new_head.currentData(), on=dates["on_date"],
                                     basis=self.basis())


class CorrectionDialog(MovementDialog):
    """Correct or cancel an entry of the history; the entry itself stays, the correction follows it."""

    def __init__(self, ctx, card, entry: HistoryEntry, parent=None):
        self.title = _("Correct an entry")
        super().__init__(ctx, card, parent)
        self.entry = entry
        self.form.form.addRow(_("Entry"), QLabel(f"{format_date(entry.on_date)} "
                                                 f"{codes.label(codes.MOVEMENT_KINDS, entry.kind)} "
                                                 f"{entry.person_name}"))
        self.reason = self.form.add("reason", _("Why it is corrected"), QLineEdit())
        self.cancel_entry = self.form.add("cancel", _("Cancel the entry: it was a mistake"), QCheckBox())
        self.on_date = self.add_date(_("Right date"))
        self.on_date.set_value(entry.on_date)
        self.place = self.form.add("place", _("Place"), QLineEdit(entry.place))
        self.act_number = self.form.add("act_number", _("Civil-status act No."), QLineEdit(entry.act_number))
        self.add_basis()
        self.basis_kind.set_code(entry.basis_kind)
        self.basis_number.setText(entry.basis_number)
        self.basis_text.setText(entry.basis_text)
        self.note.setEnabled(False)  # the reason is the correction's note
        self.dirty = False
        self.reason.setFocus()

    def write(self, session):
        dates = self.dates("on_date")
        if dates is None:
            return None
        cancel = self.cancel_entry.isChecked()
        return movements.correct_movement(
            session, self.entry.id, reason=self.reason.text(), cancel=cancel,
            on_date=None if cancel or dates["on_date"] == self.entry.on_date else dates["on_date"],
            place=self.place.text(), act_number=self.act_number.text(), basis=self.basis())


_EMPTY_CARD = HouseholdCard(
    id=uuid.UUID(int=0), version=0, data=HouseholdData("", None), village_ky="", village_ru="", street_ky="",
    street_ru="", status="open", closed_on=None, close_reason="", members=(), dwelling=None, land={}, livestock={},
    machinery=())


# --------------------------------------------------------------------------- history table


HISTORY_COLUMNS = ("date", "kind", "person", "details", "basis", "recorded_by")


def _history_headers() -> dict[str, str]:
    return {"date": _("Date"), "kind": _("Entry"), "person": _("Person"), "details": _("Details"),
            "basis": _("Basis"), "recorded_by": _("Recorded by")}


def entry_details(e: HistoryEntry) -> str:
    """The "details" cell: where from or to, the other household, the act number, the note."""
    parts = []
    if e.kind == "transfer" or e.kind == "split":
        if e.direction == "in":
            parts.append(_("from household {account}").format(account=e.account_number))
        else:
            parts.append(_("to household {account}").format(account=e.other_account_number))
    elif e.where:
        arrow = _("to {place}") if e.kind == "departure" else _("from {place}")
        parts.append(arrow.format(place=e.where))
    if e.kind == "departure":
        parts.append(_("temporarily") if e.temporary else _("for good"))
    if e.kind == "arrival" and e.temporary:
        parts.append(_("back from a temporary absence"))
    if e.kind == "birth" and e.other_person_name:
        parts.append(_("mother: {name}").format(name=e.other_person_name))
    if e.kind == "head_change" and e.other_person_name:
        parts.append(_("before: {name}").format(name=e.other_person_name))
    if e.act_number:
        parts.append(_("act No. {number}").format(number=e.act_number))
    if e.note:
        parts.append(e.note)
    if e.cancelled:
        parts.append(_("(cancelled)"))
    elif e.corrected_by:
        parts.append(_("(corrected)"))
    return "; ".join(parts)


class HistoryModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[HistoryEntry] = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def entry_at(self, row: int) -> HistoryEntry:
        return self._rows[row]

    def entry_by_id(self, entry_id) -> HistoryEntry | None:
        return next((e for e in self._rows if e.id == entry_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HISTORY_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(HISTORY_COLUMNS):
            return _history_headers()[HISTORY_COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        e = self._rows[index.row()]
        column = HISTORY_COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                "date": format_date(e.on_date),
                "kind": codes.label(codes.MOVEMENT_KINDS, e.kind),
                "person": e.person_name,
                "details": entry_details(e),
                "basis": e.basis,
                "recorded_by": e.recorded_by,
            }[column]
        if role == Qt.ItemDataRole.ForegroundRole and (e.cancelled or e.kind in movements.CORRECTING_KINDS):
            return QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.FontRole and e.cancelled:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return _("Recorded {when} by {who}").format(when=e.recorded_at.strftime("%d.%m.%Y %H:%M"),
                                                        who=e.recorded_by or "—")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
