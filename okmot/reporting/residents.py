"""Who lived where on a date: the one query every population report starts from."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from okmot.db import bulk
from okmot.models import Household, Membership, Person, Street
from okmot.reporting.data import Resident, VillageRef
from okmot.reporting.sorting import joined, name_key

_COLUMNS = (
    Person.id, Person.surname, Person.given_name, Person.father_name, Person.patronymic_ky, Person.patronymic_ru,
    Person.sex, Person.birth_date, Person.pin, Membership.relation, Household.id, Household.account_number,
    Household.village_id, Street.name_ky, Street.name_ru, Household.house_number, Household.apartment,
    Household.address_note,
)


def base_query(villages: Iterable[VillageRef]):
    ids = [v.id for v in villages]
    return (select(*_COLUMNS)
            .join(Person, Person.id == Membership.person_id)
            .join(Household, Household.id == Membership.household_id)
            .outerjoin(Street, Street.id == Household.street_id)
            .where(Membership.deleted_at.is_(None), Person.deleted_at.is_(None), Household.deleted_at.is_(None),
                   Person.merged_into_id.is_(None), Household.village_id.in_(ids)))


def member_on(on: dt.date):
    """SQL condition: the membership had begun and not yet ended on ``on``, and the person was born."""
    return and_(or_(Membership.from_date.is_(None), Membership.from_date <= on),
                or_(Membership.to_date.is_(None), Membership.to_date > on),
                or_(Person.birth_date.is_(None), Person.birth_date <= on))


def to_resident(row, by_id: dict[uuid.UUID, VillageRef]) -> Resident:
    (pid, surname, given, father, pky, pru, sex, birth, pin, relation, hid, account, village_id, sky, sru,
     house, apartment, note) = row
    return Resident(pid, surname, given, father or "", pky or "", pru or "", sex, birth, pin or "", relation,
                    hid, account, by_id[village_id], sky or "", sru or "", house or "", apartment or "", note or "")


def residents_on(session: Session, villages: list[VillageRef], on: dt.date) -> list[Resident]:
    """Every member of a household in ``villages`` on ``on`` (living and temporarily absent alike)."""
    by_id = {v.id: v for v in villages}
    rows = bulk.fetch_values(session.connection(), base_query(villages).where(member_on(on)))
    seen: set[uuid.UUID] = set()
    out = []
    for row in rows:
        # A person is counted once even if two stays overlap by a data-entry slip.
        if row[0] in seen:
            continue
        seen.add(row[0])
        out.append(to_resident(row, by_id))
    return out


def memberships(session: Session, villages: list[VillageRef], *conditions):
    """(Resident, from_date, to_date, end_reason) for every stay matching ``conditions``."""
    by_id = {v.id: v for v in villages}
    q = base_query(villages).add_columns(Membership.from_date, Membership.to_date, Membership.end_reason)
    for row in bulk.fetch_values(session.connection(), q.where(*conditions)):
        yield to_resident(row[:len(_COLUMNS)], by_id), row[-3], row[-2], row[-1] or ""


def alphabetical(people: Iterable[Resident], language: str) -> list[Resident]:
    return sorted(people, key=lambda r: joined(name_key(r.surname, r.given_name, r.patronymic(language)),
                                              (r.birth_date or dt.date.min).isoformat(), r.account))


def by_address(people: Iterable[Resident], language: str) -> list[Resident]:
    """By village, then street (alphabetical), then name: the order of a voter list."""
    return sorted(people, key=lambda r: joined(r.village.office_code, r.village.code, name_key(r.street(language)),
                                              name_key(r.surname, r.given_name, r.patronymic(language)),
                                              (r.birth_date or dt.date.min).isoformat(), r.account))
