"""Search-as-you-type over households: account number, names, PIN, village and street, by prefix."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from okmot.identity import pin as pins
from okmot.identity.names import search_key
from okmot.models import Household, Membership, Person, Street, Village

# U+10FFFF sorts after every other character in SQLite's byte order and PostgreSQL's "C" order,
# so "key >= p AND key < p + MAX" is a prefix test that can use a plain index.
_MAX_CHAR = "\U0010ffff"


@dataclass(frozen=True)
class HouseholdFilter:
    text: str = ""
    village_id: uuid.UUID | None = None
    #: "open", "closed" or None for both.
    status: str | None = None
    #: Show the book as it was on this date (okmot.services.asof); None for today.
    as_of: dt.date | None = None


@dataclass(frozen=True)
class HouseholdRow:
    id: uuid.UUID
    account_number: str
    village_ky: str
    village_ru: str
    street_ky: str
    street_ru: str
    house_number: str
    address_note: str
    head_surname: str
    head_given_name: str
    members: int
    status: str

    def address(self, language: str) -> str:
        street = self.street_ru if language == "ru" else self.street_ky
        parts = [p for p in (street, self.house_number) if p]
        text = " ".join(parts)
        if self.address_note:
            text = f"{text}, {self.address_note}" if text else self.address_note
        return text

    def village(self, language: str) -> str:
        return self.village_ru if language == "ru" else self.village_ky

    @property
    def head(self) -> str:
        return " ".join(p for p in (self.head_surname, self.head_given_name) if p)


def prefix(column, text: str) -> ColumnElement[bool]:
    return and_(column >= text, column < text + _MAX_CHAR)


def _places_matching(session: Session, model, key: str) -> list[uuid.UUID]:
    """Villages or streets whose Kyrgyz or Russian name has a word starting with ``key``.

    An office has tens of villages and hundreds of streets: matching them in Python lets a
    clerk type either language and any word of the name ("көч", "Манас", "ул").
    """
    ids = []
    for pid, ky, ru in session.execute(select(model.id, model.name_ky, model.name_ru)
                                       .where(model.deleted_at.is_(None))):
        words = search_key(f"{ky} {ru}").replace("-", " ").replace(".", " ").split()
        if any(w.startswith(key) for w in words) or search_key(ky).startswith(key) \
                or search_key(ru).startswith(key):
            ids.append(pid)
    return ids


def _term_condition(session: Session, term: str) -> ColumnElement[bool]:
    digits = pins.clean(term)
    if digits.isdigit():
        pin_households = (select(Membership.household_id)
                          .join(Person, Person.id == Membership.person_id)
                          .where(prefix(Person.pin, digits), Membership.deleted_at.is_(None)))
        return or_(prefix(Household.account_number, digits), Household.id.in_(pin_households),
                   prefix(Household.house_number, digits))
    key = search_key(term)
    name_households = (select(Membership.household_id)
                       .join(Person, Person.id == Membership.person_id)
                       .where(or_(prefix(Person.surname_key, key), prefix(Person.given_name_key, key)),
                              Membership.deleted_at.is_(None)))
    return or_(
        prefix(Household.account_number, term),
        prefix(Household.house_number, term),
        Household.id.in_(name_households),
        Household.village_id.in_(_places_matching(session, Village, key)),
        Household.street_id.in_(_places_matching(session, Street, key)),
    )


def _where(session: Session, flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Household.deleted_at.is_(None)]
    for term in flt.text.split():
        conds.append(_term_condition(session, term))
    if flt.village_id is not None:
        conds.append(Household.village_id == flt.village_id)
    if flt.as_of is not None:
        conds.append(or_(Household.opened_on.is_(None), Household.opened_on <= flt.as_of))
        if flt.status == "open":
            conds.append(or_(Household.closed_on.is_(None), Household.closed_on > flt.as_of))
        elif flt.status == "closed":
            conds.append(Household.closed_on <= flt.as_of)
    elif flt.status:
        conds.append(Household.status == flt.status)
    return conds


def stay_on(member, as_of: dt.date | None) -> ColumnElement[bool]:
    """A stay (Membership or an alias) current on ``as_of``, or today's stays when None."""
    if as_of is None:
        return member.to_date.is_(None)
    return and_(or_(member.from_date.is_(None), member.from_date <= as_of),
                or_(member.to_date.is_(None), member.to_date > as_of))


