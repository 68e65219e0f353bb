"""Carry out a checked import in the caller's unit of work: all of it, or (on any error or cancel) none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.errors import UserError
from okmot.i18n import _
from okmot.importer.plan import ImportPlan, Summary, street_key
from okmot.models import Household, Membership
from okmot.services import farm, households, persons, territory
from okmot.services.changes import Changes
from okmot.permissions import require_session

#: Households written between two progress reports (and cancel checks).
BATCH = 100

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ImportRefused(UserError):
    """The plan has row errors: nothing is imported until the file is corrected."""


class ImportCancelled(UserError):
    """The clerk cancelled; the unit of work rolls back, so nothing was written."""


@dataclass(frozen=True)
class ImportResult:
    summary: Summary
    changes: Changes


def apply_plan(session: Session, plan: ImportPlan, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> ImportResult:
    """Write what ``plan`` says. The caller's session commits it as one transaction."""
    require_session(session, "import.book")
    if plan.errors:
        raise ImportRefused(_("{n} rows have errors; correct the file and check it again. Nothing was imported.")
                            .format(n=len({(e.sheet, e.row) for e in plan.errors})))
    todo = [h for h in plan.households if h.action != "unchanged" or any(p.action != "unchanged" for p in h.persons)]
    farms = [f for f in plan.farms if f.action != "unchanged"]
    total = len(todo) + len(farms)
    done = 0

    def tick(step: int = 1) -> None:
        nonlocal done
        done += step
        if cancelled is not None and cancelled():
            raise ImportCancelled(_("The import was cancelled; nothing was imported."))
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    streets: dict[tuple, object] = {}
    touched_households, touched_persons = set(), set()
    ids_by_account: dict[str, object] = {}
    for i, h in enumerate(todo):
        street_id = h.street_id
        if h.new_street:
            key = (h.village_id, street_key(h.new_street))
            if key not in streets:
                streets[key] = territory.create_street(session, village_id=h.village_id, name_ky=h.new_street,
                                                       name_ru=h.new_street, for_action="import.book").id
            street_id = streets[key]
        if h.household_id is None:
            hh = Household(aimak_id=plan.aimak_id, account_number=h.account_number, status="open")
            session.add(hh)
        else:
            hh = session.get(Household, h.household_id)
        if h.action != "unchanged":
            hh.village_id, hh.street_id = h.village_id, street_id
            hh.house_number, hh.address_note = h.house_number, h.address_note
        session.flush()
        ids_by_account[h.account_number] = hh.id
        touched_households.add(hh.id)
        for p in h.persons:
            if p.action == "create":
                person = persons.new_person(p.data)
                session.add(person)
                session.flush()
                membership = Membership(household_id=hh.id, person_id=person.id, relation=p.relation)
                households._follow_status(membership, p.data)
                session.add(membership)
                touched_persons.add(person.id)
            elif p.action == "update":
                persons.update_person(session, p.person_id, p.data)
                membership = session.scalar(select(Membership).where(
                    Membership.household_id == hh.id, Membership.person_id == p.person_id,
                    Membership.deleted_at.is_(None)).order_by(Membership.to_date.is_(None).desc(),
                                                              Membership.to_date.desc()))
                if membership is not None:
                    membership.relation = p.relation
                    households._follow_status(membership, p.data)
                touched_persons.add(p.person_id)
        if (i + 1) % BATCH == 0:
            session.flush()
            tick(BATCH)
    session.flush()
    tick(len(todo) % BATCH if len(todo) % BATCH else 0)
    for f in farms:
        hid = f.household_id or ids_by_account[f.account_number]
        if f.plots is not None:
            farm.save_land(session, hid, f.year, list(f.plots))
        if f.livestock is not None:
            farm.save_livestock(session, hid, f.year, f.livestock)
        touched_households.add(hid)
        tick()
    session.flush()
    return ImportResult(plan.summary, Changes(households=frozenset(touched_households),
                                              persons=frozenset(touched_persons), territory=bool(streets)))
