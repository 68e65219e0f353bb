"""Definitions of the land, livestock (1-SKh) and land tax base reports."""

from __future__ import annotations

from decimal import Decimal

from okmot import codes
from okmot.i18n import N_
from okmot.reporting.data import LandData, LandTaxData, LivestockData
from reports.common import build, code_label, t, village_label
from reports.model import AREA_HA, AREA_M2, INT, PERCENT, SUM, TEXT, Chart, Column, Group, Report, Table
from reports.offices import LEAD, office_label, summary, totals_by_office

M2_PER_HA = 10_000


def ha(m2: int) -> Decimal:
    """Hectares exactly (a Decimal, never a float): 1 ha = 10 000 m²."""
    return Decimal(m2) / M2_PER_HA


def _jan1(lang: str, year: int) -> str:
    return t(lang, N_("On 1 January {year}")).format(year=year)


def _land_columns(lang: str, first: str) -> tuple[Column, ...]:
    return (Column(first, width=28), Column(t(lang, N_("Plots")), INT, 10, SUM),
            Column(t(lang, N_("Area, ha")), AREA_HA, 14, SUM),
            # A household holds plots of several categories: its count adds up over villages, not categories.
            Column(t(lang, N_("Households")), INT, 12, SUM, grand_total=False))


def land_table(data: LandData, lang: str) -> Table:
    groups = []
    for cat in dict.fromkeys(r.category for r in data.rows):
        rows = [(village_label(lang, data.header, r.village), r.plots, ha(r.area_m2), r.households)
                for r in data.rows if r.category == cat]
        groups.append(Group(code_label(lang, codes.LAND_CATEGORIES, cat), rows))
    return Table(t(lang, N_("Land in use by category and village")) + " — " + _jan1(lang, data.year),
                 _land_columns(lang, t(lang, N_("Village"))), groups=groups, sheet=t(lang, N_("Land")))


def land_by_office(data: LandData, lang: str) -> Table:
    """Per land category, one row per office; the category's subtotal is the district's."""
    sums: dict[tuple[str, str], list[int]] = {}
    for r in data.rows:
        acc = sums.setdefault((r.category, r.village.office_code), [0, 0, 0])
        acc[0] += r.plots
        acc[1] += r.area_m2
        acc[2] += r.households  # a household is in one village, so its count adds up over villages
    def row(label: str, plots: int, area_m2: int, households: int) -> tuple:
        return label, plots, ha(area_m2), households
    groups = [Group(code_label(lang, codes.LAND_CATEGORIES, cat), [
        row(office_label(lang, o), *sums.get((cat, o.code), (0, 0, 0))) for o in data.header.offices])
        for cat in dict.fromkeys(r.category for r in data.rows)]
    return Table(t(lang, N_("Land in use by category and aiyl aimak")) + " — " + _jan1(lang, data.year),
                 _land_columns(lang, t(lang, N_("Aiyl aimak"))), groups=groups, sheet=t(lang, N_("Land by aiyl aimak")))


def land_summary(data: LandData, lang: str) -> Table:
    def add(acc: list, r) -> None:
        acc[0] += r.plots
        acc[1] += r.area_m2
    per_office = totals_by_office(data.rows, lambda r: r.village.office_code, 2, add)
    cols = (Column(t(lang, N_("Plots")), INT, 10, SUM), Column(t(lang, N_("Area, ha")), AREA_HA, 14, SUM))
    return summary(data.header, lang, cols, {code: (p, ha(a)) for code, (p, a) in per_office.items()},
                   title=t(lang, N_("Land in use by aiyl aimak, all categories")) + " — " + _jan1(lang, data.year))


def land(data: LandData, lang: str) -> Report:
    sections = [land_summary(data, lang), land_table(data, lang), land_by_office(data, lang)] \
        if data.header.by_office else [land_table(data, lang)]
    return build("land", data.header, lang, sections, when_text=_jan1(lang, data.year))


def _change_columns(lang: str, year: int) -> tuple[Column, ...]:
    return (Column(str(year - 1), INT, 12, SUM, grand_total=False), Column(str(year), INT, 12, SUM, grand_total=False),
            Column(t(lang, N_("Change")), INT, 12, formula="{2}-{1}", compute=lambda r: r[2] - r[1]),
            Column(t(lang, N_("Change, %")), PERCENT, 10, formula='IF({1}=0,"",({2}-{1})/{1})',
                   compute=lambda r: (r[2] - r[1]) / r[1] if r[1] else None))


