"""Definitions of the population reports: age groups, household sizes, voters, pension and school ages, the book."""

from __future__ import annotations

from collections import defaultdict

from okmot import codes
from okmot.i18n import N_
from okmot.reporting import ages
from okmot.reporting.data import MAX_SIZE, DatedList, HouseholdsData, PersonList, PopulationData, Resident
from reports.common import build, code_label, person_village, sex, t, village_label
from reports.model import COUNT, DATE, DECIMAL, INT, SUM, Chart, Column, Group, Report, Table

_SIZE_COLUMNS = MAX_SIZE


def _group_columns(lang: str, first: str) -> tuple[Column, ...]:
    n = len(ages.AGE_GROUPS)
    return (Column(first, width=26), Column(t(lang, N_("Sex")), width=10),
            *(Column(t(lang, label), INT, 12, SUM) for _code, label in ages.AGE_GROUPS),
            Column(t(lang, N_("Total persons")), INT, 11, SUM, formula="SUM({2}:{%d})" % (n + 1),
                   compute=lambda r: sum(v or 0 for v in r[2:n + 2])))


def population_tables(data: PopulationData, lang: str) -> list[Table]:
    h = data.header
    groups = []
    for v in h.villages:
        rows = [(village_label(lang, h, v), sex(lang, r.sex), *r.counts, sum(r.counts))
                for r in data.rows if r.village == v]
        groups.append(Group(village_label(lang, h, v), rows))
    tables = [Table(t(lang, N_("Population by village, sex and age group")),
                    _group_columns(lang, t(lang, N_("Village"))), groups=groups,
                    sheet=t(lang, N_("By village")))]
    if h.multi_office:
        per_office: dict = defaultdict(lambda: [0] * len(ages.AGE_GROUPS))
        names = {}
        for r in data.rows:
            key = (r.village.office_code, r.sex)
            names[r.village.office_code] = r.village.office(lang)
            per_office[key] = [a + b for a, b in zip(per_office[key], r.counts, strict=True)]
        office_groups = [Group(names[o], [(names[o], sex(lang, s), *per_office[(o, s)], sum(per_office[(o, s)]))
                                          for s in ("M", "F")]) for o in sorted(names)]
        tables.append(Table(t(lang, N_("Population by aiyl aimak")), _group_columns(lang, t(lang, N_("Aiyl aimak"))),
                            groups=office_groups, sheet=t(lang, N_("By aiyl aimak"))))
    return tables


def pyramid(data: PopulationData, lang: str) -> Chart:
    return Chart("pyramid", t(lang, N_("Population pyramid (age in years)")),
                 tuple(label for label, _m, _f in data.pyramid),
                 ((t(lang, N_("men")), tuple(m for _l, m, _f in data.pyramid)),
                  (t(lang, N_("women")), tuple(f for _l, _m, f in data.pyramid))))


def population(data: PopulationData, lang: str) -> Report:
    return build("population", data.header, lang, [*population_tables(data, lang), pyramid(data, lang)],
                 landscape=True)


def _size_header(lang: str, i: int) -> str:
    return t(lang, N_("{n} and more")).format(n=i) if i == _SIZE_COLUMNS else str(i)


def households(data: HouseholdsData, lang: str) -> Report:
    h = data.header
    n = _SIZE_COLUMNS
    hh_col, persons_col = n + 1, n + 2
    cols = (Column(t(lang, N_("Village")), width=24),
            *(Column(_size_header(lang, i), INT, 8, SUM) for i in range(1, n + 1)),
            Column(t(lang, N_("Households")), INT, 12, SUM, formula="SUM({1}:{%d})" % n,
                   compute=lambda r: sum(v or 0 for v in r[1:n + 1])),
            Column(t(lang, N_("Persons")), INT, 10, SUM),
            Column(t(lang, N_("Average size")), DECIMAL, 10,
                   formula='IF({%d}=0,"",{%d}/{%d})' % (hh_col, persons_col, hh_col),
                   compute=lambda r: (r[persons_col] / r[hh_col]) if r[hh_col] else None))
    rows = [(village_label(lang, h, r.village), *r.by_size, sum(r.by_size), r.persons, None) for r in data.rows]
    sizes = Table(t(lang, N_("Households by number of members")), cols, rows=rows,
                  sheet=t(lang, N_("By size")), note=t(lang, N_("Columns 1, 2, … give the number of members.")))
    singles = Table(t(lang, N_("Single-person households")), _person_columns(lang, age_title=N_("Age")),
                    rows=[_person_row(lang, h, r, _age(r, h.as_of)) for r in data.singles],
                    sheet=t(lang, N_("Single-person")))
    chart = Chart("bars", t(lang, N_("Households by number of members")),
                  tuple(_size_header(lang, i) for i in range(1, n + 1)),
                  ((t(lang, N_("Households")), tuple(sum(r.by_size[i] for r in data.rows) for i in range(n))),))
    return build("households", h, lang, [sizes, singles, chart], landscape=True)


def _age(r: Resident, on) -> int | None:
    return ages.age(r.birth_date, on) if r.birth_date and on else None


