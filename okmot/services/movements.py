"""Movements of the household book: births, deaths, arrivals, departures, transfers, splits, head changes.

Every verb writes one ``Movement`` (the entry a clerk sees in the history) and changes the stays
(``Membership``) and residence statuses in the same unit of work, so "who lived here on D" and
"what happened when" never disagree. Nothing is deleted: a mistaken entry is answered by a
correcting entry (``correct_movement``) that points at it.

Dates follow ``Membership``: a stay that ends on D means the person no longer belongs on D, and a
stay that begins on D means they belong from D. A split or transfer on D therefore ends one stay
and begins the other on the same D with no gap and no overlap.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.db.journal import tombstone
from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import _
from okmot.identity.names import fix_lookalikes
from okmot.models import ChangeLog, Household, Membership, Movement, Person
from okmot.services import households, persons
from okmot.services.changes import Changes
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData
from okmot.permissions import require_session

#: Corrections point at the entry they fix; they are never themselves the target of one.
CORRECTING_KINDS = ("correction", "cancellation")
#: Kinds whose entry can be cancelled by a correcting entry (the stay or status they set is undone).
CANCELLABLE = ("birth", "death", "departure", "arrival")
#: Kinds whose date a correction may move (the stay and status dates follow).
REDATABLE = ("birth", "death", "departure", "arrival", "close")
FORM_NOTE = "member form"


@dataclass(frozen=True)
class Basis:
    """The document an entry rests on: kind (codes.BASIS_KINDS), number and free text, plus a note."""

    kind: str = ""
    number: str = ""
    text: str = ""
    note: str = ""


@dataclass(frozen=True)
class MovementResult:
    """What a movement wrote: its entries, the person and household it concerns, and what to refresh."""

    movement_ids: tuple[uuid.UUID, ...]
    changes: Changes
    person_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    #: Things the clerk should know (a household left without a head, a name corrected).
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a household's or a person's history, with codes left for the view to translate."""

    id: uuid.UUID
    kind: str
    on_date: dt.date
    household_id: uuid.UUID
    account_number: str
    person_id: uuid.UUID | None
    person_name: str
    other_household_id: uuid.UUID | None
    other_account_number: str
    other_person_id: uuid.UUID | None
    other_person_name: str
    place: str
    country: str
    temporary: bool
    basis_kind: str
    basis_number: str
    basis_text: str
    act_number: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    corrects_id: uuid.UUID | None
    #: Later entries that correct this one (their ids), and whether one of them cancels it.
    corrected_by: tuple[uuid.UUID, ...] = ()
    cancelled: bool = False
    #: For a transfer or split seen from one household: "out" (left it) or "in" (came to it).
    direction: str = ""

    @property
    def basis(self) -> str:
        parts = [codes.label(codes.BASIS_KINDS, self.basis_kind), self.basis_number, self.basis_text]
        return " ".join(p for p in parts if p)

    @property
    def where(self) -> str:
        return ", ".join(p for p in (self.place, self.country) if p)


# --------------------------------------------------------------------------- helpers


def _check_date(on: dt.date | None, field: str = "on_date") -> dt.date:
    if on is None:
        raise ValidationError({field: _("Enter the date.")})
    if on > dt.date.today():
        raise ValidationError({field: _("The date is in the future.")})
    if on.year < 1900:
        raise ValidationError({field: _("The date is too far in the past.")})
    return on


def _check_basis(basis: Basis) -> Basis:
    if basis.kind and basis.kind not in codes.BASIS_KINDS:
        raise ValidationError({"basis_kind": _("Choose the kind of document.")})
    return Basis(basis.kind, basis.number.strip(), fix_lookalikes(basis.text.strip()).text,
                 fix_lookalikes(basis.note.strip()).text)


def _open_household(session: Session, household_id: uuid.UUID) -> Household:
    hh = households._load(session, household_id)
    if hh.status == "closed":
        raise ValidationError({"household": _("Household {account} is closed; reopen it first.").format(
            account=hh.account_number)})
    return hh


def _not_before_opening(hh: Household, on: dt.date) -> None:
    if hh.opened_on and on < hh.opened_on:
        raise ValidationError({"on_date": _("The date is before household {account} was opened ({date}).").format(
            account=hh.account_number, date=hh.opened_on.strftime("%d.%m.%Y"))})


def _current_stay(session: Session, person_id: uuid.UUID) -> Membership | None:
    return session.scalar(select(Membership).where(
        Membership.person_id == person_id, Membership.to_date.is_(None), Membership.deleted_at.is_(None))
        .order_by(Membership.from_date.desc()))


def _member_stay(session: Session, household_id: uuid.UUID, person_id: uuid.UUID) -> Membership:
    stay = _current_stay(session, person_id)
    if stay is None or stay.household_id != household_id:
        raise ValidationError({"person": _("The person is not a current member of this household.")})
    return stay


