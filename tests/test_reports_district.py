"""District reports: every report over a database consolidated from three offices breaks its figures down per
office, each office's rows equal that office's own report, and the district total is their sum."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from okmot.cli import main
from okmot.db.engine import Database
from okmot.db.migrate import open_database
from okmot.demo import create_demo_file
from okmot.reporting.collect import collect
from okmot.reporting.data import Params
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from reports.catalog import render
from tests.reports_helpers import libreoffice_csv
from tests.sync_helpers import ACTOR

TODAY = dt.date(2026, 3, 15)
AS_OF = dt.date(2026, 3, 1)
PERIOD = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)}
OFFICES = (("AA1", 11), ("BB2", 22), ("CC3", 33))
CODES = [code for code, _seed in OFFICES]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """Three office books (with applications and certificates) and the district built from their packages."""
    folder = tmp_path_factory.mktemp("district")
    paths, packages = {}, []
    for code, seed in OFFICES:
        paths[code] = folder / f"office-{code}.sqlite3"
        create_demo_file(paths[code], households=8, seed=seed, today=TODAY, office_code=code, paperwork=True)
        office = open_database(paths[code])
        try:
            packages.append(export_package(office, folder, actor=ACTOR).path)
        finally:
            office.dispose()
    paths["district"] = folder / "district.sqlite3"
    district = open_database(paths["district"])
    try:
        for package in packages:
            assert import_package(district, package, actor=ACTOR, trust_new=True).status == "imported"
    finally:
        district.dispose()
    paths["packages"] = folder
    return paths


def make(target: str | Path, out: Path, kind: str, **params) -> Path:
    params.setdefault("language", "en")
    db = Database(target)
    try:
        with db.session() as session:
            data = collect(session, Params(kind, **params), generated_by="test")
    finally:
        db.dispose()
    return render(kind, data, params["language"], out)


# --- reading workbooks back: values, and the few formulas the reports write, evaluated -------------------

_RANGE = r"([A-Z]+)(\d+):([A-Z]+)(\d+)"


class Sheet:
    """A sheet's cells with the report formulas (SUM, SUBTOTAL, COUNTA, + - /) evaluated as Excel would."""

    def __init__(self, path: Path, name: str | int):
        wb = load_workbook(path)
        try:
            ws = wb.worksheets[name] if isinstance(name, int) else wb[name]
            self.raw = {(get_column_letter(c.column), c.row): c.value for row in ws.iter_rows() for c in row}
            self.rows = [[c.value for c in row] for row in ws.iter_rows()]
            self.header = int(ws.freeze_panes[1:]) - 1
            self.width = ws.max_column
        finally:
            wb.close()

    def cells(self, m: re.Match):
        c1, r1, c2, r2 = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
        letters = [chr(i) for i in range(ord(c1), ord(c2) + 1)]
        return [(col, r) for r in range(r1, r2 + 1) for col in letters]

    def value(self, col: str, row: int):
        v = self.raw.get((col, row))
        if not (isinstance(v, str) and v.startswith("=")):
            return v
        f = v[1:]
        if m := re.fullmatch(rf"SUBTOTAL\((9|3),{_RANGE}\)", f):
            # Excel's SUBTOTAL skips the subtotals inside its range.
            refs = [ref for ref in self.cells(re.match(_RANGE, f.split(",", 1)[1]))
                    if not str(self.raw.get(ref) or "").startswith("=SUBTOTAL")]
            values = [self.value(*ref) for ref in refs]
            return sum(x or 0 for x in values) if m.group(1) == "9" else sum(x not in (None, "") for x in values)
        if m := re.fullmatch(rf"SUM\({_RANGE}\)", f):
            return sum(self.value(*ref) or 0 for ref in self.cells(m))
        if m := re.fullmatch(rf"COUNTA\({_RANGE}\)", f):
            return sum(self.value(*ref) not in (None, "") for ref in self.cells(m))
        if m := re.fullmatch(r'IF\(([A-Z]+)(\d+)=0,"",(.+)\)', f):
            return "" if not self.value(m.group(1), int(m.group(2))) else self.evaluate(m.group(3))
        return self.evaluate(f)

    def evaluate(self, f: str):
        expr = re.sub(r"([A-Z]+)(\d+)", lambda r: repr(self.value(r.group(1), int(r.group(2))) or 0), f)
        assert re.fullmatch(r"[\d.+\-*/() ]+", expr), f
        return eval(expr)  # only numbers and + - * / are left

    def row(self, first: str) -> list:
        """The evaluated row whose first cell is ``first`` (below the header)."""
        for i, r in enumerate(self.rows[self.header:], start=self.header + 1):
            if r[0] == first:
                return [self.value(get_column_letter(j + 1), i) for j in range(self.width)]
        raise AssertionError(f"no row {first!r} in {[r[0] for r in self.rows[self.header:]]}")

    def data_rows(self) -> list[list]:
        return [r for r in self.rows[self.header:] if r[0] is not None and not str(r[0]).startswith(
            ("Subtotal", "Total")) and any(v is not None for v in r[1:])]


