"""District work list: one person apparently living in two aiyl aimaks (same PIN, or same name and birth date)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import N_, _
from okmot.identity.names import search_key
from okmot.models import AiylAimak, Household, Membership, Person, Village
from okmot.permissions import require_session
from okmot.services import settings

#: Why two records of different offices are listed together, strongest first.
REASONS = {
    "same_pin": N_("same PIN"),
    "same_name_birth": N_("same name and birth date"),
}
#: Residence statuses of someone who no longer lives anywhere in the book: never listed.
_GONE = ("deceased", "left")


#: The setting that keeps the reviewed pairs (journaled like every setting change).
REVIEWED_KEY = "cross_office_reviewed"


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


@dataclass(frozen=True)
class OfficePerson:
    """A person as one office's book shows them now: where they live and who they are."""

    person_id: uuid.UUID
    office_code: str
    office_name_ky: str
    office_name_ru: str
    village_ky: str
    village_ru: str
    household_id: uuid.UUID
    account_number: str
    surname: str
    given_name: str
    father_name: str
    pin: str
    birth_date: dt.date | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.father_name) if p)

    def office_name(self, language: str) -> str:
        return self.office_name_ru if language == "ru" else self.office_name_ky

    def village(self, language: str) -> str:
        return self.village_ru if language == "ru" else self.village_ky

    def as_json(self) -> dict:
        return {"person_id": str(self.person_id), "office_code": self.office_code,
                "office_name_ky": self.office_name_ky, "office_name_ru": self.office_name_ru,
                "village_ky": self.village_ky, "village_ru": self.village_ru,
                "household_id": str(self.household_id), "account_number": self.account_number,
                "surname": self.surname, "given_name": self.given_name, "father_name": self.father_name,
                "pin": self.pin, "birth_date": self.birth_date.isoformat() if self.birth_date else None}


@dataclass(frozen=True)
class CrossOfficePair:
    """Two records of two offices that may be one person; ``first`` is the one of the lower office code."""

    first: OfficePerson
    second: OfficePerson
    reason: str

    @property
    def reason_text(self) -> str:
        return codes.label(REASONS, self.reason)

    @property
    def reason_label(self) -> str:
        """The untranslated label, for documents in a language other than the screen's."""
        return REASONS[self.reason]

    @property
    def pair(self) -> tuple[uuid.UUID, uuid.UUID]:
        return _pair(self.first.person_id, self.second.person_id)

    def as_json(self) -> dict:
        return {"reason": self.reason, "first": self.first.as_json(), "second": self.second.as_json()}


def _residents() -> Select:
    """Persons still in the book with a current stay, and the office, village and household of that stay."""
    return (select(Person.id, Person.surname, Person.given_name, Person.father_name, Person.pin, Person.birth_date,
                   Household.id.label("household_id"), Household.account_number, Household.aimak_id,
                   AiylAimak.code.label("office_code"), AiylAimak.name_ky.label("office_ky"),
                   AiylAimak.name_ru.label("office_ru"), Village.name_ky.label("village_ky"),
                   Village.name_ru.label("village_ru"))
            .join(Membership, Membership.person_id == Person.id)
            .join(Household, Household.id == Membership.household_id)
            .join(AiylAimak, AiylAimak.id == Household.aimak_id)
            .join(Village, Village.id == Household.village_id)
            .where(Person.deleted_at.is_(None), Person.merged_into_id.is_(None), Person.residence_status.not_in(_GONE),
                   Membership.to_date.is_(None), Membership.deleted_at.is_(None), Household.deleted_at.is_(None)))


def _in_several_offices(*keys) -> Select:
    """The values of ``keys`` shared by current residents of more than one office (grouped by the database)."""
    return (select(*keys)
            .join(Membership, Membership.person_id == Person.id)
            .join(Household, Household.id == Membership.household_id)
            .where(Person.deleted_at.is_(None), Person.merged_into_id.is_(None), Person.residence_status.not_in(_GONE),
                   Membership.to_date.is_(None), Membership.deleted_at.is_(None), Household.deleted_at.is_(None),
                   *(k.is_not(None) for k in keys))
            .group_by(*keys)
            .having(func.count(Household.aimak_id.distinct()) > 1))


