"""Plain, frozen report data: what the queries return and what ``reports/`` renders (no storage here)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from okmot.identity import names

#: The household-size table's last column counts households of this many members and more.
MAX_SIZE = 10
#: Kinds of population movement, in report order.
EVENT_KINDS = ("birth", "death", "arrival", "departure")


@dataclass(frozen=True)
class Params:
    """What the user asked for: a report kind, a date or a period, villages (codes), a language."""

    kind: str
    as_of: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    #: Village codes; "CODE" matches that village in every office, "OFFICE/CODE" one office's.
    villages: tuple[str, ...] = ()
    #: Household account number, for the household card.
    account: str | None = None
    language: str = "ky"
    #: In a district database: only the aiyl aimak with this office code (None: every office).
    office: str | None = None


@dataclass(frozen=True)
class VillageRef:
    id: uuid.UUID
    code: str
    name_ky: str
    name_ru: str
    office_id: uuid.UUID
    office_code: str
    office_ky: str
    office_ru: str

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky

    def office(self, language: str) -> str:
        return self.office_ru if language == "ru" else self.office_ky

    @property
    def office_ref(self) -> OfficeRef:
        return OfficeRef(self.office_id, self.office_code, self.office_ky, self.office_ru)


@dataclass(frozen=True)
class OfficeRef:
    """An aiyl aimak (office) whose villages a report covers."""

    id: uuid.UUID
    code: str
    name_ky: str
    name_ru: str

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


@dataclass(frozen=True)
class Header:
    """The title block: whose figures, for when, about which villages, made when and by whom."""

    office_ky: str
    office_ru: str
    villages: tuple[VillageRef, ...]
    #: True when no village filter was given (the whole office or district).
    all_villages: bool
    multi_office: bool
    generated_at: dt.datetime
    generated_by: str
    as_of: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    #: A district database: it holds offices received in sync packages (which carry no applications,
    #: certificates or fees in format v1).
    district: bool = False

    def office(self, language: str) -> str:
        return self.office_ru if language == "ru" else self.office_ky

    @property
    def offices(self) -> tuple[OfficeRef, ...]:
        """The offices of the villages in scope, ordered by code."""
        return tuple(sorted({v.office_ref for v in self.villages}, key=lambda o: o.code))

    @property
    def by_office(self) -> bool:
        """Whether the report breaks its figures down per office (its villages belong to several)."""
        return len({v.office_id for v in self.villages}) > 1


@dataclass(frozen=True)
class Resident:
    """A person as a member of a household on the report's date."""

    person_id: uuid.UUID
    surname: str
    given_name: str
    father_name: str
    patronymic_ky: str
    patronymic_ru: str
    sex: str
    birth_date: dt.date | None
    pin: str
    relation: str
    household_id: uuid.UUID
    account: str
    village: VillageRef
    street_ky: str
    street_ru: str
    house_number: str
    apartment: str
    address_note: str

    def patronymic(self, language: str) -> str:
        override = self.patronymic_ru if language == "ru" else self.patronymic_ky
        if names.surname_is_patronymic(self.surname) and not override:
            return ""
        return names.patronymic(self.father_name, self.sex, language, override=override or None)

    def full_name(self, language: str) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic(language)) if p)

    def street(self, language: str) -> str:
        return self.street_ru if language == "ru" else self.street_ky

    def address(self, language: str) -> str:
        text = " ".join(p for p in (self.street(language), self.house_number) if p)
        if self.apartment:
            text += f", {self.apartment}"
        if self.address_note:
            text = f"{text}, {self.address_note}" if text else self.address_note
        return text


@dataclass(frozen=True)
class PopulationRow:
    village: VillageRef
    sex: str
    #: Persons per age group, in the order of okmot.reporting.ages.AGE_GROUPS.
    counts: tuple[int, ...]


@dataclass(frozen=True)
class PopulationData:
    header: Header
    rows: tuple[PopulationRow, ...]
    #: (band label, men, women) from the youngest band up.
    pyramid: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class HouseholdSizeRow:
    village: VillageRef
    #: Households with 1, 2, … members; the last entry counts MAX_SIZE members and more.
    by_size: tuple[int, ...]
    persons: int


@dataclass(frozen=True)
class HouseholdsData:
    header: Header
    rows: tuple[HouseholdSizeRow, ...]
    singles: tuple[Resident, ...]


