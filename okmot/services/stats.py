"""Headline counts of the book: villages, households, persons, land and livestock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.models import Household, LandPlot, LivestockCount, Person, Village
from okmot.services.farm import M2_PER_HA


@dataclass(frozen=True)
class BookStats:
    villages: int
    households: dict[str, int]
    persons: dict[str, int]
    land_year: int | None
    land_plots: int
    land_area_m2: int
    livestock_year: int | None
    livestock: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "villages": self.villages,
            "households": self.households,
            "persons": self.persons,
            "land": {"year": self.land_year, "plots": self.land_plots,
                     "area_ha": round(self.land_area_m2 / M2_PER_HA, 4)},
            "livestock": {"year": self.livestock_year, "heads": self.livestock},
        }


def book_stats(session: Session) -> BookStats:
    villages = session.scalar(select(func.count()).select_from(Village).where(Village.deleted_at.is_(None)))
    households = {s: 0 for s in codes.HOUSEHOLD_STATUSES}
    for status, n in session.execute(select(Household.status, func.count()).where(
            Household.deleted_at.is_(None)).group_by(Household.status)):
        households[status] = n
    persons = {s: 0 for s in codes.RESIDENCE_STATUSES}
    for status, n in session.execute(select(Person.residence_status, func.count()).where(
            Person.deleted_at.is_(None)).group_by(Person.residence_status)):
        persons[status] = n
    land_year = session.scalar(select(func.max(LandPlot.year)).where(LandPlot.deleted_at.is_(None)))
    plots, area = 0, 0
    if land_year is not None:
        plots, area = session.execute(select(func.count(), func.coalesce(func.sum(LandPlot.area_m2), 0)).where(
            LandPlot.year == land_year, LandPlot.deleted_at.is_(None))).one()
    stock_year = session.scalar(select(func.max(LivestockCount.year)).where(LivestockCount.deleted_at.is_(None)))
    heads = {s: 0 for s in codes.SPECIES}
    if stock_year is not None:
        for species, n in session.execute(select(LivestockCount.species, func.sum(LivestockCount.heads)).where(
                LivestockCount.year == stock_year, LivestockCount.deleted_at.is_(None))
                .group_by(LivestockCount.species)):
            heads[species] = int(n or 0)
    return BookStats(villages or 0, households, persons, land_year, int(plots), int(area), stock_year, heads)
