"""Definition of the movement report: per-village counts with balances, and one list per kind of event."""

from __future__ import annotations

from collections import Counter

from okmot.i18n import N_
from okmot.reporting.data import EVENT_KINDS, MovementData
from reports.common import build, person_village, sex, t, village_label
from reports.model import COUNT, DATE, INT, SUM, Column, Report, Table
from reports.offices import LEAD, arrange, summary

KIND_TITLES = {"birth": N_("Births"), "death": N_("Deaths"), "arrival": N_("Arrivals"),
               "departure": N_("Departures")}


def _count_columns(lang: str, first: int) -> tuple[Column, ...]:
    """Births, deaths, arrivals, departures from column ``first`` on, then the balances computed from them."""
    b, d, a, x = range(first, first + 4)
    return (*(Column(t(lang, KIND_TITLES[k]), INT, 12, SUM) for k in EVENT_KINDS),
            Column(t(lang, N_("Natural increase")), INT, 12, formula="{%d}-{%d}" % (b, d),
                   compute=lambda r: r[b] - r[d]),
            Column(t(lang, N_("Migration balance")), INT, 12, formula="{%d}-{%d}" % (a, x),
                   compute=lambda r: r[a] - r[x]),
            Column(t(lang, N_("Total change")), INT, 12, formula="{%d}-{%d}+{%d}-{%d}" % (b, d, a, x),
                   compute=lambda r: r[b] - r[d] + r[a] - r[x]))


def _figures(n: list[int]) -> tuple[int, ...]:
    return (*n, n[0] - n[1], n[2] - n[3], n[0] - n[1] + n[2] - n[3])


def summary_table(data: MovementData, lang: str) -> Table:
    counts = Counter((e.person.village.id, e.kind) for e in data.events)
    cols = (Column(t(lang, N_("Village")), width=26), *_count_columns(lang, 1))
    return Table(t(lang, N_("Movement by village")), cols, **arrange(
        data.header, lang, data.villages,
        lambda _n, v: (village_label(lang, data.header, v), *_figures([counts[(v.id, k)] for k in EVENT_KINDS])),
        lambda v: v.office_code), sheet=t(lang, N_("Summary")))


def office_summary(data: MovementData, lang: str) -> Table:
    counts = Counter((e.person.village.office_code, e.kind) for e in data.events)
    return summary(data.header, lang, _count_columns(lang, LEAD),
                   {o.code: _figures([counts[(o.code, k)] for k in EVENT_KINDS]) for o in data.header.offices})


def movement(data: MovementData, lang: str) -> Report:
    h = data.header
    sections = [office_summary(data, lang)] if h.by_office else []
    sections.append(summary_table(data, lang))
    for kind in EVENT_KINDS:
        cols = (Column(t(lang, N_("Date")), DATE, 12), Column(t(lang, N_("Village")), width=18),
                Column(t(lang, N_("Account No.")), width=10, total=COUNT),
                Column(t(lang, N_("Full name")), width=34), Column(t(lang, N_("Sex")), width=8),
                Column(t(lang, N_("Birth date")), DATE, 12), Column(t(lang, N_("From / to where")), width=24))
        events = [e for e in data.events if e.kind == kind]
        sections.append(Table(t(lang, KIND_TITLES[kind]), cols, **arrange(h, lang, events, lambda _n, e: (
            e.on_date, person_village(lang, h, e.person), e.person.account, e.person.full_name(lang),
            sex(lang, e.person.sex), e.person.birth_date, e.place), lambda e: e.person.village.office_code),
            sheet=t(lang, KIND_TITLES[kind])))
    return build("movement", h, lang, sections, landscape=True)
