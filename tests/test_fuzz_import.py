"""Property-based tests of the household-book importer: any file gives a clean import or a translated refusal,
never a crash, and a refused import or a dry run leaves every table row for row unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from okmot.errors import OkmotError
from okmot.importer.apply import ImportRefused, apply_plan
from okmot.importer.fields import FARM_FIELDS
from okmot.importer.plan import plan_import
from okmot.importer.reader import read_file
from tests import village
from tests.sync_helpers import snapshot

YEAR = dt.date.today().year
PERSON_HEADERS = ["Лицевой счет", "Село", "Улица", "Дом", "Фамилия", "Имя", "Отчество", "Пол", "Дата рождения",
                  "ПИН", "Отношение к главе", "Статус"]
#: The template's land and livestock headers: account, year, household plot, pasture, cattle, cows, sheep.
FARM_HEADERS = [FARM_FIELDS[i].header for i in (0, 1, 2, 7, 9, 10, 11)]
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=600, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_cyrillic = st.text(st.sampled_from("абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюяАБВГДӨҮҢ -?"), min_size=1, max_size=12)
_numbers = st.one_of(st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from(["NaN", "sNaN", "Infinity", "-inf", "1e999999999", "1E-999999999", "0,08",
                                      "1 000,5", "12.5", "-3", "٣", "1_000", "0x10", "--1"]))
_dates = st.one_of(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                   st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
                   st.sampled_from(["31.02.1985", "00.00.0000", "1.1.99", "12.03.1980", "2020-13-01", "9999-99-99",
                                    "1980-03-12T10:00", "12/03/1980", "12-3-19800", "сегодня", "99.99.9999"]),
                   st.integers(-5, 3_000_000))
_pins = st.one_of(st.from_regex(r"\A[12](0[1-9]|[12][0-9])(0[1-9]|1[0-2])(19[5-9][0-9]|200[0-9])[0-9]{5}\Z"),
                  st.integers(0, 10 ** 16), st.floats(1e13, 3e13), _text, st.just("21203198000011"))
_formulas = st.sampled_from(["=SUM(A1:A3)", "=1/0", "=HYPERLINK(\"http://x\")", "#DIV/0!", "#N/A", "@cmd", "+1",
                             "=\"Асанов\""])
# 140 000 characters is over the csv module's field limit; an unclosed quote makes such a field too.
_huge = st.sampled_from(["Ж" * 40_000, "1" * 5_000, "x\n" * 3_000, "Ж" * 140_000, '"unclosed'])
_cell = st.one_of(st.none(), _text, _cyrillic, _numbers, _dates, _pins, _formulas, st.booleans(),
                  st.sampled_from(["Ак-Суу", "Кок-Жар", "Көк-Жар", "Нет такого", "м", "ж", "эркек", "аял", "глава",
                                   "жена", "уулу", "проживает", "умер", "0001", "0002", "0101", 1, 2]))
_huge_cell = st.one_of(_cell, _huge)


def _household_row(draw) -> list:
    """A row that is often valid: known villages, Cyrillic names, real PINs, codes in either language."""
    return [draw(st.sampled_from(["0001", "0002", "0301", "0302", 1, "", 302.0])),
            draw(st.sampled_from(["Ак-Суу", "Көк-Жар", "Кок-Жар", "", "Жаңы-Айыл", None])),
            draw(st.sampled_from(["Манас көчөсү", "ул. Манаса", "Жаңы көчө", "", None])),
            draw(st.one_of(st.none(), st.integers(1, 300), _text)),
            draw(_cyrillic), draw(_cyrillic), draw(st.one_of(_cyrillic, st.none())),
            draw(st.sampled_from(["м", "ж", "эркек", "аял", "", None, "X"])),
            draw(st.one_of(st.dates(dt.date(1930, 1, 1), dt.date(2025, 1, 1)), _dates, st.none())),
            draw(st.one_of(_pins, st.none(), st.just(""))),
            draw(st.sampled_from(["глава", "жена", "уулу", "кызы", "", None, "сосед"])),
            draw(st.sampled_from(["проживает", "умер", "выбыл", "", None]))]


@st.composite
def _rows(draw, headers: list[str], *, huge: bool) -> list[list]:
    cell = _huge_cell if huge else _cell
    rows: list[list] = []
    if draw(st.booleans()):
        rows.append([draw(_text)])  # a title line above the headers
    kind = draw(st.sampled_from(["right", "shuffled", "wrong", "none"]))
    if kind == "right":
        rows.append(list(headers))
    elif kind == "shuffled":
        rows.append(draw(st.permutations(headers)))
    elif kind == "wrong":
        rows.append(draw(st.lists(st.one_of(_text, st.sampled_from(headers)), max_size=len(headers) + 2)))
    for _ in range(draw(st.integers(0, 8))):
        if headers is PERSON_HEADERS and draw(st.booleans()):
            rows.append(_household_row(draw))
        else:
            rows.append(draw(st.lists(cell, max_size=len(headers) + 3)))
    return rows


def _farm_row(draw) -> list:
    return [draw(st.sampled_from(["0001", "0002", "0301", "9999", 1, None])),
            draw(st.one_of(st.integers(1990, YEAR + 1), _numbers, st.none())),
            *draw(st.lists(st.one_of(_numbers, st.none(), st.integers(0, 50)), min_size=5, max_size=5))]


@st.composite
def xlsx_bytes(draw) -> bytes:
    book = Workbook()
    book.active.title = draw(st.sampled_from(["Book", "Адамдар - Жители", "Sheet"]))
    sheets = [book.active] + [book.create_sheet(f"S{i}") for i in range(draw(st.integers(0, 2)))]
    for n, ws in enumerate(sheets):
        if n == 1 and draw(st.booleans()):
            rows = [FARM_HEADERS] + [_farm_row(draw) for _ in range(draw(st.integers(0, 4)))]
        else:
            rows = draw(_rows(PERSON_HEADERS if n == 0 else FARM_HEADERS, huge=False))
        for row in rows:
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    # Fixed timestamps: the same draw must give the same bytes, or hypothesis cannot replay it.
    book.properties.created = book.properties.modified = dt.datetime(2026, 1, 1)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "garbage", "member"]))
    if damage == "truncate":
        data = data[:_index(draw, data)]
    elif damage == "flip":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            data[_index(draw, data)] ^= draw(st.integers(1, 255))
        data = bytes(data)
    elif damage == "garbage":
        data = draw(st.binary(max_size=300))
    elif damage == "member":
        data = _replace_member(data, draw(st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                                           "xl/workbook.xml", "[Content_Types].xml"])),
                               draw(st.sampled_from([b"", b"<x", b"<?xml version='1.0'?><worksheet/>",
                                                     b"\xff\xfe garbage"])))
    return data


def _index(draw, data: bytes) -> int:
    # Not integers(0, len(data) - 1): zip members carry the clock, so the length may differ on replay.
    return draw(st.integers(0, 10 ** 6)) % max(len(data), 1)


def _replace_member(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, body if info.filename == name else src.read(info))
    return out.getvalue()


@st.composite
def csv_bytes(draw) -> bytes:
    rows = draw(_rows(PERSON_HEADERS, huge=True))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=draw(st.sampled_from([";", ",", "\t"])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    body = text.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16", "mixed", "bytes"]))
    if encoding == "bytes":
        return draw(st.binary(max_size=400))
    if encoding == "mixed":  # a file pasted together from a UTF-8 and a Windows-1251 one
        half = len(body) // 2
        return body[:half].encode("utf-8") + body[half:].encode("cp1251", errors="replace")
    data = body.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data[:_index(draw, data)]
    return data


def _check(ctx, path: Path) -> str:
    """Read, dry-run and import ``path``: the outcome, with the database unchanged unless it imported."""
    before = snapshot(ctx.db)
    try:
        source = read_file(path)
        with ctx.read() as s:
            plan = plan_import(s, source)
    except OkmotError as exc:
        assert exc.message.strip() and "Traceback" not in exc.message
        assert snapshot(ctx.db) == before
        return "refused"
    assert snapshot(ctx.db) == before, "a dry run wrote to the database"
    for p in plan.problems:
        assert p.message.strip()
    try:
        with ctx.write() as s:
            apply_plan(s, plan)
    except ImportRefused as exc:
        assert plan.errors and exc.message.strip()
        assert snapshot(ctx.db) == before
        return "row errors"
    assert not plan.errors
    after = snapshot(ctx.db)
    # Importing the same file again changes nothing.
    with ctx.write() as s:
        apply_plan(s, plan_import(s, read_file(path)))
    assert snapshot(ctx.db) == after
    return "imported"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    context = village.build(tmp_path_factory.mktemp("fuzz-import") / "village.sqlite3", households_count=2)
    yield context
    context.close()


def _run_xlsx(ctx, folder: Path, data: bytes) -> str:
    path = folder / "book.xlsx"
    path.write_bytes(data)
    return _check(ctx, path)


def _run_csv(ctx, folder: Path, data: bytes) -> str:
    path = folder / "book.csv"
    path.write_bytes(data)
    return _check(ctx, path)


def test_any_workbook_imports_or_is_refused_cleanly(ctx, tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsx")
    outcomes: set[str] = set()

    @FAST
    @given(data=xlsx_bytes())
    def run(data: bytes) -> None:
        outcomes.add(_run_xlsx(ctx, folder, data))

    run()
    assert "refused" in outcomes and "row errors" in outcomes


def test_any_csv_imports_or_is_refused_cleanly(ctx, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    outcomes: set[str] = set()

    @FAST
    @given(data=csv_bytes())
    def run(data: bytes) -> None:
        outcomes.add(_run_csv(ctx, folder, data))

    run()
    assert "refused" in outcomes and "row errors" in outcomes


@pytest.mark.slow
def test_many_workbooks_and_csv_files(ctx, tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    outcomes: set[str] = set()

    @SLOW
    @given(data=xlsx_bytes())
    def workbooks(data: bytes) -> None:
        outcomes.add(_run_xlsx(ctx, folder, data))

    @SLOW
    @given(data=csv_bytes())
    def csv_files(data: bytes) -> None:
        outcomes.add(_run_csv(ctx, folder, data))

    workbooks()
    csv_files()
    assert outcomes == {"refused", "row errors", "imported"}


# --- what the fuzzing found, kept as plain examples ------------------------------------------------------------


def test_numbers_no_count_can_be_are_row_errors(ctx, tmp_path):
    """Decimal reads NaN, sNaN, Infinity and 1E+999999999; int() of those crashed or hung the dry run."""
    book = Workbook()
    book.active.append(PERSON_HEADERS)
    book.active.append(["0001", "Ак-Суу", "", "", "Асанов", "Бекзат", "", "м", "15.05.1970", "", "глава", ""])
    farm = book.create_sheet("Farm")
    farm.append(FARM_HEADERS)
    for n, bad in enumerate(["NaN", "sNaN", "Infinity", "1e999999999", "-inf"]):
        farm.append(["0001", 2000 + n, bad, None, bad, None, None])
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    with ctx.read() as s:
        plan = plan_import(s, read_file(path))
    problems = {(p.row, p.message) for p in plan.errors}
    assert (2, "NaN is not a number.") in problems and (4, "Infinity is not a number.") in problems
    assert (5, "1e999999999 is too large for a count or an area.") in problems
    assert {p.row for p in plan.errors} == {2, 3, 4, 5, 6}


def test_a_cell_over_the_csv_field_limit_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(";".join(PERSON_HEADERS) + "\n0001;Ак-Суу;" + "Ж" * 140_000 + "\n", encoding="utf-8")
    with pytest.raises(OkmotError, match="long.csv cannot be read as a CSV file near row 2"):
        read_file(path)


def test_a_damaged_sheet_inside_a_sound_zip_is_refused(tmp_path):
    book = Workbook()
    book.active.append(PERSON_HEADERS)
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(_replace_member(out.getvalue(), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>"))
    with pytest.raises(OkmotError, match=r"damaged.xlsx is not a readable .xlsx workbook .*save it again"):
        read_file(path)


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_unpacks_it(tmp_path, monkeypatch):
    import openpyxl

    from okmot.importer import reader

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)  # 30 MB of zeros packs into 30 kB
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 20_000_000)
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl was asked to unpack it"))
    with pytest.raises(OkmotError, match="bomb.xlsx unpacks to 28 MB, far more than a household book"):
        read_file(path)