def _current_stays(session: Session, household_id: uuid.UUID) -> list[Membership]:
    return list(session.scalars(select(Membership).where(
        Membership.household_id == household_id, Membership.to_date.is_(None), Membership.deleted_at.is_(None))))


def _not_before_stay(stay: Membership, on: dt.date) -> None:
    if stay.from_date and on < stay.from_date:
        raise ValidationError({"on_date": _("The date is before the person joined the household ({date}).").format(
            date=stay.from_date.strftime("%d.%m.%Y"))})


def _end_stay(stay: Membership, on: dt.date, reason: str) -> None:
    _not_before_stay(stay, on)
    stay.to_date = on
    stay.end_reason = reason


def _begin_stay(session: Session, household_id: uuid.UUID, person_id: uuid.UUID, relation: str,
                on: dt.date | None) -> Membership:
    stay = Membership(household_id=household_id, person_id=person_id, relation=relation, from_date=on)
    session.add(stay)
    return stay


def _record(session: Session, kind: str, on: dt.date, household_id: uuid.UUID, basis: Basis, **fields) -> Movement:
    movement = Movement(kind=kind, on_date=on, household_id=household_id, basis_kind=basis.kind,
                        basis_number=basis.number, basis_text=basis.text, note=basis.note, **fields)
    session.add(movement)
    session.flush()
    return movement


def _name(p: Person | None) -> str:
    return " ".join(x for x in (p.surname, p.given_name) if x) if p is not None else ""


def _person(session: Session, person_id: uuid.UUID) -> Person:
    return persons.load(session, person_id)


def _living(person: Person) -> None:
    if person.residence_status not in persons.LIVING_STATUSES:
        raise ValidationError({"person": _("{name} is recorded as {status}.").format(
            name=_name(person), status=codes.label(codes.RESIDENCE_STATUSES, person.residence_status))})


def _head_notice(session: Session, household_id: uuid.UUID) -> tuple[str, ...]:
    if any(m.relation == "head" for m in _current_stays(session, household_id)):
        return ()
    hh = session.get(Household, household_id)
    if not _current_stays(session, household_id):
        return (_("Nobody lives in household {account} any more; close it if that is so.").format(
            account=hh.account_number),)
    return (_("Household {account} has no head now: choose one with Change of head.").format(
        account=hh.account_number),)


# --------------------------------------------------------------------------- relations


_CHILD_OF = {"head": ("son", "daughter"), "spouse": ("son", "daughter"),
             "son": ("grandson", "granddaughter"), "daughter": ("grandson", "granddaughter"),
             "daughter_in_law": ("grandson", "granddaughter"), "son_in_law": ("grandson", "granddaughter")}


def child_relation(mother_relation: str, child_sex: str) -> str:
    """The relation to the head of a child born to a member with ``mother_relation``."""
    pair = _CHILD_OF.get(mother_relation)
    if pair is None:
        return "other_relative"
    return pair[0] if child_sex == "M" else pair[1]


def _by_sex(sex: str, male: str, female: str) -> str:
    return male if sex == "M" else female


def relation_to_new_head(new_head_old: str, member_old: str, member_sex: str) -> str:
    """A member's relation to a new head, derived from both relations to the old head.

    Covers the common cases of the book (a son or daughter, or the spouse, takes over); anything
    else becomes "other relative" for the clerk to review.
    """
    if new_head_old in ("son", "daughter"):
        return {
            "head": _by_sex(member_sex, "father", "mother"),
            "spouse": _by_sex(member_sex, "father", "mother"),
            "son": "brother", "daughter": "sister",
            "grandson": "son", "granddaughter": "daughter",
            "father": "grandfather", "mother": "grandmother",
        }.get(member_old, "other_relative")
    if new_head_old == "spouse":
        return "spouse" if member_old == "head" else member_old
    return "other_relative"


def _split_relation(new_head_old: str, member_old: str, member_sex: str) -> str:
    """Relation in a split-off household: the young family of a son or daughter of the old head."""
    if new_head_old in ("son", "daughter"):
        return {"daughter_in_law": "spouse", "son_in_law": "spouse", "grandson": "son",
                "granddaughter": "daughter"}.get(member_old, relation_to_new_head(new_head_old, member_old, member_sex))
    return relation_to_new_head(new_head_old, member_old, member_sex)


# --------------------------------------------------------------------------- birth and death


