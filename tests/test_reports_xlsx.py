"""Report workbooks read back and checked against independent SQL over a demo book."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from okmot import demo
from okmot.identity.collation import name_key
from okmot.services import households as hh_service
from okmot.services import territory
from okmot.services.persons import PersonData
from tests.reports_helpers import AS_OF, TODAY, age, make_report, members_on, sheet_rows, sql


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "demo.sqlite3"
    demo.create_demo_file(path, households=60, seed=7, today=TODAY)
    return path


def _data_rows(rows, header):
    return rows[header:]


def test_population_matches_the_book_and_totals_are_formulas(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "p.xlsx", "population", as_of=AS_OF)
    rows, header = sheet_rows(out)
    assert rows[0][0] == "Ак-Суу айыл аймагы"
    assert rows[header - 1][:3] == ("Village", "Sex", "0–2 years")
    expected: Counter = Counter()
    for _pid, sex, birth, code, *_rest in members_on(book, AS_OF):
        a = age(birth, AS_OF)
        group = ("unknown" if a is None else "0_2" if a <= 2 else "3_6" if a <= 6 else "7_17" if a <= 17
                 else "pension" if a >= (63 if sex == "M" else 58) else "working")
        expected[(code, sex, group)] += 1
    villages = {name: code for code, name in sql(book, "SELECT code, name_ky FROM village")}
    groups = ["0_2", "3_6", "7_17", "working", "pension", "unknown"]
    checked = 0
    for i, row in enumerate(_data_rows(rows, header), start=header + 1):
        if row[0] in villages and row[1] in ("эркек", "аял", "male", "female"):
            sex = "M" if row[1] in ("эркек", "male") else "F"
            assert list(row[2:8]) == [expected[(villages[row[0]], sex, g)] for g in groups]
            assert row[8] == f"=SUM(C{i}:H{i})"
            checked += 1
    assert checked == 2 * len(villages)
    total = rows[-1]
    assert total[0] == "Total"
    last = header + len(_data_rows(rows, header)) - 1
    assert total[2] == f"=SUBTOTAL(9,C{header + 1}:C{last})"
    assert sum(expected.values()) == len(members_on(book, AS_OF))
    subtotals = [r for r in rows if isinstance(r[0], str) and r[0].startswith("Subtotal")]
    assert len(subtotals) == len(villages)
    assert all(r[2].startswith("=SUBTOTAL(9,C") for r in subtotals)


def test_workbook_setup_for_accountants(book: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = make_report(book, tmp_path / "land.xlsx", "land", as_of=AS_OF, language="ru")
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    header = int(ws.freeze_panes[1:]) - 1
    assert ws.auto_filter.ref.startswith(f"A{header}:")
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width == 28
    assert wb.properties.creator == "Тест" and wb.properties.title
    assert ws.cell(1, 1).value == "Ак-Суйский айылный аймак"
    # The Russian report's "generated" line (translated since; the English source until then).
    generated = ws.cell(header - 2, 1).value
    assert ("Generated" in generated or "Сформировано" in generated) and "Тест" in generated
    # Areas: hectares with four decimals, equal to the square metres recorded.
    area = {(cat, code): m2 for cat, code, m2 in sql(
        book,
        "SELECT lp.category, v.code, SUM(lp.area_m2) FROM land_plot lp JOIN household h ON h.id = lp.household_id "
        "JOIN village v ON v.id = h.village_id WHERE lp.year = 2026 AND lp.deleted_at IS NULL "
        "GROUP BY lp.category, v.code")}
    names = {name: code for code, name in sql(book, "SELECT code, name_ru FROM village")}
    seen = 0
    category = None
    for row in ws.iter_rows(min_row=header + 1):
        first = row[0].value
        if row[1].value is None and first and not str(first).startswith(("Total", "Subtotal")):
            category = first
            continue
        if first in names:
            assert row[2].number_format == "#,##0.0000"
            seen += 1 if row[2].value else 0
            assert round(row[2].value * 10_000) == sum(m2 for (cat, code), m2 in area.items() if code == names[first]
                                                and _ru_category(cat) == category)
    wb.close()
    assert seen == len(area)


def _ru_category(code: str) -> str:
    from okmot import codes
    from okmot.i18n import gettext_in

    return gettext_in("ru", codes.LAND_CATEGORIES[code])


def test_voter_list_is_adults_in_kyrgyz_order(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "v.xlsx", "voters", as_of=AS_OF)
    rows, header = sheet_rows(out)
    data = [r for r in rows[header:] if isinstance(r[0], int)]
    adults = [m for m in members_on(book, AS_OF) if m[2] and age(m[2], AS_OF) >= 18]
    assert len(data) == len(adults)
    total = next(r for r in rows if r[0] == "Total")
    assert total[4] == f"=COUNTA(E{header + 1}:E{header + len(data)})"
    assert Counter((r[4], r[5]) for r in data) == Counter((m[5], m[6]) for m in adults)
    # Within a village and street, names follow the Kyrgyz alphabet (Ө after О, Ү after У).
    for (village, street), group in _by(data, lambda r: (r[1], r[2])).items():
        keys = [name_key(r[4], r[5]) for r in group]
        assert keys == sorted(keys), (village, street)


def _by(rows, key):
    out: dict = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return out


def test_livestock_1skh_with_previous_year_and_change(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "l.xlsx", "livestock", as_of=AS_OF)
    rows, header = sheet_rows(out)
    assert rows[header - 1][1:3] == ("2025", "2026")
    heads = {(y, sp, code): n for y, sp, code, n in sql(
        book, "SELECT lc.year, lc.species, v.code, SUM(lc.heads) FROM livestock_count lc "
              "JOIN household h ON h.id = lc.household_id JOIN village v ON v.id = h.village_id "
              "WHERE lc.deleted_at IS NULL GROUP BY lc.year, lc.species, v.code")}
    villages = {name: code for code, name in sql(book, "SELECT code, name_ky FROM village")}
    from okmot import codes
    from okmot.i18n import gettext_in

    labels = {gettext_in("en", label): sp for sp, label in codes.SPECIES.items()}
    species = None
    checked = 0
    for i, row in enumerate(rows[header:], start=header + 1):
        if row[0] in labels:
            species = labels[row[0]]
        elif row[0] in villages:
            code = villages[row[0]]
            assert row[1:3] == (heads.get((2025, species, code), 0), heads.get((2026, species, code), 0))
            assert row[3] == f"=C{i}-B{i}"
            assert row[4] == f'=IF(B{i}=0,"",(C{i}-B{i})/B{i})'
            checked += 1
    assert checked == len(codes.SPECIES) * len(villages)
    assert not any(r[0] == "Total" for r in rows)  # cows are among cattle: no sum across species


def test_land_tax_base_is_exact_per_household(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "t.xlsx", "land_tax", as_of=AS_OF)
    rows, header = sheet_rows(out)
    per_household = dict(sql(book, "SELECT h.account_number, SUM(lp.area_m2) FROM land_plot lp "
                                   "JOIN household h ON h.id = lp.household_id "
                                   "WHERE lp.year = 2026 AND lp.deleted_at IS NULL GROUP BY h.account_number"))
    account, found = None, {}
    for i, row in enumerate(rows[header:], start=header + 1):
        if isinstance(row[0], str) and row[0].startswith("Account "):
            account = row[0].split()[1]
            found[account] = 0
        elif isinstance(row[1], int):
            found[account] += row[1]
            assert row[2] == f"=B{i}/10000"
    assert found == per_household
    assert next(r for r in rows if r[0] == "Total")[1].startswith("=SUBTOTAL(9,B")


def test_households_by_size_and_singles(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "h.xlsx", "households", as_of=AS_OF)
    rows, header = sheet_rows(out)
    sizes = Counter(m[7] for m in members_on(book, AS_OF))
    village_of = {m[7]: m[3] for m in members_on(book, AS_OF)}
    names = {name: code for code, name in sql(book, "SELECT code, name_ky FROM village")}
    for i, row in enumerate(rows[header:], start=header + 1):
        if row[0] in names:
            want = Counter(min(n, 10) for h, n in sizes.items() if village_of[h] == names[row[0]])
            assert list(row[1:11]) == [want[k] for k in range(1, 11)]
            assert row[11] == f"=SUM(B{i}:K{i})"
    singles, sheader = sheet_rows(out, 1)
    assert len([r for r in singles[sheader:] if r[2] and not str(r[0]).startswith("Total")]) == \
        sum(1 for n in sizes.values() if n == 1)


def test_movement_counts_and_lists(book: Path, tmp_path: Path) -> None:
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    out = make_report(book, tmp_path / "m.xlsx", "movement", start=start, end=end)
    rows, header = sheet_rows(out)
    died = sql(book, "SELECT COUNT(*) FROM membership WHERE deleted_at IS NULL AND end_reason = 'died' "
                     "AND to_date BETWEEN ? AND ?", start.isoformat(), end.isoformat())[0][0]
    left = sql(book, "SELECT COUNT(*) FROM membership WHERE deleted_at IS NULL AND end_reason = 'left' "
                     "AND to_date BETWEEN ? AND ?", start.isoformat(), end.isoformat())[0][0]
    born = sql(book, "SELECT COUNT(DISTINCT p.id) FROM person p JOIN membership m ON m.person_id = p.id "
                     "WHERE p.birth_date BETWEEN ? AND ? AND m.deleted_at IS NULL",
               start.isoformat(), end.isoformat())[0][0]
    data = [r for r in rows[header:] if r[0] and r[0] != "Total"]
    assert sum(r[1] for r in data) == born and sum(r[2] for r in data) == died and sum(r[4] for r in data) == left
    assert born + died + left > 0
    assert next(r for r in rows if r[0] == "Total")[1] == f"=SUM(B{header + 1}:B{header + len(data)})"
    births, bheader = sheet_rows(out, 1)
    assert len([r for r in births[bheader:] if isinstance(r[0], dt.datetime)]) == born


def _household(s, village_id, account: str, surname: str, opened: dt.date) -> tuple:
    hid, _changes = hh_service.create_household(
        s, hh_service.HouseholdData(account, village_id, opened_on=opened),
        head=PersonData(surname, "Нурлан", "M", birth_date=dt.date(1980, 1, 1)))
    spouse, _check = hh_service.add_member(s, hid, PersonData(surname + "а", "Үмүт", "F",
                                                               birth_date=dt.date(1984, 6, 2)),
                                            relation="spouse", from_date=opened)
    return hid, spouse


def test_past_date_differs_after_a_member_leaves(tmp_path: Path) -> None:
    from tests import village

    path = tmp_path / "v.sqlite3"
    ctx = village.build(path, households_count=2)
    left_on = dt.date(2026, 2, 10)
    with ctx.read() as s:
        v1 = territory.list_villages(s)[0]
    with ctx.write() as s:
        hid, spouse = _household(s, v1.id, "0100", "Өмүров", dt.date(2020, 1, 1))
    with ctx.write() as s:
        hh_service.update_member(s, hid, spouse, PersonData(
            "Өмүрова", "Үмүт", "F", birth_date=dt.date(1984, 6, 2), residence_status="left",
            status_date=left_on), relation="spouse")
    ctx.close()
    before = make_report(path, tmp_path / "before.xlsx", "voters", as_of=left_on - dt.timedelta(days=1))
    after = make_report(path, tmp_path / "after.xlsx", "voters", as_of=left_on)
    rows_b, hb = sheet_rows(before)
    rows_a, ha = sheet_rows(after)
    names_b = {(r[4], r[5]) for r in rows_b[hb:] if isinstance(r[0], int)}
    names_a = {(r[4], r[5]) for r in rows_a[ha:] if isinstance(r[0], int)}
    assert names_b - names_a == {("Өмүрова", "Үмүт")}
    assert names_a - names_b == set()
    assert ("Өмүров", "Нурлан") in names_a
    assert "As of 09.02.2026" in [r[0] for r in rows_b[:hb]]
    pop_b = make_report(path, tmp_path / "pb.xlsx", "population", as_of=left_on - dt.timedelta(days=1))
    pop_a = make_report(path, tmp_path / "pa.xlsx", "population", as_of=left_on)
    women = [[r for r in sheet_rows(p)[0] if r[1] == "female"][0][5] for p in (pop_b, pop_a)]
    assert women[0] - women[1] == 1  # one working-age woman fewer


def test_district_database_breaks_down_by_office(tmp_path: Path) -> None:
    from tests import village

    path = tmp_path / "d.sqlite3"
    ctx = village.build(path, households_count=2)
    with ctx.write() as s:
        other = territory.create_office(s, code="41708-11", name_ky="Тоң айыл аймагы", name_ru="Тонский айылный аймак",
                                        make_home=False)
        v = territory.create_village(s, aimak_id=other.id, code="01", name_ky="Тоң", name_ru="Тон")
        _household(s, v.id, "0001", "Үмөталиев", dt.date(2020, 1, 1))
    ctx.close()
    out = make_report(path, tmp_path / "d.xlsx", "population", as_of=TODAY)
    rows, header = sheet_rows(out, "By aiyl aimak")
    offices = [r[0] for r in rows[header:] if r[1] is None and r[0] and not r[0].startswith(("Subtotal", "Total"))]
    assert offices == ["Ак-Суу айыл аймагы", "Тоң айыл аймагы"]
    men = [r for r in rows[header:] if r[0] == "Тоң айыл аймагы" and r[1] == "male"]
    assert men[0][5] == 1 and men[0][8] == "=SUM(C{0}:H{0})".format(rows.index(men[0]) + 1)  # working age
    only = make_report(path, tmp_path / "only.xlsx", "population", as_of=TODAY, villages=("41708-11/01",))
    rows, header = sheet_rows(only)
    assert [r[0] for r in rows[header:] if r[1] == "male"] == ["Тоң айыл аймагы — Тоң"]


def test_book_cells_have_their_types_formats_and_no_empty_text(book: Path, tmp_path: Path) -> None:
    """The alphabetical book as an accountant opens it: birth dates are dates shown DD.MM.YYYY, the
    running number an integer, and a missing patronymic or PIN is an empty cell (not an empty text,
    which COUNTA would count)."""
    from openpyxl import load_workbook

    out = make_report(book, tmp_path / "book.xlsx", "book", as_of=AS_OF, language="ky")
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    header = int(ws.freeze_panes[1:]) - 1
    titles = [c.value for c in ws[header]]
    born, patronymic = titles.index("Туулган күнү"), titles.index("Атасынын аты")
    rows = list(ws.iter_rows(min_row=header + 1, max_row=ws.max_row))
    data = [r for r in rows if isinstance(r[0].value, int)]
    assert len(data) == sum(1 for _ in members_on(book, AS_OF))
    for n, row in enumerate(data, 1):
        assert row[0].value == n and row[0].number_format == "#,##0"
        assert isinstance(row[born].value, dt.datetime) and row[born].number_format == "DD.MM.YYYY"
        assert all(cell.value != "" for cell in row)
    assert any(row[patronymic].value is None for row in data), "the demo has persons without a patronymic"
    wb.close()
