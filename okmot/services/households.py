"""Households: open, edit and close accounts of the book; read a household card; members over time."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.errors import ConflictError, NotFoundError, ValidationError
from okmot.i18n import _
from okmot.identity.names import fix_lookalikes
from okmot.models import Household, Membership, Movement, Person, Street, Village
from okmot.services import farm, persons, settings
from okmot.services.changes import Changes
from okmot.services.persons import PersonCheck, PersonData, PersonRecord
from okmot.permissions import require_session

if TYPE_CHECKING:
    from okmot.services.movements import Basis


@dataclass(frozen=True)
class HouseholdData:
    """Editable fields of a household's title page."""

    account_number: str
    village_id: uuid.UUID | None
    street_id: uuid.UUID | None = None
    house_number: str = ""
    apartment: str = ""
    address_note: str = ""
    phone: str = ""
    opened_on: dt.date | None = None


@dataclass(frozen=True)
class MemberRow:
    membership_id: uuid.UUID
    person: PersonRecord
    relation: str
    from_date: dt.date | None
    to_date: dt.date | None
    end_reason: str

    @property
    def current(self) -> bool:
        return self.to_date is None


@dataclass(frozen=True)
class HouseholdCard:
    id: uuid.UUID
    version: int
    data: HouseholdData
    village_ky: str
    village_ru: str
    street_ky: str
    street_ru: str
    status: str
    closed_on: dt.date | None
    close_reason: str
    members: tuple[MemberRow, ...]
    dwelling: farm.DwellingData | None
    land: dict[int, tuple[farm.PlotData, ...]]
    livestock: dict[int, dict[str, int]]
    machinery: tuple[farm.MachineData, ...]

    @property
    def current_members(self) -> tuple[MemberRow, ...]:
        return tuple(m for m in self.members if m.current)

    @property
    def head(self) -> MemberRow | None:
        return next((m for m in self.members if m.current and m.relation == "head"), None)

    def address(self, language: str) -> str:
        street = self.street_ru if language == "ru" else self.street_ky
        text = " ".join(p for p in (street, self.data.house_number) if p)
        if self.data.apartment:
            text += f", {self.data.apartment}"
        if self.data.address_note:
            text = f"{text}, {self.data.address_note}" if text else self.data.address_note
        return text


def _load(session: Session, household_id: uuid.UUID) -> Household:
    hh = session.get(Household, household_id)
    if hh is None or hh.deleted_at is not None:
        raise NotFoundError(_("The household was not found; it may have been removed."))
    return hh


def _check_version(obj, expected: int | None, what: str) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError(_("Someone else changed this {what} meanwhile. Close the form and open it again.")
                            .format(what=what))


def next_account_number(session: Session) -> str:
    """A free account number one above the highest numeric one (numbers keep their width)."""
    numbers = session.scalars(select(Household.account_number).where(Household.deleted_at.is_(None)))
    best, width = 0, 4
    for n in numbers:
        if n.isdigit():
            if int(n) >= best:
                best, width = int(n), max(width, len(n))
    return str(best + 1).zfill(width)


def _validate(session: Session, data: HouseholdData, *, household_id: uuid.UUID | None) -> tuple[HouseholdData, uuid.UUID]:
    errors = {}
    account = data.account_number.strip()
    aimak_id = None
    village = session.get(Village, data.village_id) if data.village_id else None
    if village is None or village.deleted_at is not None:
        errors["village_id"] = _("Choose the village.")
    else:
        aimak_id = village.aimak_id
    if not account:
        errors["account_number"] = _("Enter the account number.")
    elif aimak_id is not None:
        clash = session.scalar(select(Household.id).where(
            Household.aimak_id == aimak_id, Household.account_number == account,
            Household.deleted_at.is_(None), Household.id != household_id if household_id else True))
        if clash:
            errors["account_number"] = _("Account number {account} is already used by another household.").format(
                account=account)
    if data.street_id is not None:
        street = session.get(Street, data.street_id)
        if street is None or (village is not None and street.village_id != village.id):
            errors["street_id"] = _("The street does not belong to the chosen village.")
    if data.opened_on and data.opened_on > dt.date.today():
        errors["opened_on"] = _("The opening date is in the future.")
    if errors:
        raise ValidationError(errors)
    clean = HouseholdData(account, data.village_id, data.street_id, data.house_number.strip(),
                          data.apartment.strip(), fix_lookalikes(data.address_note).text, data.phone.strip(),
                          data.opened_on)
    return clean, aimak_id


def _apply(hh: Household, data: HouseholdData) -> None:
    hh.account_number = data.account_number
    hh.village_id = data.village_id
    hh.street_id = data.street_id
    hh.house_number = data.house_number
    hh.apartment = data.apartment
    hh.address_note = data.address_note
    hh.phone = data.phone
    hh.opened_on = data.opened_on


