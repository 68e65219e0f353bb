"""Definitions of the population reports: age groups, household sizes, voters, pension and school ages, the book."""

from __future__ import annotations

from collections import defaultdict

from okmot import codes
from okmot.i18n import N_
from okmot.reporting import ages
from okmot.reporting.data import MAX_SIZE, DatedList, HouseholdsData, PersonList, PopulationData, Resident
from reports.common import build, code_label, person_village, sex, t, village_label
from reports.model import COUNT, DATE, DECIMAL, INT, PIN_WIDTH, SUM, Chart, Column, Group, Report, Table
from reports.offices import arrange, summary, totals_by_office

_SIZE_COLUMNS = MAX_SIZE


def _group_columns(lang: str, first: str) -> tuple[Column, ...]:
    n = len(ages.AGE_GROUPS)
    return (Column(first, width=26), Column(t(lang, N_("Sex")), width=10),
            *(Column(t(lang, label), INT, 12, SUM) for _code, label in ages.AGE_GROUPS),
            Column(t(lang, N_("Total persons")), INT, 11, SUM, formula="SUM({2}:{%d})" % (n + 1),
                   compute=lambda r: sum(v or 0 for v in r[2:n + 2])))


def _office_of(r: Resident) -> str:
    return r.village.office_code


def sex_summary(header, lang: str, counts: dict[str, list[int]], title: str | None = None) -> Table:
    """Per office: men, women and both (``counts[office code] = [men, women]``)."""
    cols = (Column(t(lang, N_("Men")), INT, 12, SUM), Column(t(lang, N_("Women")), INT, 12, SUM),
            Column(t(lang, N_("Total persons")), INT, 12, SUM, formula="{2}+{3}", compute=lambda r: r[2] + r[3]))
    return summary(header, lang, cols, {code: (m, f, m + f) for code, (m, f) in counts.items()}, title=title)


def _count_sexes(people, person=lambda p: p) -> dict[str, list[int]]:
    def add(acc: list, item) -> None:
        acc[0 if person(item).sex == "M" else 1] += 1
    return totals_by_office(people, lambda item: _office_of(person(item)), 2, add)