def record_birth(session: Session, household_id: uuid.UUID, child: PersonData, *,
                 mother_id: uuid.UUID | None = None, relation: str | None = None, act_number: str = "",
                 basis: Basis = Basis()) -> MovementResult:
    """A child born into the household: a new member from the birth date, linked to the mother.

    The relation to the head is derived from the mother's (the head's or spouse's child is a son or
    daughter, a son's or daughter's child a grandchild) unless ``relation`` is given.
    """
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(child.birth_date, "birth_date")
    hh = _open_household(session, household_id)
    if mother_id is not None:
        mother_stay = next((m for m in households.members_as_of(session, household_id, on)
                            if m.person.id == mother_id), None)
        if mother_stay is None:
            raise ValidationError({"mother": _("The mother was not a member of this household on the birth date.")})
        if mother_stay.person.data.sex != "F":
            raise ValidationError({"mother": _("Choose the mother (a woman of the household).")})
        relation = relation or child_relation(mother_stay.relation, child.sex)
    if not relation:
        raise ValidationError({"relation": _("Choose the mother or the relation to the head.")})
    households._check_relation(session, household_id, relation)
    result = persons.validated(session, replace(child, residence_status="living", status_date=None))
    person = persons.new_person(result.data)
    session.add(person)
    session.flush()
    _begin_stay(session, household_id, person.id, relation, on)
    movement = _record(session, "birth", on, hh.id, basis, person_id=person.id, other_person_id=mother_id,
                       act_number=act_number.strip())
    return MovementResult((movement.id,), Changes(households=frozenset({hh.id}), persons=frozenset({person.id})),
                          person.id, hh.id, result.notices)


def record_death(session: Session, person_id: uuid.UUID, *, on: dt.date, act_number: str = "",
                 basis: Basis = Basis()) -> MovementResult:
    """A member died on ``on``: the stay ends that day and the person is kept as deceased."""
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(on)
    person = _person(session, person_id)
    _living(person)
    if person.birth_date and on < person.birth_date:
        raise ValidationError({"on_date": _("The date of death is before the birth date.")})
    stay = _current_stay(session, person_id)
    if stay is None:
        raise ValidationError({"person": _("The person is not a member of any household.")})
    _end_stay(stay, on, "died")
    person.residence_status, person.status_date = "deceased", on
    movement = _record(session, "death", on, stay.household_id, basis, person_id=person_id,
                       act_number=act_number.strip())
    return MovementResult((movement.id,), Changes(households=frozenset({stay.household_id}),
                                                  persons=frozenset({person_id})),
                          person_id, stay.household_id, _head_notice(session, stay.household_id))


# --------------------------------------------------------------------------- arrival and departure


def record_arrival(session: Session, *, on: dt.date, place: str = "", country: str = "",
                   household_id: uuid.UUID | None = None, new_household: HouseholdData | None = None,
                   person: PersonData | None = None, person_id: uuid.UUID | None = None,
                   relation: str = "other_relative", basis: Basis = Basis()) -> MovementResult:
    """Someone arrived from ``place``/``country`` into an existing household or a new one.

    ``person`` is a newcomer to the book; ``person_id`` someone already in it: a former resident
    coming back (a new stay) or a temporarily absent member returning home (the stay continues).
    Arriving into ``new_household`` opens that account on ``on`` with the arrival as its head.
    """
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(on)
    place, country = fix_lookalikes(place.strip()).text, fix_lookalikes(country.strip()).text
    if (household_id is None) == (new_household is None):
        raise ValidationError({"household": _("Choose the household the person arrives into.")})
    if (person is None) == (person_id is None):
        raise ValidationError({"person": _("Choose who arrived.")})
    existing = _person(session, person_id) if person_id is not None else None
    stay = _current_stay(session, person_id) if person_id is not None else None
    if existing is not None and stay is not None:
        if stay.household_id == household_id and existing.residence_status == "temporarily_absent":
            return _return_home(session, existing, stay, on, place, country, basis)
        raise ValidationError({"person": _("{name} already lives in a household of the book: record a transfer "
                                           "instead.").format(name=_name(existing))})
    if existing is not None and existing.residence_status == "deceased":
        _living(existing)
    if not place and not country:
        raise ValidationError({"place": _("Enter where the person came from (place or country).")})
    changes = Changes()
    if new_household is not None:
        household_id, changes = households.create_household(session, replace(new_household, opened_on=on))
        relation = "head"
    hh = _open_household(session, household_id)
    _not_before_opening(hh, on)
    households._check_relation(session, household_id, relation)
    notices: tuple[str, ...] = ()
    if existing is None:
        result = persons.validated(session, replace(person, residence_status="living", status_date=None))
        existing = persons.new_person(result.data)
        session.add(existing)
        session.flush()
        notices = result.notices
    else:
        existing.residence_status, existing.status_date = "living", None
    _begin_stay(session, household_id, existing.id, relation, on)
    movement = _record(session, "arrival", on, household_id, basis, person_id=existing.id, place=place,
                       country=country)
    changes |= Changes(households=frozenset({household_id}), persons=frozenset({existing.id}))
    return MovementResult((movement.id,), changes, existing.id, household_id, notices)


