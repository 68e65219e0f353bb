"""Population figures and lists as of a date: age groups, household sizes, voters, pension and school ages."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import or_
from sqlalchemy.orm import Session

from okmot.models import Membership, Person
from okmot.reporting import ages
from okmot.reporting.data import (
    MAX_SIZE, DatedList, DatedPerson, Header, HouseholdSizeRow, HouseholdsData, PersonList, PopulationData, PopulationRow,
    VillageRef,
)
from okmot.reporting.residents import alphabetical, by_address, memberships, residents_on
from okmot.reporting.sorting import name_key


def population(session: Session, header: Header, on: dt.date) -> PopulationData:
    villages = list(header.villages)
    groups = [code for code, _label in ages.AGE_GROUPS]
    counts: dict[tuple, Counter] = defaultdict(Counter)
    bands = [[0, 0] for _ in ages.PYRAMID_BANDS]
    for r in residents_on(session, villages, on):
        counts[(r.village.id, r.sex)][ages.age_group(r.sex, r.birth_date, on)] += 1
        band = ages.pyramid_band(r.birth_date, on)
        if band is not None:
            bands[band][0 if r.sex == "M" else 1] += 1
    rows = tuple(PopulationRow(v, sex, tuple(counts[(v.id, sex)][g] for g in groups))
                 for v in villages for sex in ("M", "F"))
    pyramid = tuple((ages.band_label(i), m, f) for i, (m, f) in enumerate(bands))
    return PopulationData(header, rows, pyramid)


def households_by_size(session: Session, header: Header, on: dt.date, language: str) -> HouseholdsData:
    villages = list(header.villages)
    members: dict = defaultdict(list)
    for r in residents_on(session, villages, on):
        members[r.household_id].append(r)
    sizes: dict = defaultdict(lambda: [0] * MAX_SIZE)
    persons: Counter = Counter()
    singles = []
    for people in members.values():
        village = people[0].village
        sizes[village.id][min(len(people), MAX_SIZE) - 1] += 1
        persons[village.id] += len(people)
        if len(people) == 1:
            singles.append(people[0])
    rows = tuple(HouseholdSizeRow(v, tuple(sizes[v.id]), persons[v.id]) for v in villages)
    return HouseholdsData(header, rows, tuple(by_address(singles, language)))


def voters(session: Session, header: Header, on: dt.date, language: str) -> PersonList:
    """Members aged 18 or more on ``on``; a person without a birth date cannot be listed."""
    adults = [r for r in residents_on(session, list(header.villages), on)
              if r.birth_date is not None and ages.age(r.birth_date, on) >= ages.ADULT_AGE]
    return PersonList(header, tuple(by_address(adults, language)))


def book(session: Session, header: Header, on: dt.date, language: str) -> PersonList:
    return PersonList(header, tuple(alphabetical(residents_on(session, list(header.villages), on), language)))


def pension_age(session: Session, header: Header, start: dt.date, end: dt.date, language: str) -> DatedList:
    """Members who complete the pension age of their sex within [start, end], as members on that day."""
    villages: list[VillageRef] = list(header.villages)
    # Only people born in the window of years that can reach either pension age in the period.
    oldest = dt.date(start.year - max(ages.PENSION_AGE.values()) - 1, 1, 1)
    youngest = dt.date(end.year - min(ages.PENSION_AGE.values()) + 1, 12, 31)
    found = {}
    for r, from_date, to_date, _reason in memberships(
            session, villages, Person.birth_date.between(oldest, youngest),
            or_(Membership.from_date.is_(None), Membership.from_date <= end),
            or_(Membership.to_date.is_(None), Membership.to_date > start)):
        reached = ages.birthday(r.birth_date, ages.PENSION_AGE.get(r.sex, 63))
        if start <= reached <= end and (from_date is None or from_date <= reached) \
                and (to_date is None or to_date > reached):
            found[r.person_id] = DatedPerson(r, reached, ages.age(r.birth_date, reached))
    rows = sorted(found.values(), key=lambda d: (d.on_date, name_key(
        d.person.surname, d.person.given_name, d.person.patronymic(language))))
    return DatedList(header, tuple(rows), None)


def school_age(session: Session, header: Header, on: dt.date, language: str) -> DatedList:
    """Members on ``on`` who are 7 to 17 years old on 1 September of that year."""
    sept1 = dt.date(on.year, 9, 1)
    kids = [r for r in residents_on(session, list(header.villages), on)
            if r.birth_date is not None and ages.age(r.birth_date, sept1) in ages.SCHOOL_AGES]
    rows = tuple(DatedPerson(r, sept1, ages.age(r.birth_date, sept1)) for r in by_address(kids, language))
    return DatedList(header, rows, sept1)

