"""Movement of population in a period: births, deaths, arrivals and departures.

Two sources: the ``movement`` journal (entries with kind birth/death/arrival/departure) and, for
everything the journal does not record, the stays (memberships) of the book. For a person who has a
journal entry of a kind, the journal is authoritative for that kind; otherwise:
births = members born in the period; deaths / departures = stays ended in the period with the
reason "died" / "left"; arrivals = stays begun in the period by someone not born in it and not
simply moving between two households of the same scope on that day.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from okmot.models import Household, Movement, Person, Street
from okmot.reporting.data import EVENT_KINDS, Header, MovementData, MovementEvent
from okmot.reporting.residents import memberships, to_resident
from okmot.reporting.sorting import name_key

_REASONS = {"died": "death", "left": "departure"}


def _journal(session: Session, header: Header, start: dt.date, end: dt.date):
    """(events in the period, {(person, kind)} recorded in the journal at any date)."""
    ids = [v.id for v in header.villages]
    by_id = {v.id: v for v in header.villages}
    later = aliased(Movement)
    corrected = select(later.corrects_id).where(later.corrects_id.is_not(None), later.deleted_at.is_(None))
    live = (Movement.deleted_at.is_(None), Movement.kind.in_(EVENT_KINDS), Movement.person_id.is_not(None),
            Movement.id.not_in(corrected))
    recorded = {(pid, kind) for pid, kind in session.execute(select(Movement.person_id, Movement.kind).where(*live))}
    q = (select(Person.id, Person.surname, Person.given_name, Person.father_name, Person.patronymic_ky,
                Person.patronymic_ru, Person.sex, Person.birth_date, Person.pin, Movement.kind, Household.id,
                Household.account_number, Household.village_id, Street.name_ky, Street.name_ru,
                Household.house_number, Household.apartment, Household.address_note,
                Movement.on_date, Movement.place, Movement.country)
         .join(Person, Person.id == Movement.person_id)
         .join(Household, Household.id == Movement.household_id)
         .outerjoin(Street, Street.id == Household.street_id)
         .where(*live, Movement.on_date.between(start, end), Household.village_id.in_(ids)))
    events = []
    for row in session.execute(q):
        kind, on_date, place, country = row[9], row[18], row[19], row[20]
        person = to_resident(row[:9] + ("",) + row[10:18], by_id)
        where = ", ".join(p for p in (place or "", country or "") if p)
        events.append(MovementEvent(kind, on_date, person, where, "movement"))
    return events, recorded


def movement(session: Session, header: Header, start: dt.date, end: dt.date, language: str) -> MovementData:
    villages = list(header.villages)
    events, recorded = _journal(session, header, start, end)

    def keep(person_id: uuid.UUID, kind: str) -> bool:
        return (person_id, kind) not in recorded

    stays = list(memberships(session, villages))
    ended_on: dict[uuid.UUID, set[dt.date]] = {}
    for r, _from, to_date, _reason in stays:
        if to_date is not None:
            ended_on.setdefault(r.person_id, set()).add(to_date)
    born: dict[uuid.UUID, tuple] = {}
    for r, from_date, to_date, reason in stays:
        if r.birth_date is not None and start <= r.birth_date <= end and keep(r.person_id, "birth"):
            # Counted once, in the household the child first belonged to.
            first = born.get(r.person_id)
            if first is None or (from_date or dt.date.min) < (first[1] or dt.date.min):
                born[r.person_id] = (r, from_date)
        if to_date is not None and start <= to_date <= end and reason in _REASONS \
                and keep(r.person_id, _REASONS[reason]):
            events.append(MovementEvent(_REASONS[reason], to_date, r))
        if from_date is not None and start <= from_date <= end and keep(r.person_id, "arrival") \
                and not (r.birth_date is not None and r.birth_date >= start) \
                and from_date not in ended_on.get(r.person_id, ()):
            events.append(MovementEvent("arrival", from_date, r))
    events += [MovementEvent("birth", r.birth_date, r) for r, _from in born.values()]
    events.sort(key=lambda e: (EVENT_KINDS.index(e.kind), e.on_date, name_key(
        e.person.surname, e.person.given_name, e.person.patronymic(language))))
    return MovementData(header, tuple(villages), tuple(events))


__all__ = ["EVENT_KINDS", "movement"]
