"""The catalogue of reports: code, title and what each one is computed for (a date, a period, a household)."""

from __future__ import annotations

from dataclasses import dataclass

from okmot.i18n import N_

#: What a report is computed for.
AS_OF, PERIOD, HOUSEHOLD = "as_of", "period", "household"
XLSX, PDF = "xlsx", "pdf"


@dataclass(frozen=True)
class ReportKind:
    code: str
    title: str  # English msgid, translated at use
    timing: str
    formats: tuple[str, ...] = (XLSX, PDF)
    description: str = ""


KINDS: dict[str, ReportKind] = {k.code: k for k in (
    ReportKind("population", N_("Population by village, sex and age group"), AS_OF,
               description=N_("residents on the date by village, sex and age group, with a population pyramid")),
    ReportKind("households", N_("Households by size"), AS_OF,
               description=N_("households by number of members and village; single-person households")),
    ReportKind("movement", N_("Movement of population"), PERIOD,
               description=N_("births, deaths, arrivals and departures in the period, per village and listed")),
    ReportKind("voters", N_("Voter list"), AS_OF,
               description=N_("residents aged 18 and over on the date, by village and street, alphabetical")),
    ReportKind("pension_age", N_("People reaching pension age"), PERIOD,
               description=N_("men turning 63 and women turning 58 in the period")),
    ReportKind("school_age", N_("School-age children on 1 September"), AS_OF,
               description=N_("children aged 7 to 17 on 1 September of the year of the date")),
    ReportKind("land", N_("Land in use by category and village"), AS_OF,
               description=N_("area, plots and households as of 1 January of the year of the date")),
    ReportKind("livestock", N_("Livestock, poultry and bees (1-SKh)"), AS_OF,
               description=N_("heads by species and village on 1 January, with the previous year and the change")),
    ReportKind("land_tax", N_("Land tax base"), AS_OF,
               description=N_("per household: plots with category and area on 1 January of the year of the date")),
    ReportKind("book", N_("Alphabetical book of residents"), AS_OF,
               description=N_("every resident on the date in Kyrgyz alphabetical order")),
    ReportKind("household_card", N_("Extract from the household book"), HOUSEHOLD,
               description=N_("printable card of one household (members, land, livestock) on the date")),
    ReportKind("services", N_("Applications and certificates by service"), PERIOD,
               description=N_("per service: applications received, issued on time or late, refused, returned "
                              "and still open; certificates issued by kind")),
    ReportKind("fees", N_("Fees collected by service"), PERIOD,
               description=N_("number of payments and amount in som per service, duplicates apart")),
    ReportKind("half_year", N_("Report of the head to the council"), PERIOD, formats=(PDF, XLSX),
               description=N_("population, movement, land and livestock with charts, for a period")),
)}
