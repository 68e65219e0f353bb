"""The head's half-year report to the council: population, movement, land, livestock and services, with charts."""

from __future__ import annotations

from dataclasses import replace

from okmot import codes
from okmot.i18n import N_
from okmot.reporting.data import HalfYearData
from reports.common import build, code_label, d, t
from reports.farm import _change_columns, ha, land_by_office, livestock_by_office, livestock_chart, species_totals
from reports.model import AREA_HA, INT, SUM, Column, Report, Table
from reports.movement import office_summary, summary_table
from reports.offices import not_carried
from reports.people import population_summary, population_tables, pyramid
from reports.services import months_chart


def half_year(data: HalfYearData, lang: str) -> Report:
    h = data.header
    population = population_tables(data.population, lang)[0]
    population = Table(t(lang, N_("Population on {date}")).format(date=d(h.end)), population.columns,
                       groups=population.groups, sheet=t(lang, N_("Population")))
    categories: dict[str, list[int]] = {}
    for r in data.land.rows:
        acc = categories.setdefault(r.category, [0, 0, 0])
        acc[0] += r.plots
        acc[1] += r.area_m2
        acc[2] += r.households
    land = Table(t(lang, N_("Land in use on 1 January {year}")).format(year=data.land.year), (
        Column(t(lang, N_("Land category")), width=34), Column(t(lang, N_("Plots")), INT, 10, SUM),
        Column(t(lang, N_("Area, ha")), AREA_HA, 14, SUM),
        Column(t(lang, N_("Households")), INT, 12, SUM, grand_total=False)),
        rows=[(code_label(lang, codes.LAND_CATEGORIES, c), p, ha(a), n) for c, (p, a, n) in categories.items()],
        sheet=t(lang, N_("Land")))
    totals = species_totals(data.livestock)
    stock = Table(t(lang, N_("Livestock on 1 January {year}")).format(year=data.livestock.year),
                  (Column(t(lang, N_("Species")), width=30), *_change_columns(lang, data.livestock.year)),
                  rows=[(code_label(lang, codes.SPECIES, sp), p, c, c - p, (c - p) / p if p else None)
                        for sp, (p, c) in totals.items()], totals=False, sheet=t(lang, N_("Livestock")))
    if h.by_office:
        # Per office: population, movement, land by category and livestock by species, each with the district total.
        people = replace(population_summary(data.population, lang), sheet=t(lang, N_("Population by aiyl aimak")),
                         title=t(lang, N_("Population by aiyl aimak on {date}")).format(date=d(h.end)))
        moves = replace(office_summary(data.movement, lang), sheet=t(lang, N_("Movement by aiyl aimak")),
                        title=t(lang, N_("Movement by aiyl aimak")))
        sections = [people, population, pyramid(data.population, lang), moves, summary_table(data.movement, lang),
                    land, land_by_office(data.land, lang), stock, livestock_by_office(data.livestock, lang),
                    livestock_chart(data.livestock, lang)]
    else:
        sections = [population, pyramid(data.population, lang), summary_table(data.movement, lang), land, stock,
                    livestock_chart(data.livestock, lang)]
    any_services = any(m.applications or m.certificates for m in data.services)
    notice = not_carried(h, lang, own_records=any_services)
    if notice is not None:
        sections.append(notice)  # a line saying why, rather than a table of zeros
    if data.services and (any_services or notice is None):
        months = Table(t(lang, N_("Services per month")), (
            Column(t(lang, N_("Month")), width=14), Column(t(lang, N_("Applications received")), INT, 14, SUM),
            Column(t(lang, N_("Certificates issued")), INT, 14, SUM)),
            rows=[(m.month.strftime("%m.%Y"), m.applications, m.certificates) for m in data.services],
            sheet=t(lang, N_("Services")))
        sections += [months, months_chart(data.services, lang)]
    return build("half_year", h, lang, sections, landscape=False)


