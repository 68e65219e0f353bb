"""The alphabetical book: every resident in Kyrgyz alphabetical order, by village and status."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.identity import collation
from okmot.models import Household, Membership, Person, Street, Village
from okmot.services import persons


@dataclass(frozen=True)
class ResidentRow:
    person_id: uuid.UUID
    household_id: uuid.UUID
    surname: str
    given_name: str
    father_name: str
    sex: str
    birth_date: dt.date | None
    pin: str
    residence_status: str
    relation: str
    account_number: str
    village_id: uuid.UUID
    village_ky: str
    village_ru: str
    street_ky: str
    street_ru: str
    house_number: str
    address_note: str
    #: The heading letter the row is listed under.
    letter: str

    def full_name(self, language: str) -> str:
        return persons.display_name(persons.PersonData(self.surname, self.given_name, self.sex,
                                                       father_name=self.father_name), language)

    def village(self, language: str) -> str:
        return self.village_ru if language == "ru" else self.village_ky

    def address(self, language: str) -> str:
        street = self.street_ru if language == "ru" else self.street_ky
        text = " ".join(p for p in (street, self.house_number) if p)
        if self.address_note:
            text = f"{text}, {self.address_note}" if text else self.address_note
        return text


def alphabetical_book(session: Session, *, village_id: uuid.UUID | None = None,
                      statuses: tuple[str, ...] | None = None) -> list[ResidentRow]:
    """Residents in Kyrgyz order (surname, given name, father's name), each in their current household —
    or, for those who left or died, the household they last belonged to."""
    q = (select(Person, Membership, Household, Village.name_ky, Village.name_ru, Street.name_ky, Street.name_ru)
         .join(Membership, Membership.person_id == Person.id)
         .join(Household, Household.id == Membership.household_id)
         .join(Village, Village.id == Household.village_id)
         .outerjoin(Street, Street.id == Household.street_id)
         .where(Person.deleted_at.is_(None), Person.merged_into_id.is_(None), Membership.deleted_at.is_(None),
                Household.deleted_at.is_(None)))
    if statuses:
        q = q.where(Person.residence_status.in_(statuses))
    best: dict[uuid.UUID, tuple] = {}
    for row in session.execute(q):
        person, membership = row[0], row[1]
        rank = (membership.to_date is None, membership.to_date or dt.date.max)
        if person.id not in best or rank > best[person.id][0]:
            best[person.id] = (rank, row)
    out = []
    for _rank, (p, m, hh, v_ky, v_ru, s_ky, s_ru) in best.values():
        # The village filter applies to where the person is listed, not to any past stay.
        if village_id is not None and hh.village_id != village_id:
            continue
        out.append(ResidentRow(p.id, hh.id, p.surname, p.given_name, p.father_name or "", p.sex, p.birth_date,
                               p.pin or "", p.residence_status, m.relation, hh.account_number, hh.village_id,
                               v_ky, v_ru, s_ky or "", s_ru or "", hh.house_number or "", hh.address_note or "",
                               collation.initial(p.surname)))
    out.sort(key=lambda r: (collation.name_key(r.surname, r.given_name, r.father_name),
                            r.birth_date or dt.date.min))
    return out