def _return_home(session: Session, person: Person, stay: Membership, on: dt.date, place: str, country: str,
                 basis: Basis) -> MovementResult:
    if person.status_date and on < person.status_date:
        raise ValidationError({"on_date": _("The return is dated before the departure ({date}).").format(
            date=person.status_date.strftime("%d.%m.%Y"))})
    person.residence_status, person.status_date = "living", None
    # temporary=True marks the end of a temporary absence, not a new stay.
    movement = _record(session, "arrival", on, stay.household_id, basis, person_id=person.id, place=place,
                       country=country, temporary=True)
    return MovementResult((movement.id,), Changes(households=frozenset({stay.household_id}),
                                                  persons=frozenset({person.id})), person.id, stay.household_id)


def record_departure(session: Session, person_id: uuid.UUID, *, on: dt.date, temporary: bool, place: str = "",
                     country: str = "", basis: Basis = Basis()) -> MovementResult:
    """A member left for ``place``/``country``.

    Temporarily (work, study, army): the person is temporarily absent and still a member.
    For good: the stay ends on ``on`` and the person is kept in the book as left.
    """
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(on)
    place, country = fix_lookalikes(place.strip()).text, fix_lookalikes(country.strip()).text
    person = _person(session, person_id)
    _living(person)
    if temporary and person.residence_status == "temporarily_absent":
        raise ValidationError({"person": _("{name} is already temporarily absent.").format(name=_name(person))})
    if not place and not country:
        raise ValidationError({"place": _("Enter where the person went (place or country).")})
    stay = _current_stay(session, person_id)
    if stay is None:
        raise ValidationError({"person": _("The person is not a member of any household.")})
    _not_before_stay(stay, on)
    if temporary:
        person.residence_status, person.status_date = "temporarily_absent", on
    else:
        _end_stay(stay, on, "left")
        person.residence_status, person.status_date = "left", on
    movement = _record(session, "departure", on, stay.household_id, basis, person_id=person_id, place=place,
                       country=country, temporary=temporary)
    notices = () if temporary else _head_notice(session, stay.household_id)
    return MovementResult((movement.id,), Changes(households=frozenset({stay.household_id}),
                                                  persons=frozenset({person_id})),
                          person_id, stay.household_id, notices)


# --------------------------------------------------------------------------- head, transfer, split


def _change_head(session: Session, household_id: uuid.UUID, new_head_id: uuid.UUID, on: dt.date, basis: Basis,
                 relations: dict[uuid.UUID, str] | None, leaving: frozenset[uuid.UUID] = frozenset()) -> Movement:
    stays = {m.person_id: m for m in _current_stays(session, household_id)}
    if new_head_id not in stays or new_head_id in leaving:
        raise ValidationError({"new_head": _("The new head must be a current member of the household.")})
    new_stay = stays[new_head_id]
    if new_stay.relation == "head":
        raise ValidationError({"new_head": _("This person is already the head.")})
    _living(_person(session, new_head_id))
    old_head = next((pid for pid, m in stays.items() if m.relation == "head"), None)
    relations = dict(relations or {})
    # The only daughter-in-law of a son who takes over is his wife (a son-in-law likewise).
    in_law = {"son": "daughter_in_law", "daughter": "son_in_law"}.get(new_stay.relation)
    in_laws = [pid for pid, m in stays.items() if in_law and m.relation == in_law and pid not in leaving]
    if len(in_laws) == 1:
        relations.setdefault(in_laws[0], "spouse")
    wanted: dict[uuid.UUID, str] = {}
    for pid, stay in stays.items():
        if pid in leaving:
            continue
        if pid == new_head_id:
            wanted[pid] = "head"
        else:
            wanted[pid] = relations.get(pid) or relation_to_new_head(new_stay.relation, stay.relation,
                                                                     _person(session, pid).sex)
        if wanted[pid] not in codes.RELATIONS:
            raise ValidationError({"relation": _("Choose the relation to the head.")})
    if list(wanted.values()).count("head") != 1:
        raise ValidationError({"relation": _("The household can have only one head.")})
    for pid, relation in wanted.items():
        stay = stays[pid]
        if stay.relation == relation:
            continue
        if stay.from_date is not None and stay.from_date >= on:
            _not_before_stay(stay, on)
            stay.relation = relation  # a stay that begins today simply takes the new relation
            continue
        # A new stay keeps "who was head on D" answerable for every past date.
        _end_stay(stay, on, "head_change")
        _begin_stay(session, household_id, pid, relation, on)
    session.flush()
    return _record(session, "head_change", on, household_id, basis, person_id=new_head_id, other_person_id=old_head)