def count_households(session: Session, flt: HouseholdFilter) -> int:
    return session.scalar(select(func.count()).select_from(Household).where(*_where(session, flt))) or 0


def _account_order():
    """Numbers sort as numbers whatever their zero padding ("2" and "0002" before "10")."""
    bare = func.ltrim(Household.account_number, "0")
    return (func.length(bare), bare, Household.account_number)


@dataclass(frozen=True)
class HouseholdPage:
    rows: list[HouseholdRow]
    #: How many households match in all (not only on this page).
    total: int


def search_households(session: Session, flt: HouseholdFilter, *, offset: int = 0, limit: int = 200) -> HouseholdPage:
    """One page of households matching ``flt`` and the total, ordered by account number.

    The page's ids and the total come from one query (a window count), so the matching work —
    the name-prefix subquery above all — is done once; the columns shown are then read for
    the page's rows only.
    """
    page = session.execute(select(Household.id, func.count().over()).where(*_where(session, flt))
                           .order_by(*_account_order()).offset(offset).limit(limit)).all()
    if not page:
        total = count_households(session, flt) if offset else 0
        return HouseholdPage([], total)
    ids = [hid for hid, _n in page]
    return HouseholdPage(_rows_for(session, ids, flt.as_of), page[0][1])


def find_households(session: Session, flt: HouseholdFilter, *, offset: int = 0, limit: int = 200) -> list[HouseholdRow]:
    """One page of households matching ``flt``, ordered by account number (numbers sort as numbers)."""
    return search_households(session, flt, offset=offset, limit=limit).rows


def _rows_for(session: Session, ids: list[uuid.UUID], as_of: dt.date | None = None) -> list[HouseholdRow]:
    head_m = aliased(Membership)
    head_p = aliased(Person)
    # As of a past date a stay's dates tell who lived there; today's count also drops anyone
    # whose status says they no longer live (a status set without ending the stay).
    living = (Person.residence_status.in_(("living", "temporarily_absent")) if as_of is None
              else or_(Person.birth_date.is_(None), Person.birth_date <= as_of))
    members = (select(func.count()).select_from(Membership)
               .join(Person, Person.id == Membership.person_id)
               .where(Membership.household_id == Household.id, stay_on(Membership, as_of),
                      Membership.deleted_at.is_(None), living)
               .correlate(Household).scalar_subquery())
    q = (select(Household, Village.name_ky, Village.name_ru, Street.name_ky, Street.name_ru,
                head_p.surname, head_p.given_name, members)
         .where(Household.id.in_(ids))
         .join(Village, Village.id == Household.village_id)
         .outerjoin(Street, Street.id == Household.street_id)
         .outerjoin(head_m, and_(head_m.household_id == Household.id, head_m.relation == "head",
                                 stay_on(head_m, as_of), head_m.deleted_at.is_(None)))
         .outerjoin(head_p, head_p.id == head_m.person_id))
    by_id: dict[uuid.UUID, HouseholdRow] = {}
    for hh, v_ky, v_ru, s_ky, s_ru, h_sur, h_given, n in session.execute(q):
        if hh.id in by_id:  # two heads recorded by mistake: list the household once
            continue
        status = hh.status if as_of is None else (
            "closed" if hh.closed_on is not None and hh.closed_on <= as_of else "open")
        by_id[hh.id] = HouseholdRow(hh.id, hh.account_number, v_ky, v_ru, s_ky or "", s_ru or "",
                                    hh.house_number or "", hh.address_note or "", h_sur or "", h_given or "",
                                    n or 0, status)
    return [by_id[i] for i in ids if i in by_id]
