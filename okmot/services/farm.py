"""The household's dwelling, land and livestock as of 1 January of each year, and machinery."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.db.journal import tombstone
from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import _
from okmot.models import Dwelling, Household, LandPlot, LivestockCount, Machinery
from okmot.services.changes import Changes
from okmot.permissions import require_session

M2_PER_HA = 10_000


@dataclass(frozen=True)
class DwellingData:
    kind: str = "house"
    year_built: int | None = None
    wall_material: str = ""
    rooms: int | None = None
    living_area_dm2: int | None = None
    total_area_dm2: int | None = None
    has_electricity: bool = True
    has_water: bool = False
    has_gas: bool = False
    has_sewerage: bool = False
    has_central_heating: bool = False
    owner: str = ""


@dataclass(frozen=True)
class PlotData:
    category: str
    area_m2: int
    document: str = ""
    cadastral_number: str = ""
    #: Set for a plot already saved; None for a new one.
    id: uuid.UUID | None = None

    @property
    def area_ha(self) -> float:
        return self.area_m2 / M2_PER_HA


@dataclass(frozen=True)
class MachineData:
    kind: str
    model: str = ""
    year_made: int | None = None
    registration_number: str = ""
    note: str = ""
    id: uuid.UUID | None = None


def _household(session: Session, household_id: uuid.UUID) -> Household:
    hh = session.get(Household, household_id)
    if hh is None or hh.deleted_at is not None:
        raise NotFoundError(_("The household was not found; it may have been removed."))
    return hh


def _check_year(year: int) -> None:
    if not 1990 <= year <= dt.date.today().year + 1:
        raise ValidationError({"year": _("The year {year} is outside the book's range.").format(year=year)})


# --- dwelling -------------------------------------------------------------------------------

def get_dwelling(session: Session, household_id: uuid.UUID) -> DwellingData | None:
    d = session.scalar(select(Dwelling).where(Dwelling.household_id == household_id,
                                              Dwelling.deleted_at.is_(None)))
    if d is None:
        return None
    return DwellingData(**{f.name: getattr(d, f.name) for f in fields(DwellingData)})


def save_dwelling(session: Session, household_id: uuid.UUID, data: DwellingData) -> Changes:
    require_session(session, "farm.edit")
    _household(session, household_id)
    errors = {}
    if data.kind not in codes.DWELLING_KINDS:
        errors["kind"] = _("Choose the kind of dwelling.")
    if data.year_built is not None and not 1800 <= data.year_built <= dt.date.today().year:
        errors["year_built"] = _("The year built is impossible.")
    if data.rooms is not None and not 0 <= data.rooms <= 100:
        errors["rooms"] = _("The number of rooms is impossible.")
    for name in ("living_area_dm2", "total_area_dm2"):
        value = getattr(data, name)
        if value is not None and value < 0:
            errors[name] = _("An area cannot be negative.")
    if (data.living_area_dm2 and data.total_area_dm2 and data.living_area_dm2 > data.total_area_dm2):
        errors["living_area_dm2"] = _("The living area cannot exceed the total area.")
    if errors:
        raise ValidationError(errors)
    d = session.scalar(select(Dwelling).where(Dwelling.household_id == household_id,
                                              Dwelling.deleted_at.is_(None)))
    if d is None:
        d = Dwelling(household_id=household_id)
        session.add(d)
    for f in fields(DwellingData):
        setattr(d, f.name, getattr(data, f.name))
    session.flush()
    return Changes(households=frozenset({household_id}))


# --- land -----------------------------------------------------------------------------------

def land_by_year(session: Session, household_id: uuid.UUID) -> dict[int, tuple[PlotData, ...]]:
    rows = session.scalars(select(LandPlot).where(LandPlot.household_id == household_id,
                                                  LandPlot.deleted_at.is_(None))
                           .order_by(LandPlot.year, LandPlot.category))
    out: dict[int, list[PlotData]] = defaultdict(list)
    for p in rows:
        out[p.year].append(PlotData(p.category, p.area_m2, p.document or "", p.cadastral_number or "", p.id))
    return {year: tuple(plots) for year, plots in out.items()}


def validate_plots(plots: list[PlotData]) -> None:
    errors = plot_problems(plots)
    if errors:
        raise ValidationError(errors)


def plot_problems(plots: list[PlotData]) -> dict[str, str]:
    """What is wrong with a year's plots, by field; the rules behind validate_plots and the quality checks."""
    errors = {}
    for i, plot in enumerate(plots):
        if plot.category not in codes.LAND_CATEGORIES:
            errors[f"plots[{i}].category"] = _("Row {n}: choose the land category.").format(n=i + 1)
        if plot.area_m2 <= 0:
            errors[f"plots[{i}].area_m2"] = _("Row {n}: the area must be greater than zero.").format(n=i + 1)
        elif plot.area_m2 > 5_000 * M2_PER_HA:
            errors[f"plots[{i}].area_m2"] = _("Row {n}: the area is implausibly large.").format(n=i + 1)
    return errors