def change_head(session: Session, household_id: uuid.UUID, new_head_id: uuid.UUID, *, on: dt.date,
                relations: dict[uuid.UUID, str] | None = None, basis: Basis = Basis()) -> MovementResult:
    """Make a current member the head from ``on``; the others' relations are re-derived unless given."""
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(on)
    hh = _open_household(session, household_id)
    _not_before_opening(hh, on)
    movement = _change_head(session, household_id, new_head_id, on, basis, relations)
    return MovementResult((movement.id,), Changes(households=frozenset({household_id}),
                                                  persons=frozenset({new_head_id})), new_head_id, household_id)


def transfer_member(session: Session, person_id: uuid.UUID, *, to_household_id: uuid.UUID, relation: str,
                    on: dt.date, new_head_id: uuid.UUID | None = None, basis: Basis = Basis()) -> MovementResult:
    """Move a member to another household of the book from ``on``, keeping the earlier stay.

    A head who moves out needs ``new_head_id`` for the household they leave, unless nobody stays.
    """
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(on)
    person = _person(session, person_id)
    _living(person)
    stay = _current_stay(session, person_id)
    if stay is None:
        raise ValidationError({"person": _("The person is not a member of any household.")})
    if stay.household_id == to_household_id:
        raise ValidationError({"household": _("Choose another household.")})
    target = _open_household(session, to_household_id)
    _not_before_opening(target, on)
    households._check_relation(session, to_household_id, relation)
    ids = []
    if stay.relation == "head":
        others = [m for m in _current_stays(session, stay.household_id) if m.person_id != person_id]
        if others and new_head_id is None:
            raise ValidationError({"new_head": _("Choose who becomes the head of the household the head leaves.")})
        if new_head_id is not None:
            ids.append(_change_head(session, stay.household_id, new_head_id, on, basis, None,
                                    leaving=frozenset({person_id})).id)
    _end_stay(stay, on, "transferred")
    _begin_stay(session, to_household_id, person_id, relation, on)
    movement = _record(session, "transfer", on, stay.household_id, basis, person_id=person_id,
                       other_household_id=to_household_id)
    ids.insert(0, movement.id)
    return MovementResult(tuple(ids), Changes(households=frozenset({stay.household_id, to_household_id}),
                                              persons=frozenset({person_id})),
                          person_id, to_household_id, _head_notice(session, stay.household_id))


def split_household(session: Session, household_id: uuid.UUID, *, members: list[uuid.UUID],
                    new_head_id: uuid.UUID, new_household: HouseholdData, on: dt.date,
                    relations: dict[uuid.UUID, str] | None = None, old_head_id: uuid.UUID | None = None,
                    basis: Basis = Basis()) -> MovementResult:
    """Some members open their own account (a son marries and sets up house).

    Their stays end in the old household and begin in the new one on ``on``; relations to the new
    head are derived unless given. If the old head moves, ``old_head_id`` names who stays as head.
    """
    require_session(session, "movement.record")
    basis = _check_basis(basis)
    on = _check_date(on)
    old = _open_household(session, household_id)
    _not_before_opening(old, on)
    moving = list(dict.fromkeys(members))
    if not moving:
        raise ValidationError({"members": _("Choose the members who open the new household.")})
    if new_head_id not in moving:
        raise ValidationError({"new_head": _("The head of the new household must be one of the members who move.")})
    stays = {m.person_id: m for m in _current_stays(session, household_id)}
    if any(pid not in stays for pid in moving):
        raise ValidationError({"members": _("Only current members of the household can move.")})
    if len(moving) == len(stays):
        raise ValidationError({"members": _("Somebody must stay in household {account}; to move everyone, "
                                            "transfer them and close it.").format(account=old.account_number)})
    for pid in moving:
        _living(_person(session, pid))
    ids: list[uuid.UUID] = []
    head_leaves = any(stays[pid].relation == "head" for pid in moving)
    if head_leaves:
        if old_head_id is None:
            raise ValidationError({"old_head": _("Choose who stays as the head of household {account}.").format(
                account=old.account_number)})
        ids.append(_change_head(session, household_id, old_head_id, on, basis, None,
                                leaving=frozenset(moving)).id)
    new_id, _changes = households.create_household(session, replace(new_household, opened_on=on))
    new_head_old = stays[new_head_id].relation
    relations = dict(relations or {})
    for pid in moving:
        stay = stays[pid]
        old_relation = stay.relation
        if pid == new_head_id:
            relation = "head"
        else:
            relation = relations.get(pid) or _split_relation(new_head_old, old_relation, _person(session, pid).sex)
        if relation not in codes.RELATIONS or (relation == "head" and pid != new_head_id):
            raise ValidationError({"relation": _("Choose the relation to the head.")})
        _end_stay(stay, on, "split")
        _begin_stay(session, new_id, pid, relation, on)
    session.flush()
    for pid in moving:
        ids.append(_record(session, "split", on, household_id, basis, person_id=pid, other_household_id=new_id,
                           other_person_id=new_head_id).id)
    return MovementResult(tuple(ids), Changes(households=frozenset({household_id, new_id}),
                                              persons=frozenset(moving)), new_head_id, new_id)


