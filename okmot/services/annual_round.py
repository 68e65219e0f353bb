"""The 1 January round: each household's land and livestock for year Y, pre-filled from Y−1, confirmed visit by visit.

Starting the round copies Y−1's records into new rows for Y (never touching Y−1), so the clerk only
changes what changed. Starting again is harmless: it fills households that have no Y records yet
(one opened since, say) and leaves everything else alone. A household counts as visited once its
Y records are confirmed; progress per village and the list still to do come from those visits, so
the round can be resumed any day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import _
from okmot.models import AnnualRound, Household, LandPlot, LivestockCount, Membership, Person, RoundVisit, Street, Village
from okmot.permissions import require_session
from okmot.services import farm
from okmot.services.changes import Changes
from okmot.services.farm import PlotData


@dataclass(frozen=True)
class RoundInfo:
    year: int
    started_on: dt.date
    #: Households the round covers, and how many were pre-filled from Y−1 by this call.
    households: int
    prefilled: int


@dataclass(frozen=True)
class VillageProgress:
    village_id: uuid.UUID
    name_ky: str
    name_ru: str
    visited: int
    total: int

    @property
    def not_yet(self) -> int:
        return self.total - self.visited

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


@dataclass(frozen=True)
class RoundProgress:
    year: int
    villages: tuple[VillageProgress, ...]

    @property
    def visited(self) -> int:
        return sum(v.visited for v in self.villages)

    @property
    def total(self) -> int:
        return sum(v.total for v in self.villages)


@dataclass(frozen=True)
class RoundRow:
    """A household on the round's list."""

    id: uuid.UUID
    account_number: str
    village_ky: str
    village_ru: str
    address: str
    head: str
    visited_on: dt.date | None


@dataclass(frozen=True)
class RoundForm:
    """What the clerk confirms for one household: year Y's records (pre-filled) beside Y−1's."""

    year: int
    household_id: uuid.UUID
    account_number: str
    head: str
    land: tuple[PlotData, ...]
    livestock: dict[str, int]
    previous_land: tuple[PlotData, ...]
    previous_livestock: dict[str, int] = field(default_factory=dict)
    visited_on: dt.date | None = None
    note: str = ""


def _check_year(year: int) -> None:
    if not 1990 <= year <= dt.date.today().year + 1:
        raise ValidationError({"year": _("The year {year} is outside the book's range.").format(year=year)})


def _in_round(year: int):
    """Households that existed on 1 January of ``year`` or were opened during it."""
    return and_(Household.deleted_at.is_(None),
                or_(Household.opened_on.is_(None), Household.opened_on <= dt.date(year, 12, 31)),
                or_(Household.closed_on.is_(None), Household.closed_on > dt.date(year, 1, 1)))


def get_round(session: Session, year: int) -> AnnualRound | None:
    return session.scalar(select(AnnualRound).where(AnnualRound.year == year, AnnualRound.deleted_at.is_(None)))


def started_years(session: Session) -> tuple[int, ...]:
    """Years whose round was started, newest first."""
    return tuple(session.scalars(select(AnnualRound.year).where(AnnualRound.deleted_at.is_(None))
                                 .order_by(AnnualRound.year.desc())))


def start_round(session: Session, year: int, *, on: dt.date | None = None) -> RoundInfo:
    """Start (or resume) the round for ``year``: pre-fill every household still without Y records."""
    require_session(session, "farm.edit")
    _check_year(year)
    rnd = get_round(session, year)
    if rnd is None:
        rnd = AnnualRound(year=year, started_on=on or dt.date.today())
        session.add(rnd)
    ids = list(session.scalars(select(Household.id).where(_in_round(year))))
    # Any Y row, even one removed since, means the household's Y records were already worked on.
    has_land = set(session.scalars(select(LandPlot.household_id).where(LandPlot.year == year).distinct()))
    has_stock = set(session.scalars(select(LivestockCount.household_id).where(LivestockCount.year == year)
                                    .distinct()))
    visited = set(session.scalars(select(RoundVisit.household_id).where(RoundVisit.year == year,
                                                                        RoundVisit.deleted_at.is_(None))))
    prev_land: dict[uuid.UUID, list[LandPlot]] = defaultdict(list)
    for p in session.scalars(select(LandPlot).where(LandPlot.year == year - 1, LandPlot.deleted_at.is_(None))):
        prev_land[p.household_id].append(p)
    prev_stock: dict[uuid.UUID, list[LivestockCount]] = defaultdict(list)
    for c in session.scalars(select(LivestockCount).where(LivestockCount.year == year - 1,
                                                          LivestockCount.deleted_at.is_(None))):
        prev_stock[c.household_id].append(c)
    prefilled = 0
    for hid in ids:
        if hid in visited:
            continue
        copied = False
        if hid not in has_land:
            for p in prev_land.get(hid, ()):
                session.add(LandPlot(household_id=hid, year=year, category=p.category, area_m2=p.area_m2,
                                     document=p.document or "", cadastral_number=p.cadastral_number or ""))
                copied = True
        if hid not in has_stock:
            for c in prev_stock.get(hid, ()):
                session.add(LivestockCount(household_id=hid, year=year, species=c.species, heads=c.heads))
                copied = True
        prefilled += copied
    session.flush()
    return RoundInfo(year, rnd.started_on, len(ids), prefilled)


def _require_round(session: Session, year: int) -> AnnualRound:
    rnd = get_round(session, year)
    if rnd is None:
        raise ValidationError({"year": _("The round for {year} has not been started.").format(year=year)})
    return rnd


def _household_in_round(session: Session, year: int, household_id: uuid.UUID) -> Household:
    hh = session.scalar(select(Household).where(Household.id == household_id, _in_round(year)))
    if hh is None:
        raise NotFoundError(_("The household is not part of the round for {year}.").format(year=year))
    return hh