def livestock_by_office(data: LivestockData, lang: str) -> Table:
    """Per species, one row per office; the species' subtotal is the district's."""
    sums: dict[tuple[str, str], list[int]] = {}
    for r in data.rows:
        acc = sums.setdefault((r.species, r.village.office_code), [0, 0])
        acc[0] += r.previous
        acc[1] += r.current
    groups = [Group(code_label(lang, codes.SPECIES, sp), [
        (office_label(lang, o), *sums.get((sp, o.code), (0, 0)), None, None) for o in data.header.offices])
        for sp in dict.fromkeys(r.species for r in data.rows)]
    return Table(t(lang, N_("Livestock, poultry and bees by species and aiyl aimak")),
                 (Column(t(lang, N_("Aiyl aimak")), width=28), *_change_columns(lang, data.year)), groups=groups,
                 totals=False, sheet=t(lang, N_("Livestock by aiyl aimak")),
                 note=t(lang, N_("The subtotal of each species is the district's.")))


def livestock_table(data: LivestockData, lang: str) -> Table:
    cols = (Column(t(lang, N_("Village")), width=28), *_change_columns(lang, data.year))
    groups = []
    for sp in dict.fromkeys(r.species for r in data.rows):
        rows = [(village_label(lang, data.header, r.village), r.previous, r.current, None, None)
                for r in data.rows if r.species == sp]
        groups.append(Group(code_label(lang, codes.SPECIES, sp), rows))
    # No grand total: heads of different species (and cows, which are counted among cattle) do not add up.
    return Table(t(lang, N_("Livestock, poultry and bees by species and village")), cols, groups=groups,
                 totals=False, sheet=t(lang, N_("Livestock")),
                 note=t(lang, N_("Heads on 1 January; \"of them cows\" are counted among the cattle.")))


def species_totals(data: LivestockData) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for r in data.rows:
        prev, cur = out.get(r.species, (0, 0))
        out[r.species] = (prev + r.previous, cur + r.current)
    return out


def livestock_chart(data: LivestockData, lang: str) -> Chart:
    totals = species_totals(data)
    shown = [sp for sp in totals if sp != "poultry" and any(totals[sp])]  # poultry would dwarf the rest
    return Chart("bars", t(lang, N_("Livestock by species: {prev} and {year} (poultry not shown)")).format(
        prev=data.year - 1, year=data.year), tuple(code_label(lang, codes.SPECIES, sp) for sp in shown),
        ((str(data.year - 1), tuple(totals[sp][0] for sp in shown)),
         (str(data.year), tuple(totals[sp][1] for sp in shown))))


def livestock(data: LivestockData, lang: str) -> Report:
    extra = [livestock_by_office(data, lang)] if data.header.by_office else []
    return build("livestock", data.header, lang, [livestock_table(data, lang), *extra, livestock_chart(data, lang)],
                 when_text=_jan1(lang, data.year))


def land_tax(data: LandTaxData, lang: str) -> Report:
    cols = (Column(t(lang, N_("Land category")), TEXT, 34), Column(t(lang, N_("Area, m²")), AREA_M2, 13, SUM),
            Column(t(lang, N_("Area, ha")), AREA_HA, 13, formula="{1}/10000", compute=lambda r: ha(r[1])),
            Column(t(lang, N_("Cadastral number")), width=22), Column(t(lang, N_("Title document")), width=28))
    groups = []
    for hh in data.households:
        label = " — ".join(p for p in (t(lang, N_("Account {account}")).format(account=hh.account), hh.head,
                                        village_label(lang, data.header, hh.village), hh.address) if p)
        rows = [(code_label(lang, codes.LAND_CATEGORIES, p.category), p.area_m2, ha(p.area_m2), p.cadastral_number,
                 p.document) for p in hh.plots]
        groups.append(Group(label, rows))
    table = Table(t(lang, N_("Land tax base")) + " — " + _jan1(lang, data.year), cols, groups=groups,
                  sheet=t(lang, N_("Land tax base")),
                  note=t(lang, N_("Areas as recorded in whole square metres; hectares are computed from them.")))
    sections = [land_tax_summary(data, lang), table] if data.header.by_office else [table]
    return build("land_tax", data.header, lang, sections, landscape=True, when_text=_jan1(lang, data.year))


def land_tax_summary(data: LandTaxData, lang: str) -> Table:
    def add(acc: list, hh) -> None:
        acc[0] += 1
        acc[1] += len(hh.plots)
        acc[2] += sum(p.area_m2 for p in hh.plots)
    per_office = totals_by_office(data.households, lambda hh: hh.village.office_code, 3, add)
    area = LEAD + 2
    cols = (Column(t(lang, N_("Households")), INT, 12, SUM), Column(t(lang, N_("Plots")), INT, 10, SUM),
            Column(t(lang, N_("Area, m²")), AREA_M2, 14, SUM),
            Column(t(lang, N_("Area, ha")), AREA_HA, 14, formula="{%d}/10000" % area, compute=lambda r: ha(r[area])))
    return summary(data.header, lang, cols, {code: (*n, None) for code, n in per_office.items()},
                   title=t(lang, N_("Land tax base by aiyl aimak")) + " — " + _jan1(lang, data.year))
