"""The book "as of" a past date: a household card, the household list and the headline counts.

Who lived where comes from the stays (``Membership`` dates); temporary absences from the
departure and return movements; land and livestock from the latest 1 January records on or
before the date. Certificates and reports ask the same questions through these functions, so a
document dated D always says what the book said about D.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.models import Household, LandPlot, LivestockCount, Membership, Movement, Person, Village
from okmot.services import farm, households
from okmot.services.households import HouseholdCard, MemberRow
from okmot.services.search import HouseholdFilter, HouseholdPage, search_households, stay_on
from okmot.services.stats import BookStats


@dataclass(frozen=True)
class MemberAsOf:
    member: MemberRow
    #: The residence status on that date: "living" or "temporarily_absent".
    status: str


@dataclass(frozen=True)
class CardAsOf:
    """A household as it stood on ``on``."""

    on: dt.date
    card: HouseholdCard
    #: "open", "closed", or "not_opened" when the account did not exist yet.
    status: str
    members: tuple[MemberAsOf, ...]
    #: The 1 January years whose records were in force on ``on`` (None when there are none).
    land_year: int | None
    land: tuple[farm.PlotData, ...]
    livestock_year: int | None
    livestock: dict[str, int] = field(default_factory=dict)

    @property
    def head(self) -> MemberAsOf | None:
        return next((m for m in self.members if m.member.relation == "head"), None)


def household_status_on(opened_on: dt.date | None, closed_on: dt.date | None, on: dt.date) -> str:
    if opened_on is not None and opened_on > on:
        return "not_opened"
    if closed_on is not None and closed_on <= on:
        return "closed"
    return "open"


def year_in_force(years, on: dt.date) -> int | None:
    """The latest 1 January year on or before ``on`` among ``years``."""
    candidates = [y for y in years if dt.date(y, 1, 1) <= on]
    return max(candidates) if candidates else None


def _cancelled_ids():
    """Ids of entries annulled by a cancelling entry (a subquery)."""
    return select(Movement.corrects_id).where(Movement.kind == "cancellation", Movement.deleted_at.is_(None))


def absent_on(session: Session, person_ids: set[uuid.UUID] | None, on: dt.date) -> set[uuid.UUID]:
    """Of ``person_ids`` (everyone when None), those temporarily absent on ``on``.

    The last temporary departure or return on or before the date decides; a status set before
    movements were recorded (imported data) counts from its status date.
    """
    q = (select(Movement.person_id, Movement.kind, Movement.on_date, Movement.changed_at)
         .where(Movement.temporary.is_(True), Movement.kind.in_(("departure", "arrival")),
                Movement.on_date <= on, Movement.deleted_at.is_(None), Movement.id.not_in(_cancelled_ids())))
    if person_ids is not None:
        q = q.where(Movement.person_id.in_(person_ids))
    last: dict[uuid.UUID, tuple] = {}
    for pid, kind, on_date, at in session.execute(q):
        if pid not in last or (on_date, at) >= last[pid][1:]:
            last[pid] = (kind, on_date, at)
    absent = {pid for pid, (kind, _d, _a) in last.items() if kind == "departure"}
    with_movements = set(session.scalars(select(Movement.person_id).where(
        Movement.temporary.is_(True), Movement.kind == "departure", Movement.deleted_at.is_(None))))
    legacy = select(Person.id).where(Person.residence_status == "temporarily_absent",
                                     or_(Person.status_date.is_(None), Person.status_date <= on),
                                     Person.deleted_at.is_(None))
    if person_ids is not None:
        legacy = legacy.where(Person.id.in_(person_ids))
    absent |= {pid for pid in session.scalars(legacy) if pid not in with_movements}
    return absent


def card_as_of(session: Session, household_id: uuid.UUID, on: dt.date) -> CardAsOf:
    """The household card on date ``on``: members then, status then, the land and livestock in force."""
    card = households.get_card(session, household_id)
    hh = session.get(Household, household_id)
    members = households.members_as_of(session, household_id, on)
    absent = absent_on(session, {m.person.id for m in members}, on)
    land_year = year_in_force(card.land.keys(), on)
    stock_year = year_in_force(card.livestock.keys(), on)
    return CardAsOf(
        on=on, card=card, status=household_status_on(hh.opened_on, hh.closed_on, on),
        members=tuple(MemberAsOf(m, "temporarily_absent" if m.person.id in absent else "living") for m in members),
        land_year=land_year, land=card.land.get(land_year, ()) if land_year else (),
        livestock_year=stock_year, livestock=dict(card.livestock.get(stock_year, {})) if stock_year else {},
    )


def households_as_of(session: Session, flt: HouseholdFilter, on: dt.date, *, offset: int = 0,
                     limit: int = 200) -> HouseholdPage:
    """The household list as it stood on ``on`` (heads, member counts and open/closed then)."""
    return search_households(session, HouseholdFilter(flt.text, flt.village_id, flt.status, on),
                             offset=offset, limit=limit)


def residents_on(session: Session, on: dt.date, *, village_id: uuid.UUID | None = None) -> set[uuid.UUID]:
    """Persons who lived in a household of the book on ``on`` (born by then, not merged away)."""
    q = (select(Membership.person_id).join(Person, Person.id == Membership.person_id)
         .join(Household, Household.id == Membership.household_id)
         .where(stay_on(Membership, on), Membership.deleted_at.is_(None), Person.deleted_at.is_(None),
                Person.merged_into_id.is_(None), Household.deleted_at.is_(None),
                or_(Person.birth_date.is_(None), Person.birth_date <= on)))
    if village_id is not None:
        q = q.where(Household.village_id == village_id)
    return set(session.scalars(q))


def stats_as_of(session: Session, on: dt.date) -> BookStats:
    """The headline counts of okmot.services.stats.book_stats as they stood on ``on``."""
    villages = session.scalar(select(func.count()).select_from(Village).where(Village.deleted_at.is_(None))) or 0
    households_n = {s: 0 for s in codes.HOUSEHOLD_STATUSES}
    for opened, closed in session.execute(select(Household.opened_on, Household.closed_on)
                                          .where(Household.deleted_at.is_(None))):
        status = household_status_on(opened, closed, on)
        if status != "not_opened":
            households_n[status] += 1
    residents = residents_on(session, on)
    absent = absent_on(session, residents, on) & residents
    alive = Person.deleted_at.is_(None) & Person.merged_into_id.is_(None)
    deceased = set(session.scalars(select(Person.id).where(
        alive, Person.residence_status == "deceased", or_(Person.status_date.is_(None), Person.status_date <= on))))
    ended = set(session.scalars(select(Membership.person_id).join(Person, Person.id == Membership.person_id).where(
        alive, Membership.deleted_at.is_(None), Membership.to_date.is_not(None), Membership.to_date <= on)))
    left = ended - residents - deceased
    persons_n = {"living": len(residents - absent), "temporarily_absent": len(absent), "left": len(left),
                 "deceased": len(deceased)}
    land_year = session.scalar(select(func.max(LandPlot.year)).where(
        LandPlot.deleted_at.is_(None), LandPlot.year <= on.year))
    plots, area = 0, 0
    if land_year is not None:
        plots, area = session.execute(select(func.count(), func.coalesce(func.sum(LandPlot.area_m2), 0)).where(
            LandPlot.year == land_year, LandPlot.deleted_at.is_(None))).one()
    stock_year = session.scalar(select(func.max(LivestockCount.year)).where(
        LivestockCount.deleted_at.is_(None), LivestockCount.year <= on.year))
    heads = {s: 0 for s in codes.SPECIES}
    if stock_year is not None:
        for species, n in session.execute(select(LivestockCount.species, func.sum(LivestockCount.heads)).where(
                and_(LivestockCount.year == stock_year, LivestockCount.deleted_at.is_(None)))
                .group_by(LivestockCount.species)):
            heads[species] = int(n or 0)
    return BookStats(villages, households_n, persons_n, land_year, int(plots), int(area), stock_year, heads)
