"""Definition of the movement report: per-village counts with balances, and one list per kind of event."""

from __future__ import annotations

from collections import Counter

from okmot.i18n import N_
from okmot.reporting.data import EVENT_KINDS, MovementData
from reports.common import build, person_village, sex, t, village_label
from reports.model import COUNT, DATE, INT, SUM, Column, Report, Table

KIND_TITLES = {"birth": N_("Births"), "death": N_("Deaths"), "arrival": N_("Arrivals"),
               "departure": N_("Departures")}


def summary_table(data: MovementData, lang: str) -> Table:
    counts = Counter((e.person.village.id, e.kind) for e in data.events)
    cols = (Column(t(lang, N_("Village")), width=26),
            *(Column(t(lang, KIND_TITLES[k]), INT, 12, SUM) for k in EVENT_KINDS),
            Column(t(lang, N_("Natural increase")), INT, 12, formula="{1}-{2}", compute=lambda r: r[1] - r[2]),
            Column(t(lang, N_("Migration balance")), INT, 12, formula="{3}-{4}", compute=lambda r: r[3] - r[4]),
            Column(t(lang, N_("Total change")), INT, 12, formula="{1}-{2}+{3}-{4}",
                   compute=lambda r: r[1] - r[2] + r[3] - r[4]))
    rows = []
    for v in data.villages:
        n = [counts[(v.id, k)] for k in EVENT_KINDS]
        rows.append((village_label(lang, data.header, v), *n, n[0] - n[1], n[2] - n[3], n[0] - n[1] + n[2] - n[3]))
    return Table(t(lang, N_("Movement by village")), cols, rows=rows, sheet=t(lang, N_("Summary")))


def movement(data: MovementData, lang: str) -> Report:
    h = data.header
    sections = [summary_table(data, lang)]
    for kind in EVENT_KINDS:
        cols = (Column(t(lang, N_("Date")), DATE, 12), Column(t(lang, N_("Village")), width=18),
                Column(t(lang, N_("Account No.")), width=10, total=COUNT),
                Column(t(lang, N_("Full name")), width=34), Column(t(lang, N_("Sex")), width=8),
                Column(t(lang, N_("Birth date")), DATE, 12), Column(t(lang, N_("From / to where")), width=24))
        rows = [(e.on_date, person_village(lang, h, e.person), e.person.account, e.person.full_name(lang),
                 sex(lang, e.person.sex), e.person.birth_date, e.place) for e in data.events if e.kind == kind]
        sections.append(Table(t(lang, KIND_TITLES[kind]), cols, rows=rows, sheet=t(lang, KIND_TITLES[kind])))
    return build("movement", h, lang, sections, landscape=True)