# --------------------------------------------------------------------------- closing and reopening


def close_household(session: Session, household_id: uuid.UUID, *, on: dt.date, reason: str,
                    basis: Basis = Basis()) -> MovementResult:
    """Close the account (everyone left or died), recorded as a movement; see households.close_household."""
    require_session(session, "movement.record")
    changes = households.close_household(session, household_id, on=on, reason=reason, basis=_check_basis(basis))
    movement_id = _last_movement(session, household_id, "close")
    return MovementResult((movement_id,), changes, None, household_id)


def reopen_household(session: Session, household_id: uuid.UUID, *, on: dt.date | None = None,
                     basis: Basis = Basis()) -> MovementResult:
    require_session(session, "movement.record")
    changes = households.reopen_household(session, household_id, on=on, basis=_check_basis(basis))
    return MovementResult((_last_movement(session, household_id, "reopen"),), changes, None, household_id)


def _last_movement(session: Session, household_id: uuid.UUID, kind: str) -> uuid.UUID:
    return session.scalar(select(Movement.id).where(Movement.household_id == household_id, Movement.kind == kind)
                          .order_by(Movement.changed_at.desc(), Movement.on_date.desc()).limit(1))


# --------------------------------------------------------------------------- corrections


def _load_movement(session: Session, movement_id: uuid.UUID) -> Movement:
    movement = session.get(Movement, movement_id)
    if movement is None or movement.deleted_at is not None:
        raise NotFoundError(_("The entry was not found."))
    return movement


def _corrections(session: Session, movement_id: uuid.UUID) -> list[Movement]:
    return list(session.scalars(select(Movement).where(Movement.corrects_id == movement_id,
                                                       Movement.deleted_at.is_(None))
                                .order_by(Movement.changed_at)))


def _stay_of(session: Session, movement: Movement, on: dt.date, *, begun: bool) -> Membership | None:
    """The stay a movement dated ``on`` began (birth, arrival) or ended (death, departure) in its household."""
    date_column = Membership.from_date if begun else Membership.to_date
    return session.scalar(select(Membership).where(
        Membership.household_id == movement.household_id, Membership.person_id == movement.person_id,
        date_column == on, Membership.deleted_at.is_(None)).order_by(Membership.changed_at.desc()))


def correct_movement(session: Session, movement_id: uuid.UUID, *, reason: str, cancel: bool = False,
                     on_date: dt.date | None = None, place: str | None = None, country: str | None = None,
                     act_number: str | None = None, basis: Basis | None = None) -> MovementResult:
    """Answer a mistaken entry with a correcting one; the original stays in the history.

    ``cancel`` annuls a birth, death, departure or arrival entered by mistake (the stay and status
    it set are undone). Otherwise the correction carries the right date, place, act number or basis;
    a new date moves the stay and status dates with it.
    """
    require_session(session, "movement.record")
    if not reason.strip():
        raise ValidationError({"reason": _("Enter why the entry is corrected.")})
    original = _load_movement(session, movement_id)
    if original.kind in CORRECTING_KINDS:
        raise ValidationError({"movement": _("Correct the original entry, not a correction.")})
    earlier = _corrections(session, movement_id)
    if any(c.kind == "cancellation" for c in earlier):
        raise ValidationError({"movement": _("This entry was already cancelled.")})
    current = earlier[-1] if earlier else original
    basis = _check_basis(basis) if basis is not None else Basis(current.basis_kind, current.basis_number,
                                                                current.basis_text)
    new_date = _check_date(on_date) if on_date is not None else current.on_date
    person = session.get(Person, original.person_id) if original.person_id else None
    if cancel:
        _undo(session, original, current.on_date, person)
        new_date = current.on_date
    elif new_date != current.on_date:
        if original.kind not in REDATABLE:
            raise ValidationError({"on_date": _("The date of this kind of entry cannot be corrected.")})
        _redate(session, original, current.on_date, new_date, person)
    entry = Movement(
        kind="cancellation" if cancel else "correction", on_date=new_date, household_id=original.household_id,
        person_id=original.person_id, other_household_id=original.other_household_id,
        other_person_id=original.other_person_id,
        place=fix_lookalikes(place.strip()).text if place is not None else current.place,
        country=fix_lookalikes(country.strip()).text if country is not None else current.country,
        temporary=original.temporary, basis_kind=basis.kind, basis_number=basis.number, basis_text=basis.text,
        act_number=act_number.strip() if act_number is not None else current.act_number,
        note=fix_lookalikes(reason.strip()).text, corrects_id=original.id)
    session.add(entry)
    session.flush()
    touched = {original.household_id} | ({original.other_household_id} if original.other_household_id else set())
    return MovementResult((entry.id,), Changes(households=frozenset(touched),
                                               persons=frozenset({original.person_id} if original.person_id else ())),
                          original.person_id, original.household_id)


