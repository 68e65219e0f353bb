"""Definition of the household card (extract from the household book) on a date."""

from __future__ import annotations

from okmot import codes
from okmot.i18n import N_
from okmot.reporting.data import CardData
from reports.common import build, code_label, d, sex, t, village_label
from reports.farm import ha
from reports.model import AREA_HA, AREA_M2, COUNT, DATE, INT, PIN_WIDTH, SUM, Column, Facts, Report, Table


def household_card(data: CardData, lang: str) -> Report:
    h = data.header
    head = next((m.person for m in data.members if m.person.relation == "head"), None)
    status = code_label(lang, codes.HOUSEHOLD_STATUSES, data.status)
    if data.closed_on:
        status += f" ({d(data.closed_on)})"
    facts = Facts(t(lang, N_("Title page")), (
        (t(lang, N_("Account No.")), data.account),
        (t(lang, N_("Village")), village_label(lang, h, data.village)),
        (t(lang, N_("Address")), data.address_ru if lang == "ru" else data.address_ky),
        (t(lang, N_("Head of household")), head.full_name(lang) if head else ""),
        (t(lang, N_("Opened on")), d(data.opened_on)),
        (t(lang, N_("Status")), status),
        (t(lang, N_("Members on the date")), str(len(data.members))),
    ))
    members = Table(t(lang, N_("Members")), (
        Column(t(lang, N_("No.")), INT, 6), Column(t(lang, N_("Full name")), width=34, total=COUNT),
        Column(t(lang, N_("Relation to the head")), width=18), Column(t(lang, N_("Sex")), width=8),
        Column(t(lang, N_("Birth date")), DATE, 12), Column(t(lang, N_("PIN")), width=PIN_WIDTH),
        Column(t(lang, N_("Member since")), DATE, 12)),
        rows=[(i, m.person.full_name(lang), code_label(lang, codes.RELATIONS, m.person.relation),
               sex(lang, m.person.sex), m.person.birth_date, m.person.pin, m.from_date)
              for i, m in enumerate(data.members, 1)], sheet=t(lang, N_("Members")))
    sections = [facts, members]
    land_title = t(lang, N_("Land in use on 1 January {year}")).format(year=data.land_year or "—")
    sections.append(Table(land_title, (
        Column(t(lang, N_("Land category")), width=34), Column(t(lang, N_("Area, m²")), AREA_M2, 12, SUM),
        Column(t(lang, N_("Area, ha")), AREA_HA, 12, formula="{1}/10000", compute=lambda r: ha(r[1])),
        Column(t(lang, N_("Cadastral number")), width=20), Column(t(lang, N_("Title document")), width=24)),
        rows=[(code_label(lang, codes.LAND_CATEGORIES, p.category), p.area_m2, ha(p.area_m2), p.cadastral_number,
               p.document) for p in data.land], sheet=t(lang, N_("Land"))))
    stock_title = t(lang, N_("Livestock on 1 January {year}")).format(year=data.livestock_year or "—")
    sections.append(Table(stock_title, (Column(t(lang, N_("Species")), width=30), Column(t(lang, N_("Heads")), INT, 10)),
                          rows=[(code_label(lang, codes.SPECIES, sp), n) for sp, n in data.livestock],
                          totals=False, sheet=t(lang, N_("Livestock"))))
    sections.append(Table(t(lang, N_("Machinery and vehicles")), (
        Column(t(lang, N_("Kind")), width=20), Column(t(lang, N_("Model")), width=24),
        Column(t(lang, N_("Year made")), INT, 10), Column(t(lang, N_("Registration number")), width=18)),
        rows=[(code_label(lang, codes.MACHINERY_KINDS, k), model, year, reg) for k, model, year, reg in data.machinery],
        totals=False, sheet=t(lang, N_("Machinery"))))
    title = t(lang, N_("Extract from the household book: account {account}")).format(account=data.account)
    return build("household_card", h, lang, sections, title=title)
