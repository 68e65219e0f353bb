"""The dry run: every row checked with the save-time rules, matched against the book, and summarised.

Households are matched by account number, persons by PIN or by name and birth date within their
household; an empty cell never erases what the book already has. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.errors import UserError, ValidationError
from okmot.i18n import _
from okmot.identity import pin as pins
from okmot.identity.names import fix_lookalikes, search_key
from okmot.importer import values
from okmot.importer.fields import FARM, FIELDS, PERSONS
from okmot.importer.mapping import ColumnMapping, detect, normalise, remembered
from okmot.importer.reader import SourceFile
from okmot.models import Household, LandPlot, LivestockCount, Membership, Person, Street, Village
from okmot.services import farm, persons, settings
from okmot.services.persons import LIVING_STATUSES, PersonData

ERROR, WARNING = "error", "warning"
_NAME_FIELDS = ("surname", "given_name", "father_name")
_HOUSEHOLD_FIELDS = ("village", "street", "house_number", "address_note")
#: Households whose members, land and livestock are read per query.
_CHUNK = 500
_STREET_WORDS = {"көчөсү", "көчө", "ул", "улица", "пр", "проспект", "пер", "переулок", "street", "st"}


class MappingError(UserError):
    """The file's columns could not be matched to the book's fields."""


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str
    value: str
    message: str
    severity: str = ERROR

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "problem": self.message, "severity": self.severity}


@dataclass(frozen=True)
class Summary:
    rows: int = 0
    households_create: int = 0
    households_update: int = 0
    households_unchanged: int = 0
    persons_create: int = 0
    persons_update: int = 0
    persons_unchanged: int = 0
    farm_create: int = 0
    farm_update: int = 0
    farm_unchanged: int = 0
    streets_create: int = 0

    @property
    def writes(self) -> int:
        return (self.households_create + self.households_update + self.persons_create + self.persons_update
                + self.farm_create + self.farm_update + self.streets_create)

    def as_json(self) -> dict:
        return {"rows": self.rows,
                "households": {"create": self.households_create, "update": self.households_update,
                               "unchanged": self.households_unchanged},
                "persons": {"create": self.persons_create, "update": self.persons_update,
                            "unchanged": self.persons_unchanged},
                "land_and_livestock": {"create": self.farm_create, "update": self.farm_update,
                                       "unchanged": self.farm_unchanged},
                "streets": {"create": self.streets_create}}


@dataclass(frozen=True)
class PlannedPerson:
    row: int
    action: str  # create / update / unchanged
    person_id: uuid.UUID | None
    data: PersonData
    relation: str


@dataclass(frozen=True)
class PlannedHousehold:
    account_number: str
    row: int
    action: str
    household_id: uuid.UUID | None
    village_id: uuid.UUID | None
    street_id: uuid.UUID | None
    #: A street named in the file that the village does not have yet (created by the import).
    new_street: str
    house_number: str
    address_note: str
    persons: tuple[PlannedPerson, ...]


@dataclass(frozen=True)
class PlannedFarm:
    account_number: str
    year: int
    row: int
    action: str
    household_id: uuid.UUID | None
    #: The year's complete list of plots when land changes, else None.
    plots: tuple[farm.PlotData, ...] | None
    #: The year's complete head counts when livestock changes, else None.
    livestock: dict[str, int] | None


@dataclass(frozen=True)
class ImportPlan:
    source: str
    encoding: str
    aimak_id: uuid.UUID
    mappings: dict[str, ColumnMapping]
    households: tuple[PlannedHousehold, ...]
    farms: tuple[PlannedFarm, ...]
    problems: tuple[RowProblem, ...]
    summary: Summary

    @property
    def errors(self) -> tuple[RowProblem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[RowProblem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)


def detect_mappings(session: Session, source: SourceFile) -> dict[str, ColumnMapping]:
    """The persons sheet (the first one whose headers say so) and, in a workbook, the land/livestock sheet."""
    saved = remembered(session)
    out: dict[str, ColumnMapping] = {}
    for sheet in source.sheets:
        if PERSONS not in out:
            found = detect(sheet, PERSONS, saved)
            if found is not None and not found.missing_required():
                out[PERSONS] = found
                continue
        if FARM not in out:
            found = detect(sheet, FARM, saved)
            if found is not None and not found.missing_required():
                out[FARM] = found
    if PERSONS not in out:
        first = detect(source.sheets[0], PERSONS, saved) if source.sheets else None
        if first is not None:
            out[PERSONS] = first
    return out


def check_mappings(mappings: dict[str, ColumnMapping]) -> None:
    persons_map = mappings.get(PERSONS)
    if persons_map is None:
        raise MappingError(_("No header line with the book's columns was found (account No., village, surname, "
                             "given name). Save the template from Okmot and compare, or map the columns by hand."))
    missing = persons_map.missing_required() + (mappings[FARM].missing_required() if FARM in mappings else [])
    if missing:
        raise MappingError(_("These columns are required and were not found: {columns}.").format(
            columns=", ".join(f.label_text for f in missing)))


class _Book:
    """What the planner needs from the database, read once."""

    def __init__(self, session: Session):
        office = settings.get(session, "office_id")
        if office is None:
            raise UserError(_("Set up the aiyl aimak and its villages before importing a book."))
        self.aimak_id = uuid.UUID(office)
        self.villages: dict[str, Village] = {}
        for v in session.scalars(select(Village).where(Village.aimak_id == self.aimak_id,
                                                       Village.deleted_at.is_(None))):
            for name in (v.name_ky, v.name_ru, v.code):
                self.villages.setdefault(normalise(fix_lookalikes(name).text), v)
        self.streets: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        for s in session.scalars(select(Street).where(Street.deleted_at.is_(None))):
            for name in (s.name_ky, s.name_ru):
                self.streets.setdefault((s.village_id, street_key(name)), s.id)
        # Columns, not entities, and the members, land and livestock only of the households the file
        # names (load()): reading the whole book as ORM objects took ~700 MB for 10 000 households.
        self.households: dict[str, Row] = {}
        self.households_bare: dict[str, Row] = {}
        for h in session.execute(select(Household.id, Household.account_number, Household.village_id,
                                        Household.street_id, Household.house_number, Household.address_note)
                                 .where(Household.aimak_id == self.aimak_id, Household.deleted_at.is_(None))):
            self.households[h.account_number] = h
            self.households_bare.setdefault(h.account_number.lstrip("0"), h)
        self.session = session
        self._loaded: set[uuid.UUID] = set()
        self.members: dict[uuid.UUID, list[tuple[Membership, Person]]] = defaultdict(list)
        self.land: dict[tuple[uuid.UUID, int], list[LandPlot]] = defaultdict(list)
        self.stock: dict[tuple[uuid.UUID, int], dict[str, int]] = defaultdict(dict)
        self.pins = persons.LivingPinIndex(session)

    def load(self, household_ids: Iterable[uuid.UUID]) -> None:
        """Read the members, land and livestock of these households (those not read yet), in chunks."""
        todo = sorted(set(household_ids) - self._loaded)
        self._loaded.update(todo)
        s = self.session
        for i in range(0, len(todo), _CHUNK):
            chunk = todo[i:i + _CHUNK]
            for m, p in s.execute(select(Membership, Person).join(Person, Person.id == Membership.person_id)
                                  .where(Membership.household_id.in_(chunk), Membership.deleted_at.is_(None),
                                         Person.deleted_at.is_(None))):
                self.members[m.household_id].append((m, p))
            for p in s.scalars(select(LandPlot).where(LandPlot.household_id.in_(chunk),
                                                      LandPlot.deleted_at.is_(None))):
                self.land[(p.household_id, p.year)].append(p)
            for hid, year, species, heads in s.execute(
                    select(LivestockCount.household_id, LivestockCount.year, LivestockCount.species,
                           LivestockCount.heads).where(LivestockCount.household_id.in_(chunk),
                                                       LivestockCount.deleted_at.is_(None))):
                self.stock[(hid, year)][species] = heads

    def household(self, account: str) -> Row | None:
        return self.households.get(account) or (self.households_bare.get(account.lstrip("0"))
                                                if account.isdigit() else None)


def street_key(name: str) -> str:
    words = [w for w in normalise(fix_lookalikes(name).text).replace(".", " ").split() if w not in _STREET_WORDS]
    return " ".join(words)


class _Planner:
    def __init__(self, session: Session, source: SourceFile, mappings: dict[str, ColumnMapping]):
        self.session = session
        self.source = source
        self.mappings = mappings
        self.book = _Book(session)
        self.problems: list[RowProblem] = []
        self.today = dt.date.today()

    # --- reporting ------------------------------------------------------------------------------

    def problem(self, mapping: ColumnMapping, row: int, key: str, value: object, message: str,
                severity: str = ERROR) -> None:
        if mapping.column_of(key) is not None:
            column = mapping.header_of(key)
        else:
            known = [f for f in FIELDS[mapping.kind] if f.key == key]
            column = known[0].label_text if known else key
        self.problems.append(RowProblem(mapping.sheet_title, row, column, values.text(value), message, severity))

    # --- persons sheet --------------------------------------------------------------------------

    def _rows(self, mapping: ColumnMapping):
        sheet = next(s for s in self.source.sheets if s.title == mapping.sheet_title)
        for number, cells in sheet.rows:
            if number <= mapping.header_row:
                continue
            raw = {key: cells[i] if i < len(cells) else None for i, key in mapping.columns.items()}
            if all(values.text(v) == "" for v in raw.values()):
                continue
            yield number, raw

    def _person_row(self, m: ColumnMapping, number: int, raw: dict) -> tuple[PersonData | None, str, dict]:
        """The row's person (None when a cell is unreadable), its relation code and household cells."""
        ok = True
        fields: dict = {"_derived": set()}
        for key in _NAME_FIELDS:
            text = values.text(raw.get(key))
            if "?" in text or "\ufffd" in text:
                self.problem(m, number, key, text, _("A letter was lost when the file was saved (shown as "
                                                     "“?”); correct the name in the file."))
                ok = False
            fixed = fix_lookalikes(text)
            if fixed.changed:
                letters = ", ".join(f"{a}→{b}" for a, b in dict.fromkeys(fixed.replaced))
                self.problem(m, number, key, text, _("Latin letters replaced with Cyrillic ({letters}).").format(
                    letters=letters), WARNING)
            fields[key] = fixed.text
        for key, parse in (("birth_date", values.parse_date), ("status_date", values.parse_date)):
            try:
                fields[key] = parse(raw.get(key))
            except ValueError as exc:
                self.problem(m, number, key, raw.get(key), str(exc))
                ok = False
        relation = ""
        for key in ("sex", "relation", "residence_status"):
            try:
                fields[key] = values.parse_code(key, raw.get(key))
            except ValueError as exc:
                self.problem(m, number, key, raw.get(key), str(exc))
                ok = False
                fields[key] = ""
        relation = fields.pop("relation")
        fields["pin"] = values.parse_pin(raw.get("pin"))
        household = {key: values.text(raw.get(key)) for key in _HOUSEHOLD_FIELDS}
        household["account_number"] = values.text(raw.get("account_number"))
        if not ok:
            return None, relation, household
        # What the PIN or a Kyrgyz patronymic says fills a blank sex or birth date.
        try:
            decoded = pins.decode(fields["pin"]) if fields["pin"] else None
        except pins.PinError:
            decoded = None
        if not fields["sex"]:
            words = fields["father_name"].casefold().split()
            fields["sex"] = (decoded.sex if decoded else "M" if words[-1:] == ["уулу"] else
                             "F" if words[-1:] == ["кызы"] else "")
            fields["_derived"].add("sex")
        if fields["birth_date"] is None and decoded:
            fields["birth_date"] = decoded.birth_date
            fields["_derived"].add("birth_date")
        return fields, relation, household

    def plan_persons(self) -> list[PlannedHousehold]:
        m = self.mappings[PERSONS]
        groups: dict[str, list[tuple[int, dict | None, str, dict]]] = {}
        for number, raw in self._rows(m):
            person, relation, household = self._person_row(m, number, raw)
            account = household["account_number"]
            if not account:
                self.problem(m, number, "account_number", "", _("The account number is missing."))
                continue
            groups.setdefault(account, []).append((number, person, relation, household))
        self.rows = sum(len(g) for g in groups.values())
        self.book.load(h.id for h in map(self.book.household, groups) if h is not None)
        pins_seen: dict[str, int] = {}
        return [self._plan_household(m, account, rows, pins_seen) for account, rows in groups.items()]

    def _household_cells(self, m: ColumnMapping, rows) -> dict[str, tuple[str, int]]:
        """Each household column's value and the row it came from; rows that disagree are errors."""
        cells: dict[str, tuple[str, int]] = {}
        for number, _person, _relation, household in rows:
            for key in _HOUSEHOLD_FIELDS:
                value = household[key]
                if not value:
                    continue
                if key not in cells:
                    cells[key] = (value, number)
                elif normalise(cells[key][0]) != normalise(value):
                    self.problem(m, number, key, value, _("Differs from row {row} of the same household ({value})."
                                                          ).format(row=cells[key][1], value=cells[key][0]))
        return cells

    def _plan_household(self, m: ColumnMapping, account: str, rows, pins_seen: dict[str, int]) -> PlannedHousehold:
        first = rows[0][0]
        cells = self._household_cells(m, rows)
        existing = self.book.household(account)
        village_id = existing.village_id if existing else None
        if "village" in cells:
            text, row = cells["village"]
            village = self.book.villages.get(normalise(fix_lookalikes(text).text))
            if village is None:
                self.problem(m, row, "village", text, _("Unknown village; the villages of this aiyl aimak are: "
                                                        "{names}.").format(names=", ".join(sorted(
                                                            {v.name_ky for v in self.book.villages.values()}))))
            village_id = village.id if village else None
        elif existing is None:
            self.problem(m, first, "village", "", _("The village is missing for this household."))
        street_id = existing.street_id if existing else None
        new_street = ""
        if "street" in cells and village_id is not None:
            text = fix_lookalikes(cells["street"][0]).text
            street_id = self.book.streets.get((village_id, street_key(text)))
            if street_id is None:
                new_street = text
        house = cells.get("house_number", (existing.house_number if existing else "", 0))[0]
        note = fix_lookalikes(cells.get("address_note", (existing.address_note if existing else "", 0))[0]).text
        planned = self._plan_members(m, existing, rows, pins_seen)
        if existing is None:
            action = "create"
        elif (village_id, street_id, house, note, new_street) == (existing.village_id, existing.street_id,
                                                                   existing.house_number or "",
                                                                   existing.address_note or "", ""):
            action = "unchanged"
        else:
            action = "update"
        return PlannedHousehold(existing.account_number if existing else account, first, action,
                                existing.id if existing else None, village_id, street_id, new_street, house, note,
                                tuple(planned))

    def _match(self, existing: Row | None, fields: dict) -> tuple[Membership, Person] | None:
        if existing is None:
            return None
        stays = self.book.members.get(existing.id, [])
        if fields["pin"]:
            hit = next(((mm, p) for mm, p in stays if p.pin == fields["pin"]), None)
            if hit:
                return hit
        key = (search_key(fields["surname"]), search_key(fields["given_name"]), fields["birth_date"])
        return next(((mm, p) for mm, p in stays
                     if (p.surname_key, p.given_name_key, p.birth_date) == key
                     and (not fields["pin"] or not p.pin)), None)

    def _plan_members(self, m: ColumnMapping, existing: Row | None, rows, pins_seen) -> list[PlannedPerson]:
        out: list[PlannedPerson] = []
        matched_rows: dict[uuid.UUID, int] = {}
        heads: list[int] = []
        for index, (number, fields, relation, _household) in enumerate(rows):
            if fields is None:
                continue
            derived = fields.pop("_derived")
            hit = self._match(existing, fields)
            membership, person = hit if hit else (None, None)
            if person is not None:
                if person.id in matched_rows:
                    self.problem(m, number, "surname", fields["surname"], _("The same person as row {row}.").format(
                        row=matched_rows[person.id]))
                    continue
                matched_rows[person.id] = number
                base = persons.to_data(person)
                # Only what the file says changes the record: values worked out from the PIN do not.
                given = {k: v for k, v in fields.items() if v not in ("", None) and k not in derived}
                data = replace(base, **given)
                relation = relation or membership.relation
            else:
                data = PersonData(**{k: v for k, v in fields.items() if v not in ("", None)} | {
                    k: fields[k] for k in ("surname", "given_name", "sex")})
                if not relation:
                    if index == 0 and not any(r[2] == "head" for r in rows):
                        relation = "head"
                    else:
                        self.problem(m, number, "relation", "", _("Enter the relation to the head."))
                        continue
            check = persons.check_person(self.session, data, person_id=person.id if person else None,
                                         today=self.today, pin_holder=self.book.pins)
            for key, message in {**check.warnings, **check.errors}.items():
                self.problem(m, number, key, getattr(data, key, ""), message)
            if check.errors or check.warnings:
                continue
            clean = check.data
            if clean.pin and clean.residence_status in LIVING_STATUSES:
                if clean.pin in pins_seen:
                    self.problem(m, number, "pin", clean.pin, _("The same PIN is on row {row}.").format(
                        row=pins_seen[clean.pin]))
                    continue
                pins_seen[clean.pin] = number
            if relation == "head" and clean.residence_status in LIVING_STATUSES:
                heads.append(number)
            if person is None:
                action = "create"
            elif clean == persons.to_data(person) and relation == membership.relation:
                action = "unchanged"
            else:
                action = "update"
            out.append(PlannedPerson(number, action, person.id if person else None, clean, relation))
        book_head = False
        if existing is not None:
            in_file = {p.person_id for p in out}
            book_head = any(mm.relation == "head" and mm.to_date is None and p.id not in in_file
                            and p.residence_status in LIVING_STATUSES for mm, p in self.book.members[existing.id])
        for number in heads if book_head else heads[1:]:
            self.problem(m, number, "relation", codes.label(codes.RELATIONS, "head"),
                         _("The household already has a head."))
        if book_head or len(heads) > 1:
            out = [p for p in out if p.row not in (heads if book_head else heads[1:])]
        return out

    # --- land and livestock sheet ---------------------------------------------------------------

    def plan_farm(self, households: list[PlannedHousehold]) -> list[PlannedFarm]:
        m = self.mappings.get(FARM)
        if m is None:
            return []
        in_file = {h.account_number: h for h in households}
        self.book.load(h.id for h in (self.book.household(values.text(raw.get("account_number")))
                                      for _number, raw in self._rows(m)) if h is not None)
        seen: dict[tuple[str, int], int] = {}
        out = []
        for number, raw in self._rows(m):
            account = values.text(raw.get("account_number"))
            try:
                year = values.parse_int(raw.get("year"))
                if year is None:
                    raise ValueError(_("The year is missing."))
                farm._check_year(year)
            except ValueError as exc:
                self.problem(m, number, "year", raw.get("year"), str(exc))
                continue
            except ValidationError as exc:
                self.problem(m, number, "year", raw.get("year"), exc.message)
                continue
            planned = in_file.get(account)
            existing = self.book.household(account) if planned is None else None
            if planned is None and existing is None:
                self.problem(m, number, "account_number", account,
                             _("No household with this account number in the file or the book."))
                continue
            account = planned.account_number if planned else existing.account_number
            if (account, year) in seen:
                self.problem(m, number, "year", year, _("Land and livestock of this household for {year} are "
                                                        "also on row {row}.").format(year=year,
                                                                                     row=seen[(account, year)]))
                continue
            seen[(account, year)] = number
            hid = planned.household_id if planned else existing.id
            result = self._plan_farm_row(m, number, hid, year, raw)
            if result is not None:
                plots, stock, action = result
                out.append(PlannedFarm(account, year, number, action, hid, plots, stock))
        return out

    def _plan_farm_row(self, m: ColumnMapping, number: int, hid: uuid.UUID | None, year: int, raw: dict):
        ok = True
        old_plots = self.book.land.get((hid, year), []) if hid else []
        old_stock = dict(self.book.stock.get((hid, year), {})) if hid else {}
        changed_categories: dict[str, int] = {}
        counts = dict(old_stock)
        stock_changed = False
        for key, value in raw.items():
            if key.startswith("land:"):
                category = key.partition(":")[2]
                try:
                    area = values.parse_area_m2(value)
                except ValueError as exc:
                    self.problem(m, number, key, value, str(exc))
                    ok = False
                    continue
                if area is None:
                    continue
                if area < 0:
                    self.problem(m, number, key, value, _("The area cannot be negative."))
                    ok = False
                    continue
                problems = farm.plot_problems([farm.PlotData(category, area)]) if area else {}
                for message in problems.values():
                    self.problem(m, number, key, value, message)
                    ok = False
                if sum(p.area_m2 for p in old_plots if p.category == category) != area:
                    changed_categories[category] = area
            elif key.startswith("livestock:"):
                species = key.partition(":")[2]
                try:
                    heads = values.parse_int(value)
                except ValueError as exc:
                    self.problem(m, number, key, value, str(exc))
                    ok = False
                    continue
                if heads is None:
                    continue
                if heads != old_stock.get(species, 0):
                    stock_changed = True
                counts[species] = heads
        for species, message in farm.livestock_problems(counts).items():
            self.problem(m, number, f"livestock:{species}", counts.get(species), message)
            ok = False
        if not ok:
            return None
        plots = None
        if changed_categories:
            kept = [farm.PlotData(p.category, p.area_m2, p.document or "", p.cadastral_number or "", p.id)
                    for p in old_plots if p.category not in changed_categories]
            plots = tuple(kept + [farm.PlotData(c, a) for c, a in changed_categories.items() if a > 0])
        stock = counts if stock_changed else None
        if plots is None and stock is None:
            action = "unchanged"
        else:
            action = "update" if (old_plots or old_stock) else "create"
        return plots, stock, action


def plan_import(session: Session, source: SourceFile,
                mappings: dict[str, ColumnMapping] | None = None) -> ImportPlan:
    """Check and match every row of ``source``; what an import would do, and every problem found."""
    mappings = mappings if mappings is not None else detect_mappings(session, source)
    check_mappings(mappings)
    planner = _Planner(session, source, mappings)
    households = planner.plan_persons()
    farms = planner.plan_farm(households)
    count = defaultdict(int)
    for h in households:
        count["h_" + h.action] += 1
        for p in h.persons:
            count["p_" + p.action] += 1
    for f in farms:
        count["f_" + f.action] += 1
    streets = {(h.village_id, street_key(h.new_street)) for h in households if h.new_street}
    summary = Summary(planner.rows, count["h_create"], count["h_update"], count["h_unchanged"],
                      count["p_create"], count["p_update"], count["p_unchanged"],
                      count["f_create"], count["f_update"], count["f_unchanged"], len(streets))
    problems = sorted(planner.problems, key=lambda p: (p.sheet != mappings[PERSONS].sheet_title, p.sheet, p.row))
    return ImportPlan(str(source.path), source.encoding, planner.book.aimak_id, mappings, tuple(households),
                      tuple(farms), tuple(problems), summary)