def _undo(session: Session, original: Movement, on: dt.date, person: Person | None) -> None:
    if original.kind not in CANCELLABLE or person is None:
        raise ValidationError({"movement": _("This kind of entry cannot be cancelled: record the opposite "
                                             "movement instead.")})
    later = session.scalar(select(Movement.id).where(
        Movement.person_id == person.id, Movement.id != original.id, Movement.corrects_id.is_(None),
        Movement.deleted_at.is_(None), Movement.kind.not_in(CORRECTING_KINDS),
        or_(Movement.on_date > on, Movement.changed_at > original.changed_at)).limit(1))
    if later is not None and not _cancelled(session, later):
        raise ValidationError({"movement": _("Later entries about this person depend on this one; correct "
                                             "them first.")})
    if original.kind in ("birth", "arrival") and not original.temporary:
        stay = _stay_of(session, original, on, begun=True)
        if stay is None or stay.to_date is not None:
            raise ValidationError({"movement": _("The stay this entry began has ended since; it cannot be "
                                                 "cancelled.")})
        tombstone(stay)
        others = session.scalar(select(Membership.id).where(
            Membership.person_id == person.id, Membership.id != stay.id, Membership.deleted_at.is_(None)).limit(1))
        if others is None:
            tombstone(person)  # the person came into the book only through this mistaken entry
        else:
            person.residence_status, person.status_date = _status_after_last_stay(session, person.id, stay.id)
    elif original.kind == "arrival":  # the end of a temporary absence
        departure = session.scalar(select(Movement).where(
            Movement.person_id == person.id, Movement.kind == "departure", Movement.temporary.is_(True),
            Movement.on_date <= on).order_by(Movement.on_date.desc()))
        person.residence_status = "temporarily_absent"
        person.status_date = departure.on_date if departure is not None else None
    elif original.kind == "departure" and original.temporary:
        if person.residence_status == "temporarily_absent":
            person.residence_status, person.status_date = "living", None
    else:  # death or departure for good: the ended stay continues
        stay = _stay_of(session, original, on, begun=False)
        if stay is None or _current_stay(session, person.id) is not None:
            raise ValidationError({"movement": _("The person lives in a household again; this entry cannot be "
                                                 "cancelled.")})
        stay.to_date, stay.end_reason = None, ""
        person.residence_status, person.status_date = "living", None
    session.flush()


def _status_after_last_stay(session: Session, person_id: uuid.UUID, skip: uuid.UUID) -> tuple[str, dt.date | None]:
    last = session.scalar(select(Membership).where(
        Membership.person_id == person_id, Membership.id != skip, Membership.deleted_at.is_(None))
        .order_by(Membership.to_date.is_(None).desc(), Membership.to_date.desc()))
    if last is None or last.to_date is None:
        return "living", None
    return ("deceased" if last.end_reason == "died" else "left"), last.to_date


def _cancelled(session: Session, movement_id: uuid.UUID) -> bool:
    return session.scalar(select(Movement.id).where(Movement.corrects_id == movement_id,
                                                    Movement.kind == "cancellation",
                                                    Movement.deleted_at.is_(None)).limit(1)) is not None


def _redate(session: Session, original: Movement, old: dt.date, new: dt.date, person: Person | None) -> None:
    if original.kind == "close":
        hh = households._load(session, original.household_id)
        if hh.status == "closed" and hh.closed_on == old:
            if hh.opened_on and new < hh.opened_on:
                raise ValidationError({"on_date": _("The closing date is before the household was opened.")})
            hh.closed_on = new
        return
    if person is None:
        return
    if original.kind in ("birth", "arrival") and not original.temporary:
        stay = _stay_of(session, original, old, begun=True)
        if stay is not None:
            if stay.to_date is not None and new >= stay.to_date:
                raise ValidationError({"on_date": _("The new date is after the stay ended.")})
            stay.from_date = new
        if original.kind == "birth":
            person.birth_date = new
    elif original.kind in ("death", "departure"):
        if person.birth_date and new < person.birth_date:
            raise ValidationError({"on_date": _("The new date is before the birth date.")})
        if not original.temporary:
            stay = _stay_of(session, original, old, begun=False)
            if stay is not None:
                _end_stay(stay, new, stay.end_reason)
        if person.status_date == old:
            person.status_date = new
    session.flush()


# --------------------------------------------------------------------------- the member form