def create_household(session: Session, data: HouseholdData, *, head: PersonData | None = None) -> tuple[uuid.UUID, Changes]:
    """Open a new account of the book, optionally with its head as the first member."""
    require_session(session, "household.edit")
    clean, aimak_id = _validate(session, data, household_id=None)
    hh = Household(aimak_id=aimak_id, status="open")
    _apply(hh, clean)
    if hh.opened_on is None:
        hh.opened_on = dt.date.today()
    session.add(hh)
    session.flush()
    changes = Changes(households=frozenset({hh.id}))
    if head is not None:
        person_id, _check = add_member(session, hh.id, head, relation="head", from_date=hh.opened_on)
        changes |= Changes(persons=frozenset({person_id}))
    return hh.id, changes


def update_household(session: Session, household_id: uuid.UUID, data: HouseholdData, *,
                     expected_version: int | None = None) -> Changes:
    require_session(session, "household.edit")
    hh = _load(session, household_id)
    _check_version(hh, expected_version, _("household"))
    clean, aimak_id = _validate(session, data, household_id=household_id)
    _apply(hh, clean)
    hh.aimak_id = aimak_id
    session.flush()
    return Changes(households=frozenset({hh.id}))


def close_household(session: Session, household_id: uuid.UUID, *, on: dt.date, reason: str,
                    basis: Basis | None = None) -> Changes:
    """Close the account on ``on``; recorded as a "close" movement in the household's history.

    Members' stays are left as they were: a closed household still shows who lived in it last.
    """
    require_session(session, "household.edit")
    hh = _load(session, household_id)
    errors = {}
    if hh.status == "closed":
        errors["status"] = _("The household is already closed.")
    if not reason.strip():
        errors["close_reason"] = _("Enter the reason for closing.")
    if on > dt.date.today():
        errors["closed_on"] = _("The closing date is in the future.")
    if hh.opened_on and on < hh.opened_on:
        errors["closed_on"] = _("The closing date is before the household was opened.")
    if errors:
        raise ValidationError(errors)
    hh.status = "closed"
    hh.closed_on = on
    hh.close_reason = reason.strip()
    _record_movement(session, "close", on, hh.id, basis, hh.close_reason)
    session.flush()
    return Changes(households=frozenset({hh.id}))


def reopen_household(session: Session, household_id: uuid.UUID, *, on: dt.date | None = None,
                     basis: Basis | None = None) -> Changes:
    """Reopen a closed account (from ``on``, today by default), recorded as a "reopen" movement."""
    require_session(session, "household.edit")
    hh = _load(session, household_id)
    if hh.status != "closed":
        raise ValidationError({"status": _("The household is open already.")})
    on = on or dt.date.today()
    if on > dt.date.today():
        raise ValidationError({"on_date": _("The date is in the future.")})
    if hh.closed_on and on < hh.closed_on:
        raise ValidationError({"on_date": _("The household cannot be reopened before it was closed.")})
    previous = f"{hh.closed_on:%d.%m.%Y}: {hh.close_reason}" if hh.closed_on else hh.close_reason
    hh.status = "open"
    hh.closed_on = None
    hh.close_reason = ""
    # The closing date and reason leave the title page; the history keeps them.
    _record_movement(session, "reopen", on, hh.id, basis, previous)
    session.flush()
    return Changes(households=frozenset({hh.id}))


def _record_movement(session: Session, kind: str, on: dt.date, household_id: uuid.UUID, basis: Basis | None,
                     text: str) -> None:
    note = " ".join(p for p in (text, basis.note if basis else "") if p)
    session.add(Movement(kind=kind, on_date=on, household_id=household_id, note=note,
                         basis_kind=basis.kind if basis else "", basis_number=basis.number if basis else "",
                         basis_text=basis.text if basis else ""))


def _check_relation(session: Session, household_id: uuid.UUID, relation: str,
                    exclude_person: uuid.UUID | None = None) -> None:
    if relation not in codes.RELATIONS:
        raise ValidationError({"relation": _("Choose the relation to the head.")})
    if relation == "head":
        q = select(Membership.person_id).where(
            Membership.household_id == household_id, Membership.relation == "head",
            Membership.to_date.is_(None), Membership.deleted_at.is_(None))
        if exclude_person:
            q = q.where(Membership.person_id != exclude_person)
        if session.scalar(q):
            raise ValidationError({"relation": _("The household already has a head.")})


def add_member(session: Session, household_id: uuid.UUID, data: PersonData, *, relation: str,
               from_date: dt.date | None = None) -> tuple[uuid.UUID, PersonCheck]:
    """Record a new person as a member of the household from ``from_date``."""
    require_session(session, "household.edit")
    hh = _load(session, household_id)
    if hh.status == "closed":
        raise ValidationError({"status": _("The household is closed; reopen it to add members.")})
    _check_relation(session, household_id, relation)
    result = persons.validated(session, data)
    person = persons.new_person(result.data)
    session.add(person)
    session.flush()
    membership = Membership(household_id=household_id, person_id=person.id, relation=relation,
                            from_date=from_date)
    _follow_status(membership, result.data)
    session.add(membership)
    session.flush()
    return person.id, result