def sheet_names(path: Path) -> list[str]:
    wb = load_workbook(path, read_only=True)
    try:
        return wb.sheetnames
    finally:
        wb.close()


def label_of(sheet: Sheet, code: str) -> str:
    """The group label of office ``code`` ("AA1 name") in a table grouped by office."""
    return next(r[0] for r in sheet.rows[sheet.header:] if isinstance(r[0], str) and r[0].startswith(code + " "))


def check_summary(summary: Sheet, per_office: dict[str, list], columns: range) -> None:
    """Each office's summary row equals ``per_office[code]``; the Total row is the sum of the offices."""
    for code in CODES:
        assert summary.row(code)[columns.start:columns.stop] == pytest.approx(per_office[code]), code
    total = summary.row("Total")[columns.start:columns.stop]
    assert total == pytest.approx([sum(per_office[c][i] for c in CODES) for i in range(len(columns))])


def reports(books: dict[str, Path], out: Path, kind: str, **params) -> tuple[Path, dict[str, Path]]:
    district = make(books["district"], out / f"{kind}-district.xlsx", kind, **params)
    own = {code: make(books[code], out / f"{kind}-{code}.xlsx", kind, **params) for code in CODES}
    return district, own


# --- the reports ----------------------------------------------------------------------------------------

def test_population_per_office_equals_each_office_book(books, tmp_path) -> None:
    district, own = reports(books, tmp_path, "population", as_of=AS_OF)
    assert sheet_names(district)[:3] == ["Summary by aiyl aimak", "By village", "By aiyl aimak"]
    expected = {}
    for code, path in own.items():
        by_village = Sheet(path, "By village")
        men = sum(r[8] if not str(r[8]).startswith("=") else sum(r[2:8]) for r in by_village.data_rows()
                  if r[1] == "male")
        total = by_village.row("Total")[8]
        expected[code] = [men, total - men, total]
        assert total > 0
    check_summary(Sheet(district, "Summary by aiyl aimak"), expected, range(2, 5))
    # The district's grand total by village is the sum of the offices' own totals.
    assert Sheet(district, "By village").row("Total")[2:9] == [
        sum(Sheet(p, "By village").row("Total")[i] for p in own.values()) for i in range(2, 9)]


def test_households_per_office(books, tmp_path) -> None:
    district, own = reports(books, tmp_path, "households", as_of=AS_OF)
    sizes, singles = Sheet(district, "By size"), Sheet(district, "Single-person")
    expected, single = {}, {}
    for code, path in own.items():
        total = Sheet(path, "By size").row("Total")
        lonely = single[code] = len(Sheet(path, "Single-person").data_rows())
        expected[code] = [total[11], total[12]]
        # The office's subtotal inside the district's grouped table equals the office's own total.
        subtotal = sizes.row(f"Subtotal: {label_of(sizes, code)}")
        assert subtotal[1:13] == total[1:13]
        assert subtotal[13] == pytest.approx(total[12] / total[11])  # average size of the subtotal
        if lonely:
            assert singles.row(f"Subtotal: {label_of(singles, code)}")[2] == lonely
    summary = Sheet(district, "Summary by aiyl aimak")
    check_summary(summary, expected, range(2, 4))
    assert [summary.row(c)[5] for c in CODES] == [single[c] for c in CODES]
    assert summary.row("Total")[5] == sum(single.values())
    assert summary.row("Total")[4] == pytest.approx(summary.row("Total")[3] / summary.row("Total")[2])


def test_movement_per_office(books, tmp_path) -> None:
    district, own = reports(books, tmp_path, "movement", **PERIOD)
    expected = {code: Sheet(path, "Summary").row("Total")[1:8] for code, path in own.items()}
    assert sum(sum(v[:4]) for v in expected.values()) > 0  # something happened in the period
    check_summary(Sheet(district, "Summary by aiyl aimak"), expected, range(2, 9))
    by_village = Sheet(district, "Summary")
    for code in CODES:
        assert by_village.row(f"Subtotal: {label_of(by_village, code)}")[1:8] == expected[code]
    for kind in ("Births", "Deaths", "Arrivals", "Departures"):
        listed = {code: len(Sheet(path, kind).data_rows()) for code, path in own.items()}
        sheet = Sheet(district, kind)
        assert len(sheet.data_rows()) == sum(listed.values())
        if sum(listed.values()):
            assert sheet.row("Total")[2] == sum(listed.values())