def journal_form_status(session: Session, stay: Membership, person_id: uuid.UUID, old_status: str,
                        new_status: str, on: dt.date | None) -> None:
    """Record as a movement a residence status changed directly on the member form.

    households._follow_status has already ended or reopened the stay; this keeps the history
    telling the same story: dying or leaving on the form is a death or departure entry, and
    setting a departed or deceased member back to living cancels the entry that had ended the stay.
    """
    if old_status == new_status:
        return
    on = on or dt.date.today()
    basis = Basis(note=_("Status changed on the member form."))
    person_kw = {"person_id": person_id}
    if new_status == "deceased":
        _record(session, "death", on, stay.household_id, basis, **person_kw)
    elif new_status == "left":
        _record(session, "departure", on, stay.household_id, basis, **person_kw)
    elif new_status == "temporarily_absent" and old_status == "living":
        _record(session, "departure", on, stay.household_id, basis, temporary=True, **person_kw)
    elif old_status == "temporarily_absent":
        _record(session, "arrival", on, stay.household_id, basis, temporary=True, **person_kw)
    else:
        kind = "death" if old_status == "deceased" else "departure"
        ended = session.scalar(select(Movement).where(
            Movement.person_id == person_id, Movement.kind == kind, Movement.deleted_at.is_(None))
            .order_by(Movement.on_date.desc(), Movement.changed_at.desc()).limit(1))
        if ended is not None and not _cancelled(session, ended.id):
            session.add(Movement(kind="cancellation", on_date=ended.on_date, household_id=ended.household_id,
                                 person_id=person_id, place=ended.place, country=ended.country,
                                 temporary=ended.temporary, note=basis.note, corrects_id=ended.id))
        else:
            session.add(Movement(kind="correction", on_date=on, household_id=stay.household_id,
                                 person_id=person_id, note=basis.note))
        session.flush()


# --------------------------------------------------------------------------- history


def household_history(session: Session, household_id: uuid.UUID) -> tuple[HistoryEntry, ...]:
    """Every entry about the household, its own and transfers or splits that reached it, oldest first."""
    households._load(session, household_id)
    rows = session.scalars(select(Movement).where(
        or_(Movement.household_id == household_id, Movement.other_household_id == household_id),
        Movement.deleted_at.is_(None)))
    return _entries(session, list(rows), household_id=household_id)


def person_history(session: Session, person_id: uuid.UUID) -> tuple[HistoryEntry, ...]:
    """Every entry about the person (as the subject, the mother of a newborn, the previous head), oldest first."""
    persons.load(session, person_id)
    rows = session.scalars(select(Movement).where(
        or_(Movement.person_id == person_id, Movement.other_person_id == person_id), Movement.deleted_at.is_(None)))
    return _entries(session, list(rows))


def _entries(session: Session, rows: list[Movement], *, household_id: uuid.UUID | None = None
             ) -> tuple[HistoryEntry, ...]:
    if not rows:
        return ()
    ids = [m.id for m in rows]
    recorders = dict(session.execute(select(ChangeLog.record_id, ChangeLog.user_name).where(
        ChangeLog.table_name == "movement", ChangeLog.op == "insert", ChangeLog.record_id.in_(ids))).all())
    corrections: dict[uuid.UUID, list[Movement]] = {}
    for c in session.scalars(select(Movement).where(Movement.corrects_id.in_(ids), Movement.deleted_at.is_(None))):
        corrections.setdefault(c.corrects_id, []).append(c)
    person_ids = {x for m in rows for x in (m.person_id, m.other_person_id) if x}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    hh_ids = {x for m in rows for x in (m.household_id, m.other_household_id) if x}
    accounts = dict(session.execute(select(Household.id, Household.account_number)
                                    .where(Household.id.in_(hh_ids))).all())
    out = []
    for m in sorted(rows, key=lambda r: (r.on_date, r.changed_at)):
        direction = ""
        if household_id is not None and m.kind in ("transfer", "split"):
            direction = "out" if m.household_id == household_id else "in"
        fixes = corrections.get(m.id, [])
        out.append(HistoryEntry(
            id=m.id, kind=m.kind, on_date=m.on_date, household_id=m.household_id,
            account_number=accounts.get(m.household_id, ""), person_id=m.person_id,
            person_name=_name(people.get(m.person_id)), other_household_id=m.other_household_id,
            other_account_number=accounts.get(m.other_household_id, "") if m.other_household_id else "",
            other_person_id=m.other_person_id, other_person_name=_name(people.get(m.other_person_id)),
            place=m.place or "", country=m.country or "", temporary=bool(m.temporary),
            basis_kind=m.basis_kind or "", basis_number=m.basis_number or "", basis_text=m.basis_text or "",
            act_number=m.act_number or "", note=m.note or "", recorded_by=recorders.get(m.id, ""),
            recorded_at=m.changed_at, corrects_id=m.corrects_id,
            corrected_by=tuple(c.id for c in sorted(fixes, key=lambda c: c.changed_at)),
            cancelled=any(c.kind == "cancellation" for c in fixes), direction=direction))
    return tuple(out)