def _visit(session: Session, year: int, household_id: uuid.UUID) -> RoundVisit | None:
    return session.scalar(select(RoundVisit).where(RoundVisit.year == year, RoundVisit.household_id == household_id))


def _head_name(session: Session, household_id: uuid.UUID) -> str:
    row = session.execute(select(Person.surname, Person.given_name).join(
        Membership, Membership.person_id == Person.id).where(
        Membership.household_id == household_id, Membership.relation == "head", Membership.to_date.is_(None),
        Membership.deleted_at.is_(None)).limit(1)).first()
    return " ".join(p for p in row if p) if row else ""


def round_form(session: Session, year: int, household_id: uuid.UUID) -> RoundForm:
    """The household's Y records to confirm; a household with none yet gets Y−1's as a proposal."""
    _require_round(session, year)
    hh = _household_in_round(session, year, household_id)
    land = farm.land_by_year(session, household_id)
    stock = farm.livestock_by_year(session, household_id)
    previous_land = land.get(year - 1, ())
    previous_stock = stock.get(year - 1, {})
    worked_on = session.scalar(select(LandPlot.id).where(LandPlot.household_id == household_id,
                                                         LandPlot.year == year).limit(1)) is not None
    stock_worked_on = session.scalar(select(LivestockCount.id).where(
        LivestockCount.household_id == household_id, LivestockCount.year == year).limit(1)) is not None
    this_land = land.get(year, ()) if worked_on else tuple(
        PlotData(p.category, p.area_m2, p.document, p.cadastral_number) for p in previous_land)
    this_stock = stock.get(year, {}) if stock_worked_on else dict(previous_stock)
    visit = _visit(session, year, household_id)
    return RoundForm(year, household_id, hh.account_number, _head_name(session, household_id), tuple(this_land),
                     dict(this_stock), tuple(previous_land), dict(previous_stock),
                     visit.visited_on if visit and visit.deleted_at is None else None,
                     (visit.note or "") if visit else "")


def confirm_household(session: Session, year: int, household_id: uuid.UUID, land: list[PlotData],
                      livestock: dict[str, int], *, on: dt.date | None = None, note: str = "") -> Changes:
    """Save the household's land and livestock as of 1 January ``year`` and mark it visited.

    Only year ``year`` is written; Y−1 and every other year stay as they were.
    """
    require_session(session, "farm.edit")
    _require_round(session, year)
    _household_in_round(session, year, household_id)
    on = on or dt.date.today()
    if on > dt.date.today():
        raise ValidationError({"visited_on": _("The date is in the future.")})
    farm.save_land(session, household_id, year, list(land))
    farm.save_livestock(session, household_id, year, dict(livestock))
    visit = _visit(session, year, household_id)
    if visit is None:
        session.add(RoundVisit(year=year, household_id=household_id, visited_on=on, note=note.strip()))
    else:
        visit.visited_on, visit.note, visit.deleted_at = on, note.strip(), None
    session.flush()
    return Changes(households=frozenset({household_id}))


def progress(session: Session, year: int) -> RoundProgress:
    """Visited and total households per village."""
    visited_ids = select(RoundVisit.household_id).where(RoundVisit.year == year, RoundVisit.deleted_at.is_(None))
    totals: dict[uuid.UUID, list[int]] = {}
    for vid, done in session.execute(select(Household.village_id, Household.id.in_(visited_ids))
                                     .where(_in_round(year))):
        counts = totals.setdefault(vid, [0, 0])
        counts[0] += bool(done)
        counts[1] += 1
    villages = session.execute(select(Village.id, Village.name_ky, Village.name_ru, Village.code)
                               .where(Village.deleted_at.is_(None)).order_by(Village.code, Village.name_ky)).all()
    return RoundProgress(year, tuple(VillageProgress(vid, ky, ru, *totals.get(vid, [0, 0]))
                                     for vid, ky, ru, _code in villages if vid in totals))


def round_households(session: Session, year: int, *, village_id: uuid.UUID | None = None,
                     only_to_do: bool = True) -> tuple[RoundRow, ...]:
    """The round's households by account number; by default only those still to visit."""
    visit = aliased(RoundVisit)
    head_m, head_p = aliased(Membership), aliased(Person)
    q = (select(Household, Village.name_ky, Village.name_ru, Street.name_ky, head_p.surname, head_p.given_name,
                visit.visited_on)
         .join(Village, Village.id == Household.village_id)
         .outerjoin(Street, Street.id == Household.street_id)
         .outerjoin(visit, and_(visit.household_id == Household.id, visit.year == year, visit.deleted_at.is_(None)))
         .outerjoin(head_m, and_(head_m.household_id == Household.id, head_m.relation == "head",
                                 head_m.to_date.is_(None), head_m.deleted_at.is_(None)))
         .outerjoin(head_p, head_p.id == head_m.person_id)
         .where(_in_round(year)))
    if village_id is not None:
        q = q.where(Household.village_id == village_id)
    if only_to_do:
        q = q.where(visit.id.is_(None))
    rows: dict[uuid.UUID, RoundRow] = {}
    for hh, v_ky, v_ru, street, surname, given, visited_on in session.execute(q):
        if hh.id in rows:
            continue
        address = " ".join(p for p in (street or "", hh.house_number or "") if p) or (hh.address_note or "")
        rows[hh.id] = RoundRow(hh.id, hh.account_number, v_ky, v_ru, address,
                               " ".join(p for p in (surname, given) if p), visited_on)
    return tuple(sorted(rows.values(), key=lambda r: (len(r.account_number.lstrip("0")),
                                                      r.account_number.lstrip("0"), r.account_number)))