def _person(row) -> OfficePerson:
    return OfficePerson(row.id, row.office_code, row.office_ky, row.office_ru, row.village_ky, row.village_ru,
                        row.household_id, row.account_number, row.surname, row.given_name, row.father_name or "",
                        row.pin or "", row.birth_date)


def _groups(session: Session, query: Select, key) -> list[list]:
    """The rows of ``query`` grouped by ``key``, one row per person (the lowest account if they have two)."""
    groups: dict[object, dict[uuid.UUID, object]] = defaultdict(dict)
    for row in session.execute(query.order_by(Household.account_number)):
        groups[key(row)].setdefault(row.id, row)
    return [list(g.values()) for g in groups.values()]


def _same_father(a, b) -> bool:
    """A father's name recorded in both offices must agree; one office may not have recorded it."""
    return not a.father_name or not b.father_name or search_key(a.father_name) == search_key(b.father_name)


def find_pairs(session: Session, *, include_reviewed: bool = False) -> list[CrossOfficePair]:
    """Pairs of current residents of two different offices that may be one person, strongest reason first.

    The database groups the 400 000 persons of a district by PIN and by (surname key, given-name key,
    birth date) and returns only the groups spread over several offices; pairs are formed within
    those few groups. Pairs inside one office are left to the office's own duplicates list.
    """
    found: dict[tuple[uuid.UUID, uuid.UUID], CrossOfficePair] = {}

    def add(group: list, reason: str, accept=lambda a, b: True) -> None:
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.aimak_id == b.aimak_id or not accept(a, b):
                    continue
                first, second = sorted((_person(a), _person(b)), key=lambda p: (p.office_code, p.account_number))
                key = _pair(a.id, b.id)
                found.setdefault(key, CrossOfficePair(first, second, reason))

    pins = _in_several_offices(Person.pin).where(Person.pin != "").subquery()
    by_pin = _residents().join(pins, pins.c.pin == Person.pin)
    for group in _groups(session, by_pin, lambda r: r.pin):
        add(group, "same_pin")
    named = _in_several_offices(Person.surname_key, Person.given_name_key, Person.birth_date).subquery()
    by_name = _residents().join(named, and_(named.c.surname_key == Person.surname_key,
                                            named.c.given_name_key == Person.given_name_key,
                                            named.c.birth_date == Person.birth_date))
    for group in _groups(session, by_name.add_columns(Person.surname_key, Person.given_name_key),
                         lambda r: (r.surname_key, r.given_name_key, r.birth_date)):
        add(group, "same_name_birth", _same_father)
    if not include_reviewed:
        for key in reviewed_pairs(session):
            found.pop(key, None)
    order = list(REASONS)
    return sorted(found.values(), key=lambda p: (order.index(p.reason), search_key(p.first.name),
                                                 p.first.office_code, p.second.office_code))


def mark_reviewed(session: Session, first_id: uuid.UUID, second_id: uuid.UUID) -> None:
    """Record that the district operator reviewed the pair, so it leaves the list (journaled).

    The district operator reviews what the offices sent: the same right as importing their packages.
    The offices themselves merge or correct their records; the district only keeps its work list short.
    """
    require_session(session, "sync.import")
    if first_id == second_id:
        raise ValidationError({"person": _("Choose two different persons.")})
    for person_id in (first_id, second_id):
        if session.get(Person, person_id) is None:
            raise NotFoundError(_("The person was not found; the office may have merged or removed the record."))
    pairs = {tuple(str(x) for x in p) for p in reviewed_pairs(session)} | {
        tuple(str(x) for x in _pair(first_id, second_id))}
    settings.put(session, REVIEWED_KEY, [list(p) for p in sorted(pairs)])


def reviewed_pairs(session: Session) -> set[tuple[uuid.UUID, uuid.UUID]]:
    return {_pair(uuid.UUID(a), uuid.UUID(b)) for a, b in settings.get(session, REVIEWED_KEY) or []}
