"""Data quality: a completeness score per household with its reasons, totals per village, a work list.

The person, land and livestock checks are the save-time rules themselves
(``persons.check_person``, ``farm.plot_problems``, ``farm.livestock_problems``), so a record the
dashboard calls wrong is one the form would refuse, and the other way round.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.i18n import N_, _
from okmot.identity.names import fix_lookalikes
from okmot.models import Household, LandPlot, LivestockCount, Membership, Person, RoundVisit, Village
from okmot.services import farm, persons
from okmot.services.persons import LIVING_STATUSES, PersonData

ADULT_AGE = 18

#: Reason code -> label. The order is the order of the dashboard's columns.
REASONS = {
    "no_head": N_("no head of household"),
    "adult_without_pin": N_("adult without PIN"),
    "missing_birth_date": N_("missing birth date"),
    "pin_disagreement": N_("PIN disagrees with sex or birth date"),
    "invalid_person": N_("person record breaks a rule"),
    "latin_letters": N_("Latin letters in a name"),
    "land_without_area": N_("land without area"),
    "livestock_not_updated": N_("livestock not updated for the year"),
    "livestock_invalid": N_("livestock counts break a rule"),
    "single_person": N_("single-person household"),
}
#: Reasons that describe the household rather than a fault in the data: shown, never scored.
INFO_REASONS = frozenset({"single_person"})
#: Which tab of the household card shows the problem.
SECTIONS = {"land_without_area": "land", "livestock_not_updated": "livestock", "livestock_invalid": "livestock"}


@dataclass(frozen=True)
class Problem:
    code: str
    #: Translated detail: who, what exactly.
    message: str
    person_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        return codes.label(REASONS, self.code)

    @property
    def section(self) -> str:
        return SECTIONS.get(self.code, "members")

    @property
    def is_info(self) -> bool:
        return self.code in INFO_REASONS


@dataclass(frozen=True)
class HouseholdQuality:
    household_id: uuid.UUID
    account_number: str
    village_id: uuid.UUID
    head_name: str
    #: 0–100: the share of the household's checked items that are complete and valid.
    score: int
    problems: tuple[Problem, ...]

    @property
    def faults(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_info)

    @property
    def complete(self) -> bool:
        return not self.faults


@dataclass(frozen=True)
class VillageQuality:
    village_id: uuid.UUID | None
    name_ky: str
    name_ru: str
    households: int
    complete: int
    average_score: float
    by_reason: dict[str, int] = field(default_factory=dict)

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


@dataclass(frozen=True)
class QualityReport:
    year: int
    households: tuple[HouseholdQuality, ...]
    villages: tuple[VillageQuality, ...]
    total: VillageQuality

    @property
    def work_list(self) -> tuple[HouseholdQuality, ...]:
        """Households with something to fix, the least complete first."""
        return tuple(sorted((h for h in self.households if h.faults),
                            key=lambda h: (h.score, h.account_number)))

    def of(self, household_id: uuid.UUID) -> HouseholdQuality | None:
        return next((h for h in self.households if h.household_id == household_id), None)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _Tally:
    """Items checked and items that passed, for the score."""

    def __init__(self) -> None:
        self.total = 0
        self.ok = 0

    def item(self, passed: bool) -> bool:
        self.total += 1
        self.ok += passed
        return passed

    @property
    def score(self) -> int:
        return round(100 * self.ok / self.total) if self.total else 100


def _person_problems(session: Session, person: Person, pins: persons.LivingPinIndex, today: dt.date,
                     tally: _Tally) -> list[Problem]:
    name = f"{person.surname} {person.given_name}".strip()
    out = []
    if not tally.item(person.birth_date is not None):
        out.append(Problem("missing_birth_date", _("{name}: the birth date is missing.").format(name=name),
                           person.id))
    if person.birth_date is not None and _age(person.birth_date, today) >= ADULT_AGE:
        if not tally.item(bool(person.pin)):
            out.append(Problem("adult_without_pin", _("{name}: an adult without a PIN.").format(name=name),
                               person.id))
    data: PersonData = persons.to_data(person)
    check = persons.check_person(session, data, person_id=person.id, today=today, pin_holder=pins)
    record_ok = True
    for message in check.errors.values():
        out.append(Problem("invalid_person", f"{name}: {message}", person.id))
        record_ok = False
    for message in check.warnings.values():
        out.append(Problem("pin_disagreement", f"{name}: {message}", person.id))
        record_ok = False
    if check.notices or any(fix_lookalikes(v).changed for v in (data.patronymic_ky, data.patronymic_ru)):
        out.append(Problem("latin_letters", _("{name}: Latin letters typed inside a Cyrillic name.").format(
            name=name), person.id))
        record_ok = False
    tally.item(record_ok)
    return out


def quality_report(session: Session, *, year: int | None = None, today: dt.date | None = None,
                   village_id: uuid.UUID | None = None,
                   household_ids: list[uuid.UUID] | None = None) -> QualityReport:
    """Check every open household (of one village, or the given ones) and total the results per village."""
    today = today or dt.date.today()
    year = year or today.year
    q = select(Household).where(Household.deleted_at.is_(None), Household.status == "open")
    if village_id is not None:
        q = q.where(Household.village_id == village_id)
    if household_ids is not None:
        q = q.where(Household.id.in_(household_ids))
    homes = {h.id: h for h in session.scalars(q)}
    villages = {v.id: v for v in session.scalars(select(Village).where(Village.deleted_at.is_(None)))}

    members: dict[uuid.UUID, list[tuple[Membership, Person]]] = defaultdict(list)
    for m, p in session.execute(
            select(Membership, Person).join(Person, Person.id == Membership.person_id)
            .where(Membership.to_date.is_(None), Membership.deleted_at.is_(None), Person.deleted_at.is_(None))):
        if m.household_id in homes:
            members[m.household_id].append((m, p))
    stock: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for r in session.scalars(select(LivestockCount).where(LivestockCount.year == year,
                                                          LivestockCount.deleted_at.is_(None))):
        stock[r.household_id][r.species] = r.heads
    # A household visited in the round with no animals has no counts to store: the visit is the update.
    visited = set(session.scalars(select(RoundVisit.household_id).where(RoundVisit.year == year,
                                                                        RoundVisit.deleted_at.is_(None))))
    plots: dict[uuid.UUID, dict[int, list[farm.PlotData]]] = defaultdict(lambda: defaultdict(list))
    for p in session.scalars(select(LandPlot).where(LandPlot.year <= year, LandPlot.deleted_at.is_(None))):
        plots[p.household_id][p.year].append(farm.PlotData(p.category, p.area_m2, p.document or "",
                                                           p.cadastral_number or "", p.id))
    pins = persons.LivingPinIndex(session)

    results = []
    for hid, hh in homes.items():
        tally = _Tally()
        problems: list[Problem] = []
        current = [(m, p) for m, p in members.get(hid, []) if p.residence_status in LIVING_STATUSES]
        head = next((p for m, p in current if m.relation == "head"), None)
        if not tally.item(head is not None):
            problems.append(Problem("no_head", _("Nobody living here is recorded as the head of household.")))
        if len(current) == 1:
            problems.append(Problem("single_person", _("One person lives in this household.")))
        for _m, person in sorted(current, key=lambda mp: (mp[1].surname, mp[1].given_name)):
            problems += _person_problems(session, person, pins, today, tally)
        years = plots.get(hid)
        if years:
            latest = max(years)
            for message in farm.plot_problems(years[latest]).values():
                problems.append(Problem("land_without_area", _("Land on 1 January {year}: {problem}").format(
                    year=latest, problem=message)))
            tally.item(not farm.plot_problems(years[latest]))
        counts = stock.get(hid)
        if not tally.item(counts is not None or hid in visited):
            problems.append(Problem("livestock_not_updated", _("Livestock has not been recorded for 1 January "
                                                               "{year}.").format(year=year)))
        elif counts is not None:
            faults = farm.livestock_problems(counts)
            for message in faults.values():
                problems.append(Problem("livestock_invalid", message))
            tally.item(not faults)
        head_name = f"{head.surname} {head.given_name}" if head else ""
        results.append(HouseholdQuality(hid, hh.account_number, hh.village_id, head_name, tally.score,
                                        tuple(problems)))
    results.sort(key=lambda r: (villages[r.village_id].code if r.village_id in villages else "",
                                len(r.account_number.lstrip("0")), r.account_number.lstrip("0")))
    by_village: dict[uuid.UUID, list[HouseholdQuality]] = defaultdict(list)
    for r in results:
        by_village[r.village_id].append(r)
    village_rows = tuple(
        _totals(vid, villages[vid].name_ky, villages[vid].name_ru, rows)
        for vid, rows in sorted(by_village.items(), key=lambda kv: villages[kv[0]].code))
    return QualityReport(year, tuple(results), village_rows, _totals(None, _("All villages"), _("All villages"),
                                                                      results))


def _totals(village_id, name_ky: str, name_ru: str, rows: list[HouseholdQuality]) -> VillageQuality:
    reasons: Counter[str] = Counter()
    for r in rows:
        reasons.update({p.code for p in r.problems})
    average = round(sum(r.score for r in rows) / len(rows), 1) if rows else 100.0
    return VillageQuality(village_id, name_ky, name_ru, len(rows), sum(1 for r in rows if r.complete), average,
                          {code: reasons.get(code, 0) for code in REASONS})