def update_member(session: Session, household_id: uuid.UUID, person_id: uuid.UUID, data: PersonData, *,
                  relation: str, expected_version: int | None = None) -> tuple[Changes, PersonCheck]:
    """Save a member's personal data and their relation to the head."""
    require_session(session, "household.edit")
    membership = _current_membership(session, household_id, person_id)
    if membership.relation != relation:
        _check_relation(session, household_id, relation, exclude_person=person_id)
        membership.relation = relation
    old_status = persons.load(session, person_id).residence_status
    result = persons.update_person(session, person_id, data, expected_version=expected_version)
    _follow_status(membership, result.data)
    if old_status != result.data.residence_status:
        # Imported here: okmot.services.movements builds on this module.
        from okmot.services import movements
        movements.journal_form_status(session, membership, person_id, old_status, result.data.residence_status,
                                      result.data.status_date)
    return Changes(households=frozenset({household_id}), persons=frozenset({person_id})), result


#: A person with one of these statuses no longer lives in the household: their stay ends.
_ENDING_STATUSES = {"left": "left", "deceased": "died"}


def _follow_status(membership: Membership, data: PersonData) -> None:
    """Keep the membership in step with the residence status set on the form.

    Marking a member as left or deceased ends their stay on the status date (today if none);
    setting them back to living (a correction) reopens the stay that the status had ended.
    """
    reason = _ENDING_STATUSES.get(data.residence_status)
    if reason and membership.to_date is None:
        membership.to_date = data.status_date or dt.date.today()
        membership.end_reason = reason
    elif reason is None and membership.to_date is not None and membership.end_reason in _ENDING_STATUSES.values():
        membership.to_date = None
        membership.end_reason = ""


def _current_membership(session: Session, household_id: uuid.UUID, person_id: uuid.UUID) -> Membership:
    m = session.scalar(select(Membership).where(
        Membership.household_id == household_id, Membership.person_id == person_id,
        Membership.deleted_at.is_(None)).order_by(Membership.to_date.is_(None).desc(), Membership.to_date.desc()))
    if m is None:
        raise NotFoundError(_("The person is not a member of this household."))
    return m


def _membership_rows(session: Session, conds) -> list[tuple[Membership, Person]]:
    q = (select(Membership, Person).join(Person, Person.id == Membership.person_id)
         .where(*conds, Membership.deleted_at.is_(None), Person.deleted_at.is_(None)))
    return [(m, p) for m, p in session.execute(q)]


def _member_sort_key(row: tuple[Membership, Person]):
    m, p = row
    order = list(codes.RELATIONS).index(m.relation) if m.relation in codes.RELATIONS else 99
    return (m.to_date is not None, order, p.birth_date or dt.date.min)


def members_as_of(session: Session, household_id: uuid.UUID, on: dt.date) -> list[MemberRow]:
    """Who lived in the household on date ``on``: memberships that had begun and not yet ended."""
    rows = _membership_rows(session, [
        Membership.household_id == household_id,
        or_(Membership.from_date.is_(None), Membership.from_date <= on),
        or_(Membership.to_date.is_(None), Membership.to_date > on),
        or_(Person.birth_date.is_(None), Person.birth_date <= on),
    ])
    return [_member_row(m, p) for m, p in sorted(rows, key=_member_sort_key)]


def _member_row(m: Membership, p: Person) -> MemberRow:
    return MemberRow(m.id, PersonRecord(p.id, p.version, persons.to_data(p)), m.relation, m.from_date,
                     m.to_date, m.end_reason or "")


def get_card(session: Session, household_id: uuid.UUID) -> HouseholdCard:
    """Everything the household card shows, read in a handful of queries."""
    hh = _load(session, household_id)
    village = session.get(Village, hh.village_id)
    street = session.get(Street, hh.street_id) if hh.street_id else None
    rows = _membership_rows(session, [Membership.household_id == household_id])
    members = tuple(_member_row(m, p) for m, p in sorted(rows, key=_member_sort_key))
    return HouseholdCard(
        id=hh.id, version=hh.version,
        data=HouseholdData(hh.account_number, hh.village_id, hh.street_id, hh.house_number or "",
                           hh.apartment or "", hh.address_note or "", hh.phone or "", hh.opened_on),
        village_ky=village.name_ky, village_ru=village.name_ru,
        street_ky=street.name_ky if street else "", street_ru=street.name_ru if street else "",
        status=hh.status, closed_on=hh.closed_on, close_reason=hh.close_reason or "",
        members=members,
        dwelling=farm.get_dwelling(session, household_id),
        land=farm.land_by_year(session, household_id),
        livestock=farm.livestock_by_year(session, household_id),
        machinery=tuple(farm.list_machinery(session, household_id)),
    )


def household_id_by_account(session: Session, account: str) -> uuid.UUID:
    office = settings.get(session, "office_id")
    q = select(Household.id).where(Household.account_number == account.strip(), Household.deleted_at.is_(None))
    if office:
        q = q.where(Household.aimak_id == uuid.UUID(office))
    hid = session.scalar(q)
    if hid is None:
        raise NotFoundError(_("No household has account number {account}.").format(account=account))
    return hid


def count_open_members(session: Session, household_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(Membership).where(and_(
        Membership.household_id == household_id, Membership.to_date.is_(None),
        Membership.deleted_at.is_(None)))) or 0