def _person_columns(lang: str, *, age_title: str, date_title: str | None = None) -> tuple[Column, ...]:
    cols = [Column(t(lang, N_("Village")), width=18), Column(t(lang, N_("Address")), width=24),
            Column(t(lang, N_("Account No.")), width=10, total=COUNT),
            Column(t(lang, N_("Full name")), width=34), Column(t(lang, N_("Sex")), width=8),
            Column(t(lang, N_("Birth date")), DATE, 12), Column(t(lang, age_title), INT, 8)]
    if date_title:
        cols.insert(0, Column(t(lang, date_title), DATE, 12))
    return tuple(cols)


def _person_row(lang: str, header, r: Resident, age: int | None) -> tuple:
    return (person_village(lang, header, r), r.address(lang), r.account, r.full_name(lang), sex(lang, r.sex),
            r.birth_date, age)


def voters(data: PersonList, lang: str) -> Report:
    h = data.header
    cols = (Column(t(lang, N_("No.")), INT, 7), Column(t(lang, N_("Village")), width=18),
            Column(t(lang, N_("Street")), width=20), Column(t(lang, N_("House")), width=8),
            Column(t(lang, N_("Surname")), width=18, total=COUNT), Column(t(lang, N_("Given name")), width=16),
            Column(t(lang, N_("Patronymic")), width=18), Column(t(lang, N_("Birth date")), DATE, 12),
            Column(t(lang, N_("Account No.")), width=10))
    rows = [(i, person_village(lang, h, r), r.street(lang) or r.address_note, r.house_number, r.surname,
             r.given_name, r.patronymic(lang), r.birth_date, r.account) for i, r in enumerate(data.people, 1)]
    table = Table(t(lang, N_("Voter list")), cols, rows=rows, sheet=t(lang, N_("Voters")),
                  note=t(lang, N_("Residents aged 18 and over on the date, by village and street, alphabetical.")))
    return build("voters", h, lang, [table], landscape=True)


def book(data: PersonList, lang: str) -> Report:
    h = data.header
    cols = (Column(t(lang, N_("No.")), INT, 7), Column(t(lang, N_("Surname")), width=18, total=COUNT),
            Column(t(lang, N_("Given name")), width=16), Column(t(lang, N_("Patronymic")), width=18),
            Column(t(lang, N_("Sex")), width=8), Column(t(lang, N_("Birth date")), DATE, 12),
            Column(t(lang, N_("PIN")), width=16), Column(t(lang, N_("Village")), width=16),
            Column(t(lang, N_("Address")), width=24), Column(t(lang, N_("Account No.")), width=10),
            Column(t(lang, N_("Relation to the head")), width=16))
    rows = [(i, r.surname, r.given_name, r.patronymic(lang), sex(lang, r.sex), r.birth_date, r.pin,
             person_village(lang, h, r), r.address(lang), r.account, code_label(lang, codes.RELATIONS, r.relation))
            for i, r in enumerate(data.people, 1)]
    return build("book", h, lang, [Table(t(lang, N_("Alphabetical book of residents")), cols, rows=rows,
                                         sheet=t(lang, N_("Residents")))], landscape=True)


def pension_age(data: DatedList, lang: str) -> Report:
    h = data.header
    rows = [(p.on_date, *_person_row(lang, h, p.person, p.age)) for p in data.rows]
    cols = _person_columns(lang, age_title=N_("Age reached"), date_title=N_("Reaches pension age on"))
    table = Table(t(lang, N_("People reaching pension age")), cols, rows=rows, sheet=t(lang, N_("Pension age")),
                  note=t(lang, N_("Pension age: men 63, women 58.")))
    return build("pension_age", h, lang, [table], landscape=True)


def school_age(data: DatedList, lang: str) -> Report:
    h = data.header
    years = list(ages.SCHOOL_AGES)
    counts: dict = defaultdict(lambda: [0] * len(years))
    for p in data.rows:
        counts[p.person.village.id][years.index(p.age)] += 1
    cols = (Column(t(lang, N_("Village")), width=24), *(Column(str(a), INT, 7, SUM) for a in years),
            Column(t(lang, N_("Total children")), INT, 11, SUM, formula="SUM({1}:{%d})" % len(years),
                   compute=lambda r: sum(v or 0 for v in r[1:len(years) + 1])))
    summary = Table(t(lang, N_("Children by age on 1 September")), cols,
                    rows=[(village_label(lang, h, v), *counts[v.id], sum(counts[v.id])) for v in h.villages],
                    sheet=t(lang, N_("By age")))
    listing = Table(t(lang, N_("School-age children")), _person_columns(lang, age_title=N_("Age on 1 September")),
                    rows=[_person_row(lang, h, p.person, p.age) for p in data.rows], sheet=t(lang, N_("Children")))
    when_text = t(lang, N_("On 1 September {year} (members on {date})")).format(
        year=data.on_date.year, date=h.as_of.strftime("%d.%m.%Y"))
    return build("school_age", h, lang, [summary, listing], landscape=True, when_text=when_text)