@dataclass(frozen=True)
class MovementEvent:
    kind: str  # birth, death, arrival, departure
    on_date: dt.date
    person: Resident
    place: str = ""
    #: Where the event was read from: "movement" (the movement journal) or "membership".
    source: str = "membership"


@dataclass(frozen=True)
class MovementData:
    header: Header
    #: Every village in scope, so that a village without events still gets its row of zeros.
    villages: tuple[VillageRef, ...]
    events: tuple[MovementEvent, ...]


@dataclass(frozen=True)
class PersonList:
    """A list of residents (voters, the alphabetical book), already in the order to print."""

    header: Header
    people: tuple[Resident, ...]


@dataclass(frozen=True)
class DatedPerson:
    person: Resident
    on_date: dt.date
    age: int


@dataclass(frozen=True)
class DatedList:
    """People with a date each: reaching pension age (the birthday), school children (1 September)."""

    header: Header
    rows: tuple[DatedPerson, ...]
    #: The reference date of the list (1 September for school children).
    on_date: dt.date | None = None


@dataclass(frozen=True)
class LandRow:
    village: VillageRef
    category: str
    plots: int
    area_m2: int
    households: int


@dataclass(frozen=True)
class LandData:
    header: Header
    year: int
    rows: tuple[LandRow, ...]


@dataclass(frozen=True)
class LivestockRow:
    village: VillageRef
    species: str
    previous: int
    current: int


@dataclass(frozen=True)
class LivestockData:
    header: Header
    year: int
    rows: tuple[LivestockRow, ...]


@dataclass(frozen=True)
class TaxPlot:
    category: str
    area_m2: int
    cadastral_number: str
    document: str


@dataclass(frozen=True)
class TaxHousehold:
    household_id: uuid.UUID
    account: str
    village: VillageRef
    head: str
    address: str
    plots: tuple[TaxPlot, ...]


@dataclass(frozen=True)
class LandTaxData:
    header: Header
    year: int
    households: tuple[TaxHousehold, ...]


@dataclass(frozen=True)
class CardMember:
    person: Resident
    from_date: dt.date | None


@dataclass(frozen=True)
class CardData:
    header: Header
    account: str
    village: VillageRef
    address_ky: str
    address_ru: str
    status: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    members: tuple[CardMember, ...]
    land_year: int | None
    land: tuple[TaxPlot, ...]
    livestock_year: int | None
    livestock: tuple[tuple[str, int], ...]
    machinery: tuple[tuple[str, str, int | None, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ServiceRow:
    """Applications of one service in a period; an application counts in one outcome column at most."""

    code: str
    name_ky: str
    name_ru: str
    received: int
    on_time: int
    late: int
    refused: int
    returned: int
    open: int
    overdue: int

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


@dataclass(frozen=True)
class CertificateKindRow:
    kind: str
    #: English msgid of the kind, translated by the report.
    label: str
    issued: int
    cancelled: int
    duplicates: int


@dataclass(frozen=True)
class MonthCount:
    month: dt.date  # the first day of the month
    applications: int
    certificates: int


@dataclass(frozen=True)
class LateApplication:
    """An application handed over late in the period, or open past its deadline at the period's end."""

    number: str
    service_ky: str
    service_ru: str
    applicant: str
    received_on: dt.date
    due_on: dt.date
    #: The day it was handed over; None when still open at the period's end.
    closed_on: dt.date | None
    #: Working days after the deadline up to the hand-over (or the period's end), by the office's calendar.
    working_days_late: int

    def service(self, language: str) -> str:
        return self.service_ru if language == "ru" else self.service_ky


@dataclass(frozen=True)
class ServicesData:
    header: Header
    rows: tuple[ServiceRow, ...]
    certificates: tuple[CertificateKindRow, ...]
    months: tuple[MonthCount, ...]
    late: tuple[LateApplication, ...] = ()


@dataclass(frozen=True)
class FeeRow:
    code: str
    name_ky: str
    name_ru: str
    payments: int
    amount_tyiyn: int
    duplicate_payments: int
    duplicate_tyiyn: int

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky


@dataclass(frozen=True)
class FeesData:
    header: Header
    rows: tuple[FeeRow, ...]


@dataclass(frozen=True)
class HalfYearData:
    header: Header
    population: PopulationData
    movement: MovementData
    land: LandData
    livestock: LivestockData
    #: Applications received and certificates issued per month of the period.
    services: tuple[MonthCount, ...] = ()