def save_land(session: Session, household_id: uuid.UUID, year: int, plots: list[PlotData]) -> Changes:
    """Replace the plots recorded as of 1 January ``year``; other years are untouched."""
    require_session(session, "farm.edit")
    _household(session, household_id)
    _check_year(year)
    validate_plots(plots)
    existing = {p.id: p for p in session.scalars(select(LandPlot).where(
        LandPlot.household_id == household_id, LandPlot.year == year, LandPlot.deleted_at.is_(None)))}
    kept = set()
    for plot in plots:
        row = existing.get(plot.id) if plot.id else None
        if row is None:
            row = LandPlot(household_id=household_id, year=year)
            session.add(row)
        else:
            kept.add(row.id)
        row.category, row.area_m2 = plot.category, plot.area_m2
        row.document, row.cadastral_number = plot.document.strip(), plot.cadastral_number.strip()
    for pid, row in existing.items():
        if pid not in kept:
            tombstone(row)
    session.flush()
    return Changes(households=frozenset({household_id}))


# --- livestock ------------------------------------------------------------------------------

def livestock_by_year(session: Session, household_id: uuid.UUID) -> dict[int, dict[str, int]]:
    rows = session.scalars(select(LivestockCount).where(LivestockCount.household_id == household_id,
                                                        LivestockCount.deleted_at.is_(None)))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        out[r.year][r.species] = r.heads
    return {year: dict(sorted(v.items(), key=lambda kv: list(codes.SPECIES).index(kv[0])
                              if kv[0] in codes.SPECIES else 99))
            for year, v in sorted(out.items())}


def validate_livestock(counts: dict[str, int]) -> None:
    errors = livestock_problems(counts)
    if errors:
        raise ValidationError(errors)


def livestock_problems(counts: dict[str, int]) -> dict[str, str]:
    """What is wrong with a year's head counts, by species; behind validate_livestock and the quality checks."""
    errors = {}
    for species, heads in counts.items():
        if species not in codes.SPECIES:
            errors[species] = _("Unknown species: {code}.").format(code=species)
        elif heads is None or heads < 0:
            errors[species] = _("{species}: the number of heads cannot be negative.").format(
                species=codes.label(codes.SPECIES, species))
        elif heads > 100_000:
            errors[species] = _("{species}: the number of heads is implausibly large.").format(
                species=codes.label(codes.SPECIES, species))
    if not errors and counts.get("cows", 0) > counts.get("cattle", 0):
        errors["cows"] = _("There cannot be more cows than cattle: cows are counted among the cattle.")
    return errors


def save_livestock(session: Session, household_id: uuid.UUID, year: int, counts: dict[str, int]) -> Changes:
    """Record heads per species as of 1 January ``year``; a species left out keeps no record."""
    require_session(session, "farm.edit")
    _household(session, household_id)
    _check_year(year)
    validate_livestock(counts)
    existing = {r.species: r for r in session.scalars(select(LivestockCount).where(
        LivestockCount.household_id == household_id, LivestockCount.year == year))}
    for species in codes.SPECIES:
        heads = counts.get(species, 0)
        row = existing.get(species)
        if row is None:
            if heads:
                session.add(LivestockCount(household_id=household_id, year=year, species=species, heads=heads))
        elif row.deleted_at is not None:
            if heads:
                row.deleted_at, row.heads = None, heads
        elif row.heads != heads:
            # Zero is kept as a record: "had 5 cows, now none" is information the book must show.
            row.heads = heads
    session.flush()
    return Changes(households=frozenset({household_id}))


# --- machinery ------------------------------------------------------------------------------

def list_machinery(session: Session, household_id: uuid.UUID) -> list[MachineData]:
    rows = session.scalars(select(Machinery).where(Machinery.household_id == household_id,
                                                   Machinery.deleted_at.is_(None)).order_by(Machinery.kind))
    return [MachineData(m.kind, m.model or "", m.year_made, m.registration_number or "", m.note or "", m.id)
            for m in rows]


def save_machinery(session: Session, household_id: uuid.UUID, items: list[MachineData]) -> Changes:
    require_session(session, "farm.edit")
    _household(session, household_id)
    errors = {}
    for i, item in enumerate(items):
        if item.kind not in codes.MACHINERY_KINDS:
            errors[f"machinery[{i}].kind"] = _("Row {n}: choose the kind of machinery.").format(n=i + 1)
        if item.year_made is not None and not 1900 <= item.year_made <= dt.date.today().year:
            errors[f"machinery[{i}].year_made"] = _("Row {n}: the year made is impossible.").format(n=i + 1)
    if errors:
        raise ValidationError(errors)
    existing = {m.id: m for m in session.scalars(select(Machinery).where(
        Machinery.household_id == household_id, Machinery.deleted_at.is_(None)))}
    kept = set()
    for item in items:
        row = existing.get(item.id) if item.id else None
        if row is None:
            row = Machinery(household_id=household_id)
            session.add(row)
        else:
            kept.add(row.id)
        row.kind, row.model, row.year_made = item.kind, item.model.strip(), item.year_made
        row.registration_number, row.note = item.registration_number.strip(), item.note.strip()
    for mid, row in existing.items():
        if mid not in kept:
            tombstone(row)
    session.flush()
    return Changes(households=frozenset({household_id}))