@pytest.mark.parametrize(("kind", "sheet", "params"), [
    ("voters", "Voters", {"as_of": AS_OF}),
    ("book", "Residents", {"as_of": AS_OF}),
    ("pension_age", "Pension age", {"start": dt.date(2016, 1, 1), "end": dt.date(2026, 12, 31)}),
    ("school_age", "Children", {"as_of": AS_OF}),
])
def test_lists_grouped_per_office(books, tmp_path, kind, sheet, params) -> None:
    district, own = reports(books, tmp_path, kind, **params)
    listing = Sheet(district, sheet)
    counted = {}
    for code, path in own.items():
        mine = Sheet(path, sheet).data_rows()
        counted[code] = len(mine)
        if not mine:
            continue
        label = label_of(listing, code)
        start = next(i for i, r in enumerate(listing.rows) if r[0] == label)
        theirs = listing.rows[start + 1:start + 1 + len(mine)]
        # The office's group in the district list is the office's own list, row for row (numbering restarts);
        # only the village is named with its aiyl aimak in the district.
        village = {"voters": 1, "book": 7, "pension_age": 1, "school_age": 0}[kind]
        assert [r[:village] + r[village + 1:] for r in theirs] == [r[:village] + r[village + 1:] for r in mine]
        assert all(r[village].endswith(m[village]) for r, m in zip(theirs, mine, strict=True))
        count_col = {"voters": 4, "book": 1, "pension_age": 3, "school_age": 2}[kind]
        assert listing.row(f"Subtotal: {label}")[count_col] == len(mine)
    assert sum(counted.values()) > 0
    summary = Sheet(district, "Summary by aiyl aimak")
    if kind == "school_age":
        for code, path in own.items():
            assert summary.row(code)[2:] == Sheet(path, "By age").row("Total")[1:]
        assert summary.row("Total")[-1] == sum(counted.values())
    else:
        assert [summary.row(c)[4] for c in CODES] == [counted[c] for c in CODES]
        assert summary.row("Total")[4] == sum(counted.values())


def test_land_per_office_and_category(books, tmp_path) -> None:
    district, own = reports(books, tmp_path, "land", as_of=AS_OF)
    by_office = Sheet(district, "Land by aiyl aimak")
    expected = {}
    for code, path in own.items():
        land = Sheet(path, "Land")
        total = land.row("Total")
        expected[code] = [total[1], total[2]]
        for category in [r[0][len("Subtotal: "):] for r in land.rows if str(r[0]).startswith("Subtotal: ")]:
            mine = land.row(f"Subtotal: {category}")
            start = next(i for i, r in enumerate(by_office.rows) if r[0] == category)
            row = next(r for r in by_office.rows[start:] if str(r[0]).startswith(code + " "))
            assert row[1:4] == pytest.approx(mine[1:4]), (code, category)
    assert sum(v[1] for v in expected.values()) > 0
    check_summary(Sheet(district, "Summary by aiyl aimak"), expected, range(2, 4))


def test_livestock_per_office_and_species(books, tmp_path) -> None:
    district, own = reports(books, tmp_path, "livestock", as_of=AS_OF)
    by_office = Sheet(district, "Livestock by aiyl aimak")
    heads = 0
    for code, path in own.items():
        stock = Sheet(path, "Livestock")
        for species in [r[0][len("Subtotal: "):] for r in stock.rows if str(r[0]).startswith("Subtotal: ")]:
            mine = stock.row(f"Subtotal: {species}")
            start = next(i for i, r in enumerate(by_office.rows) if r[0] == species)
            row = next(r for r in by_office.rows[start:] if str(r[0]).startswith(code + " "))
            assert row[1:3] == mine[1:3], (code, species)
            heads += mine[2]
    assert heads > 0
    # The species' subtotal in the district is the sum of the offices.
    district_total = sum(by_office.row(f"Subtotal: {sp}")[2] for sp in
                         [r[0][len("Subtotal: "):] for r in by_office.rows if str(r[0]).startswith("Subtotal: ")])
    assert district_total == heads