def population_summary(data: PopulationData, lang: str) -> Table:
    def add(acc: list, r) -> None:
        acc[0 if r.sex == "M" else 1] += sum(r.counts)
    return sex_summary(data.header, lang, totals_by_office(data.rows, lambda r: r.village.office_code, 2, add))


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
    if h.by_office:
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
    head = [population_summary(data, lang)] if data.header.by_office else []
    return build("population", data.header, lang, [*head, *population_tables(data, lang), pyramid(data, lang)],
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
    sizes = Table(t(lang, N_("Households by number of members")), cols,
                  **arrange(h, lang, data.rows, lambda _n, r: (village_label(lang, h, r.village), *r.by_size,
                                                               sum(r.by_size), r.persons, None),
                            lambda r: r.village.office_code),
                  sheet=t(lang, N_("By size")), note=t(lang, N_("Columns 1, 2, … give the number of members.")))
    singles = Table(t(lang, N_("Single-person households")), _person_columns(lang, age_title=N_("Age")),
                    **arrange(h, lang, data.singles, lambda _n, r: _person_row(lang, h, r, _age(r, h.as_of)),
                              _office_of),
                    sheet=t(lang, N_("Single-person")))
    chart = Chart("bars", t(lang, N_("Households by number of members")),
                  tuple(_size_header(lang, i) for i in range(1, n + 1)),
                  ((t(lang, N_("Households")), tuple(sum(r.by_size[i] for r in data.rows) for i in range(n))),))
    head = [_households_summary(data, lang)] if h.by_office else []
    return build("households", h, lang, [*head, sizes, singles, chart], landscape=True)


def _households_summary(data: HouseholdsData, lang: str) -> Table:
    def add(acc: list, r) -> None:
        acc[0] += sum(r.by_size)
        acc[1] += r.persons
    per_office = totals_by_office(data.rows, lambda r: r.village.office_code, 2, add)
    singles = totals_by_office(data.singles, _office_of, 1, lambda acc, _r: acc.__setitem__(0, acc[0] + 1))
    cols = (Column(t(lang, N_("Households")), INT, 12, SUM), Column(t(lang, N_("Persons")), INT, 10, SUM),
            Column(t(lang, N_("Average size")), DECIMAL, 10, formula='IF({2}=0,"",{3}/{2})',
                   compute=lambda r: (r[3] / r[2]) if r[2] else None),
            Column(t(lang, N_("Single-person households")), INT, 14, SUM))
    return summary(data.header, lang, cols, {code: (hh, persons, None, singles.get(code, [0])[0])
                                             for code, (hh, persons) in per_office.items()})


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
    table = Table(t(lang, N_("Voter list")), cols, **arrange(h, lang, data.people, lambda i, r: (
        i, person_village(lang, h, r), r.street(lang) or r.address_note, r.house_number, r.surname, r.given_name,
        r.patronymic(lang), r.birth_date, r.account), _office_of), sheet=t(lang, N_("Voters")),
        note=t(lang, N_("Residents aged 18 and over on the date, by village and street, alphabetical.")))
    return build("voters", h, lang, _with_summary(h, lang, data.people, [table]), landscape=True)


def _with_summary(header, lang: str, people, sections: list, person=lambda p: p) -> list:
    """``sections`` preceded, in a report over several offices, by men / women / total per office."""
    if not header.by_office:
        return sections
    return [sex_summary(header, lang, _count_sexes(people, person)), *sections]


def book(data: PersonList, lang: str) -> Report:
    h = data.header
    cols = (Column(t(lang, N_("No.")), INT, 7), Column(t(lang, N_("Surname")), width=18, total=COUNT),
            Column(t(lang, N_("Given name")), width=16), Column(t(lang, N_("Patronymic")), width=18),
            Column(t(lang, N_("Sex")), width=8), Column(t(lang, N_("Birth date")), DATE, 12),
            Column(t(lang, N_("PIN")), width=PIN_WIDTH), Column(t(lang, N_("Village")), width=16),
            Column(t(lang, N_("Address")), width=24), Column(t(lang, N_("Account No.")), width=10),
            Column(t(lang, N_("Relation to the head")), width=16))
    table = Table(t(lang, N_("Alphabetical book of residents")), cols, **arrange(h, lang, data.people, lambda i, r: (
        i, r.surname, r.given_name, r.patronymic(lang), sex(lang, r.sex), r.birth_date, r.pin,
        person_village(lang, h, r), r.address(lang), r.account, code_label(lang, codes.RELATIONS, r.relation)),
        _office_of), sheet=t(lang, N_("Residents")))
    return build("book", h, lang, _with_summary(h, lang, data.people, [table]), landscape=True)


def pension_age(data: DatedList, lang: str) -> Report:
    h = data.header
    cols = _person_columns(lang, age_title=N_("Age reached"), date_title=N_("Reaches pension age on"))
    table = Table(t(lang, N_("People reaching pension age")), cols,
                  **arrange(h, lang, data.rows, lambda _n, p: (p.on_date, *_person_row(lang, h, p.person, p.age)),
                            lambda p: _office_of(p.person)),
                  sheet=t(lang, N_("Pension age")), note=t(lang, N_("Pension age: men 63, women 58.")))
    return build("pension_age", h, lang, _with_summary(h, lang, data.rows, [table], lambda p: p.person),
                 landscape=True)


def school_age(data: DatedList, lang: str) -> Report:
    h = data.header
    years = list(ages.SCHOOL_AGES)
    counts: dict = defaultdict(lambda: [0] * len(years))
    for p in data.rows:
        counts[p.person.village.id][years.index(p.age)] += 1
    cols = (Column(t(lang, N_("Village")), width=24), *(Column(str(a), INT, 7, SUM) for a in years),
            Column(t(lang, N_("Total children")), INT, 11, SUM, formula="SUM({1}:{%d})" % len(years),
                   compute=lambda r: sum(v or 0 for v in r[1:len(years) + 1])))
    by_age = Table(t(lang, N_("Children by age on 1 September")), cols,
                   **arrange(h, lang, h.villages, lambda _n, v: (village_label(lang, h, v), *counts[v.id],
                                                                sum(counts[v.id])), lambda v: v.office_code),
                   sheet=t(lang, N_("By age")))
    listing = Table(t(lang, N_("School-age children")), _person_columns(lang, age_title=N_("Age on 1 September")),
                    **arrange(h, lang, data.rows, lambda _n, p: _person_row(lang, h, p.person, p.age),
                              lambda p: _office_of(p.person)), sheet=t(lang, N_("Children")))
    when_text = t(lang, N_("On 1 September {year} (members on {date})")).format(
        year=data.on_date.year, date=h.as_of.strftime("%d.%m.%Y"))
    sections = [by_age, listing]
    if h.by_office:
        def add(acc: list, p) -> None:
            acc[years.index(p.age)] += 1
        per_office = totals_by_office(data.rows, lambda p: _office_of(p.person), len(years), add)
        office_cols = (*(Column(str(a), INT, 7, SUM) for a in years),
                       Column(t(lang, N_("Total children")), INT, 11, SUM,
                              formula="SUM({2}:{%d})" % (len(years) + 1),
                              compute=lambda r: sum(v or 0 for v in r[2:len(years) + 2])))
        sections.insert(0, summary(h, lang, office_cols, {code: (*n, sum(n)) for code, n in per_office.items()}))
    return build("school_age", h, lang, sections, landscape=True, when_text=when_text)