def test_land_tax_per_office(books, tmp_path) -> None:
    district, own = reports(books, tmp_path, "land_tax", as_of=AS_OF)
    expected = {}
    for code, path in own.items():
        sheet = Sheet(path, "Land tax base")
        groups = [r for r in sheet.rows[sheet.header:] if str(r[0]).startswith("Account ")]
        expected[code] = [len(groups), len(sheet.data_rows()), sheet.row("Total")[1]]
    check_summary(Sheet(district, "Summary by aiyl aimak"), expected, range(2, 5))
    assert Sheet(district, "Land tax base").row("Total")[1] == sum(v[2] for v in expected.values())


def test_half_year_pack_per_office(books, tmp_path) -> None:
    period = {"start": dt.date(2025, 7, 1), "end": dt.date(2025, 12, 31)}
    district, own = reports(books, tmp_path, "half_year", **period)
    people, moves = {}, {}
    for code, path in own.items():
        population = Sheet(path, "Population")
        total = population.row("Total")[8]
        men = sum(sum(r[2:8]) for r in population.data_rows() if r[1] == "male")
        people[code] = [men, total - men, total]
        moves[code] = Sheet(path, "Summary").row("Total")[1:8]
        assert "Services" in sheet_names(path)  # the office's own pack has its services per month
    check_summary(Sheet(district, "Population by aiyl aimak"), people, range(2, 5))
    check_summary(Sheet(district, "Movement by aiyl aimak"), moves, range(2, 9))
    names = sheet_names(district)
    assert "Services" not in names and "District database" in names


@pytest.mark.parametrize("kind", ["services", "fees"])
def test_services_and_fees_say_they_are_not_in_a_district(books, tmp_path, kind) -> None:
    district, own = reports(books, tmp_path, kind, **PERIOD)
    assert sheet_names(district) == ["District database"]
    wb = load_workbook(district)
    rows = [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]
    wb.close()
    line = next(r for r in rows if r[0] == "Not in this database")
    assert "not carried by sync packages" in line[1] and "each aiyl aimak's own database" in line[1]
    # In an office's own database the report has its tables, with figures.
    first = {"services": "Applications", "fees": "Fees"}[kind]
    assert any(first == name for p in own.values() for name in sheet_names(p))
    assert "District database" not in sheet_names(own["AA1"])
    pdf = make(books["district"], tmp_path / f"{kind}.pdf", kind, **PERIOD)
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "not carried by sync packages" in " ".join(text.split())


def test_one_office_of_the_district_equals_the_office_itself(books, tmp_path) -> None:
    """Choosing one office in the district gives that office's figures, without a breakdown."""
    chosen = make(books["district"], tmp_path / "bb2.xlsx", "population", as_of=AS_OF, office="BB2")
    own = make(books["BB2"], tmp_path / "own.xlsx", "population", as_of=AS_OF)
    assert "Summary by aiyl aimak" not in sheet_names(chosen)
    assert Sheet(chosen, "By village").row("Total") == Sheet(own, "By village").row("Total")
    card = make(books["district"], tmp_path / "card.xlsx", "household_card", as_of=AS_OF, account="0001",
                office="CC3")
    own_card = make(books["CC3"], tmp_path / "own-card.xlsx", "household_card", as_of=AS_OF, account="0001")
    assert Sheet(card, "Members").data_rows() == Sheet(own_card, "Members").data_rows()


def test_pdf_shows_the_summary_by_office(books, tmp_path) -> None:
    pdf = make(books["district"], tmp_path / "population.pdf", "population", as_of=AS_OF, language="ru")
    xlsx = make(books["district"], tmp_path / "population.xlsx", "population", as_of=AS_OF)
    summary = Sheet(xlsx, "Summary by aiyl aimak")
    cells = [line.strip() for line in PdfReader(pdf).pages[0].extract_text().splitlines()]
    assert cells[2] == "Айылные аймаки (3): AA1, BB2, CC3"  # the title block names the offices by code
    for code in CODES:  # one cell per line: code, name, men, women, total
        at = cells.index(code)
        assert cells[at + 2:at + 5] == [str(n) for n in summary.row(code)[2:5]], code
    at = cells.index("Всего")
    assert cells[at + 1:at + 4] == [str(n) for n in summary.row("Total")[2:5]]


def test_cli_office_choice_and_errors(books, tmp_path, capsys) -> None:
    out = tmp_path / "card.pdf"
    args = ["report", "--db", str(books["district"]), "--kind", "household_card", "--account", "0001",
            "--as-of", AS_OF.isoformat(), "--out", str(out), "--lang", "en"]
    assert main(args) == 2  # every office has a household 0001
    assert "Several aiyl aimaks have a household 0001" in capsys.readouterr().err
    assert main([*args, "--office", "ZZ9"]) == 2
    assert "No aiyl aimak has the office code ZZ9" in capsys.readouterr().err
    assert main([*args, "--office", "AA1"]) == 0
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    own = make(books["AA1"], tmp_path / "own.xlsx", "household_card", as_of=AS_OF, account="0001", language="ky")
    members = [r[1] for r in Sheet(own, 1).data_rows() if isinstance(r[0], int)]  # Kyrgyz sheet names: 2nd sheet
    assert members and all(name in text for name in members)
    assert not list(tmp_path.glob(".*partial"))


def test_libreoffice_recomputes_the_district_total(books, tmp_path) -> None:
    district = make(books["district"], tmp_path / "voters.xlsx", "voters", as_of=AS_OF)
    table = libreoffice_csv([district], tmp_path)["voters"]  # the first sheet: the summary by office
    rows = {r[0]: r for r in table if r and r[0] in (*CODES, "Total")}
    for col in (2, 3, 4):
        assert int(rows["Total"][col]) == sum(int(rows[c][col]) for c in CODES)
    for code in CODES:
        assert int(rows[code][4]) == int(rows[code][2]) + int(rows[code][3])


def test_postgresql_district_gives_the_same_breakdown(books, tmp_path, pg_db) -> None:
    district = open_database(pg_db)
    try:
        for package in sorted(books["packages"].glob("*.okmsync")):
            assert import_package(district, package, actor=ACTOR, trust_new=True).status == "imported"
    finally:
        district.dispose()
    on_pg = make(pg_db, tmp_path / "pg.xlsx", "land", as_of=AS_OF)
    on_sqlite = make(books["district"], tmp_path / "sqlite.xlsx", "land", as_of=AS_OF)
    for sheet in ("Summary by aiyl aimak", "Land by aiyl aimak"):
        pg, lite = Sheet(on_pg, sheet), Sheet(on_sqlite, sheet)
        assert pg.rows[pg.header:] == lite.rows[lite.header:]
        assert pg.row("Total") == lite.row("Total")


def test_report_dialog_offers_every_office_or_one(qtbot, books, tmp_path) -> None:
    import shutil

    from PySide6.QtCore import Qt

    from okmot.services import auth
    from okmot.services.context import AppContext
    from ui.report_dialog import ReportDialog

    path = tmp_path / "district.sqlite3"
    shutil.copyfile(books["district"], path)
    ctx = AppContext(db=Database(path))
    try:
        with ctx.system("test") as s:
            ctx.user = auth.create_user(s, None, username="rayon", full_name="Район операторы",
                                        password="district-operator-1", role="district")
        dialog = ReportDialog(ctx)
        qtbot.addWidget(dialog)
        assert dialog.office_combo.isVisibleTo(dialog)
        assert [dialog.office_combo.itemData(i) for i in range(dialog.office_combo.count())] == [None, *CODES]
        villages = [dialog.village_list.item(i).data(Qt.ItemDataRole.UserRole)
                    for i in range(dialog.village_list.count())]
        assert {v.split("/")[0] for v in villages} == set(CODES)  # a village is named with its office
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("population"))
        dialog.as_of.set_value(AS_OF)
        dialog.office_combo.setCurrentIndex(dialog.office_combo.findData("BB2"))
        shown = [dialog.village_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.village_list.count())
                 if not dialog.village_list.item(i).isHidden()]
        assert shown and all(v.startswith("BB2/") for v in shown)
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ru"))
        dialog.open_when_done.setChecked(False)
        out = tmp_path / "bb2.xlsx"
        dialog.path_edit.setText(str(out))
        dialog.show()
        dialog.grab().save(str(tmp_path / "dialog.png"))
        dialog.make_button.click()
        qtbot.waitUntil(lambda: dialog.worker is None, timeout=20000)
        assert "ready" in dialog.message.text() or "готов" in dialog.message.text(), dialog.message.text()
        own = make(books["BB2"], tmp_path / "own.xlsx", "population", as_of=AS_OF, language="ru")
        assert Sheet(out, 0).row("Всего") == Sheet(own, 0).row("Всего")  # BB2 alone: its own figures
        assert "Summary by aiyl aimak" not in sheet_names(out)

        every = tmp_path / "all.xlsx"
        dialog.office_combo.setCurrentIndex(0)
        assert all(not dialog.village_list.item(i).isHidden() for i in range(dialog.village_list.count()))
        dialog.path_edit.setText(str(every))
        dialog.make_button.click()
        qtbot.waitUntil(lambda: dialog.worker is None, timeout=20000)
        assert [r[0] for r in Sheet(every, 0).data_rows()] == [*CODES, "Всего"]  # "Total" in Russian
    finally:
        ctx.db.dispose()
