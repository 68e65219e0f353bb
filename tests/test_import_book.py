"""Importing a household book: messy files give row errors and write nothing; clean files import once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from okmot import cli
from okmot.importer.apply import ImportCancelled, apply_plan
from okmot.importer.fields import PERSONS
from okmot.importer.mapping import detect, remember, remembered
from okmot.importer.plan import plan_import
from okmot.importer.reader import decode_text, read_file
from okmot.importer.template import build_template, save_template
from okmot.models import ChangeLog, Household, LandPlot, LivestockCount, Membership, Person, Street
from okmot.services import households
from tests import village

YEAR = dt.date.today().year
HEADERS_RU = ["Лицевой счет", "Село", "Улица", "Дом", "Фамилия", "Имя", "Отчество", "Пол", "Дата рождения",
              "ПИН", "Отношение к главе"]


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=2)
    yield context
    context.close()


def _journal_size(ctx) -> int:
    with ctx.read() as s:
        return s.scalar(select(func.count()).select_from(ChangeLog))


def _counts(ctx) -> tuple[int, int]:
    with ctx.read() as s:
        return (s.scalar(select(func.count()).select_from(Household)),
                s.scalar(select(func.count()).select_from(Person)))


def _messy_csv(path: Path) -> Path:
    lines = [
        "Похозяйственная книга с. Ак-Суу",
        ";".join(HEADERS_RU),
        "0101;Ак-Суу;ул. Манаса;;Acaнов;Марат;Асанович;муж;12.03.1980;21203198000011;глава",
        "0101;;;;Асанова;Гульнара;;жен;31.02.1985;;жена",
        "0102;Кок-Жар;;;Иванов;Петр;;м;01.01.1990;123;глава",
        "0103;Новое село;;;Петров;Иван;;м;;;глава",
        "0104;Ак-Суу;;;Сидоров;Олег;;м;12.03.1980;21203198000011;глава",
        "0104;;;;Сидорова;Анна;;ж;05.05.1976;;жена",
        ";;;;;;;;;;",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def _clean_xlsx(path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "Book"
    ws.append(["Жеке эсеп № / Лицевой счёт №", "Айыл / Село", "Көчө / Улица", "Үй № / Дом №",
               "Башчыга мамилеси / Отношение к главе", "Фамилиясы / Фамилия", "Аты / Имя",
               "Атасынын аты / Отчество", "Жынысы / Пол", "Туулган күнү / Дата рождения", "ПИН / ПИН"])
    ws.append(["0201", "Ак-Суу", "Манас көчөсү", "5", "үй-бүлө башчысы", "Жээнбеков", "Алмаз", "Сыдык уулу",
               "эркек", dt.datetime(1981, 4, 9), 20904198100012])
    ws.append(["0201", None, None, None, "жубайы", "Жээнбекова", "Нургүл", "Бакыт кызы", "аял", "01.06.1984", None])
    ws.append(["0201", None, None, None, "уулу", "Сыдыков", "Эрлан", "Алмаз уулу", None, "12.10.2010",
               "21210201000077"])
    ws.append(["0202", "Көк-Жар", "Жаңы көчө", None, "башчы", "Өмүралиева", "Ажар", "", "аял", "1950-02-03",
               None])
    farm = book.create_sheet("Farm")
    farm.append(["Жеке эсеп № / Лицевой счёт №", "Жыл (1-январь) / Год (на 1 января)",
                 "Короо алдындагы жер, га / Приусадебный участок, га", "Жайыт, га / Пастбище, га",
                 "Бодо мал / КРС", "Анын ичинде уй / В т. ч. коровы", "Кой / Овцы"])
    farm.append(["0201", YEAR, "0,12", None, 4, 2, 15])
    farm.append(["0202", YEAR, 0.06, 1.5, 0, 0, None])
    book.save(path)
    return path


def test_encodings_are_detected():
    text = "Фамилия;Имя\nАсанов;Бекзат\n"
    assert decode_text(text.encode("cp1251")) == (text, "cp1251")
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + "Үсөнов;Ң".encode("utf-8")) == ("Үсөнов;Ң", "utf-8-sig")


def test_messy_file_gives_row_errors_and_writes_nothing(ctx, tmp_path):
    source = read_file(_messy_csv(tmp_path / "book.csv"))
    assert source.encoding == "cp1251"
    before, journal = _counts(ctx), _journal_size(ctx)
    with ctx.read() as s:
        plan = plan_import(s, source)
    errors = {(e.row, e.column): e for e in plan.errors}
    assert set(errors) == {(4, "Дата рождения"), (5, "ПИН"), (6, "Село"), (7, "ПИН")}
    assert errors[(4, "Дата рождения")].value == "31.02.1985"
    assert "not a real date" in errors[(4, "Дата рождения")].message
    assert "14 digits" in errors[(5, "ПИН")].message
    assert "Unknown village" in errors[(6, "Село")].message
    assert errors[(7, "ПИН")].message == "The same PIN is on row 3."
    # Latin look-alikes are fixed and reported as a warning; a missing house number is no problem.
    [warning] = plan.warnings
    assert (warning.row, warning.column, warning.value) == (3, "Фамилия", "Acaнов")
    assert "A→А" in warning.message and "c→с" in warning.message
    assert plan.summary.households_create == 4
    with ctx.write() as s:
        with pytest.raises(Exception, match="rows have errors"):
            apply_plan(s, plan_import(s, source))
    assert _counts(ctx) == before
    assert _journal_size(ctx) == journal


def test_clean_file_imports_and_reimport_is_a_no_op(ctx, tmp_path):
    path = _clean_xlsx(tmp_path / "book.xlsx")
    source = read_file(path)
    with ctx.read() as s:
        plan = plan_import(s, source)
    assert plan.errors == ()
    s1 = plan.summary
    assert (s1.households_create, s1.persons_create, s1.farm_create, s1.streets_create) == (2, 4, 2, 1)
    with ctx.write() as s:
        apply_plan(s, plan_import(s, source))
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0201")
        card = households.get_card(s, hid)
        assert card.data.house_number == "5"
        people = {m.person.data.given_name: m for m in card.members}
        assert people["Алмаз"].relation == "head"
        assert people["Алмаз"].person.data.pin == "20904198100012"
        assert people["Алмаз"].person.data.father_name == "Сыдык"
        assert people["Нургүл"].person.data.birth_date == dt.date(1984, 6, 1)
        # Sex worked out from the PIN where the column was empty.
        assert people["Эрлан"].person.data.sex == "M"
        assert people["Эрлан"].relation == "son"
        assert card.livestock[YEAR] == {"cattle": 4, "cows": 2, "sheep": 15}
        assert [(p.category, p.area_m2) for p in card.land[YEAR]] == [("household_plot", 1200)]
        other = households.get_card(s, households.household_id_by_account(s, "0202"))
        assert other.village_ky == "Көк-Жар" and other.street_ky == "Жаңы көчө"
        assert sorted((p.category, p.area_m2) for p in other.land[YEAR]) == [("household_plot", 600),
                                                                            ("pasture", 15000)]
        assert s.scalar(select(func.count()).select_from(Street).where(Street.name_ky == "Жаңы көчө")) == 1
    journal = _journal_size(ctx)
    with ctx.write() as s:
        again = plan_import(s, source)
        apply_plan(s, again)
    s2 = again.summary
    assert (s2.households_create, s2.households_update, s2.persons_create, s2.persons_update,
            s2.farm_create, s2.farm_update, s2.streets_create) == (0, 0, 0, 0, 0, 0, 0)
    assert (s2.households_unchanged, s2.persons_unchanged, s2.farm_unchanged) == (2, 4, 2)
    assert _journal_size(ctx) == journal


def test_changed_cell_updates_only_that_person(ctx, tmp_path):
    path = _clean_xlsx(tmp_path / "book.xlsx")
    with ctx.write() as s:
        apply_plan(s, plan_import(s, read_file(path)))
    book = load_workbook(path)
    book.active["H2"] = "Сыдык"  # the head's father's name without the suffix: the same, unchanged
    book.active["H3"] = "Бакытбек кызы"  # Нургүл's father's name corrected
    book.save(path)
    with ctx.write() as s:
        plan = plan_import(s, read_file(path))
        apply_plan(s, plan)
    assert (plan.summary.persons_update, plan.summary.persons_unchanged, plan.summary.persons_create) == (1, 3, 0)
    with ctx.read() as s:
        father = s.scalar(select(Person.father_name).where(Person.given_name == "Нургүл"))
    assert father == "Бакытбек"


def test_cancel_rolls_everything_back(ctx, tmp_path):
    source = read_file(_clean_xlsx(tmp_path / "book.xlsx"))
    before, journal = _counts(ctx), _journal_size(ctx)
    seen = []
    with pytest.raises(ImportCancelled):
        with ctx.write() as s:
            apply_plan(s, plan_import(s, source), progress=lambda d, t: seen.append((d, t)),
                       cancelled=lambda: True)
    assert seen == [(0, 4)]
    assert _counts(ctx) == before and _journal_size(ctx) == journal


def test_existing_person_matched_by_pin_and_second_head_refused(ctx, tmp_path):
    with ctx.read() as s:
        card = households.get_card(s, households.household_id_by_account(s, "0001"))
    head = card.head.person
    path = tmp_path / "one.csv"
    path.write_text("Лицевой счет,Село,Фамилия,Имя,ПИН,Отношение к главе,Пол\n"
                    f"0001,Ак-Суу,{head.data.surname},{head.data.given_name},{head.data.pin},глава,м\n"
                    "1,Ак-Суу,Асанов,Тимур,,глава,м\n", encoding="utf-8-sig")
    with ctx.read() as s:
        plan = plan_import(s, read_file(path))
    # "1" is account 0001 written as a number by Excel: the same household.
    assert [(e.row, e.column, e.message) for e in plan.errors] == [
        (3, "Отношение к главе", "The household already has a head.")]
    assert plan.summary.persons_unchanged == 1


def test_negative_livestock_and_unknown_account_on_sheet_two(ctx, tmp_path):
    book = Workbook()
    book.active.append(["Лицевой счет", "Село", "Фамилия", "Имя", "Пол", "Дата рождения"])
    book.active.append(["0001", "Ак-Суу", "Асанов", "Бекзат", "м", "15.05.1970"])
    farm = book.create_sheet("Скот")
    farm.append(["Лицевой счет", "Год", "КРС", "Овцы", "Пастбище, га"])
    farm.append(["0001", YEAR, -2, 3, None])
    farm.append(["0999", YEAR, 1, 1, "0,5"])
    farm.append(["0002", YEAR, 3, 1, "-0,5"])
    book.save(tmp_path / "f.xlsx")
    with ctx.read() as s:
        plan = plan_import(s, read_file(tmp_path / "f.xlsx"))
    got = [(e.sheet, e.row, e.column, e.value) for e in plan.errors]
    assert got == [("Скот", 2, "КРС", "-2"), ("Скот", 3, "Лицевой счет", "0999"), ("Скот", 4, "Пастбище, га", "-0,5")]
    assert "cannot be negative" in plan.errors[0].message


def test_mapping_is_remembered_for_the_same_layout(ctx, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Н/с;Кыштак;Фам;Ат;Жыныс\n0301;Ак-Суу;Асанов;Нурбек;м\n", encoding="utf-8")
    source = read_file(path)
    with ctx.read() as s:
        assert detect(source.sheets[0], PERSONS, remembered(s)) is None
    headers = ("Н/с", "Кыштак", "Фам", "Ат", "Жыныс")
    from okmot.importer.mapping import ColumnMapping
    mapping = ColumnMapping(PERSONS, source.sheets[0].title, 1, headers).with_columns(
        {0: "account_number", 1: "village", 2: "surname", 3: "given_name", 4: "sex"})
    with ctx.write() as s:
        remember(s, mapping)
    with ctx.read() as s:
        again = detect(source.sheets[0], PERSONS, remembered(s))
        assert again.columns == mapping.columns
        plan = plan_import(s, source)
    assert plan.errors == () and plan.summary.persons_create == 1


def test_template_has_bilingual_headers_and_examples(tmp_path):
    save_template(tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    persons_sheet, farm_sheet = book.worksheets[0], book.worksheets[1]
    headers = [c.value for c in persons_sheet[1]]
    assert headers[:3] == ["Жеке эсеп № / Лицевой счёт №", "Айыл / Село", "Көчө / Улица"]
    assert "ПИН / ПИН" in headers
    assert persons_sheet["G2"].value == "Асанов"
    farm_headers = [c.value for c in farm_sheet[1]]
    assert "Бодо мал / КРС" in farm_headers and "Жайыт, га / Пастбище, га" in farm_headers
    assert "hectares" in book.worksheets[2]["A5"].value
    assert build_template()[:2] == b"PK"


def test_template_example_imports_into_an_empty_book(tmp_path):
    ctx = village.build(tmp_path / "empty.sqlite3", households_count=0)
    try:
        save_template(tmp_path / "t.xlsx")
        with ctx.write() as s:
            plan = plan_import(s, read_file(tmp_path / "t.xlsx"))
            assert plan.errors == ()
            apply_plan(s, plan)
        assert _counts(ctx) == (2, 3)
    finally:
        ctx.close()


# --- CLI ---------------------------------------------------------------------------------------

def test_cli_dry_run_json_and_import(ctx, tmp_path, capsys):
    path = _clean_xlsx(tmp_path / "book.xlsx")
    db = str(ctx.db.engine.url.database)
    journal = _journal_size(ctx)
    assert cli.main(["import-book", "--db", db, str(path), "--dry-run", "--json", "--lang", "en"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["persons"] == {"create": 4, "update": 0, "unchanged": 0}
    assert out["imported"] is False and out["errors"] == []
    assert _journal_size(ctx) == journal
    assert cli.main(["import-book", "--db", db, str(path), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "Persons: 4 to create, 0 to update, 0 unchanged" in text and "Imported." in text
    assert cli.main(["import-book", "--db", db, str(path), "--json", "--lang", "en"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["households"] == {"create": 0, "update": 0, "unchanged": 2}
    assert out["imported"] is False


def test_cli_refuses_a_messy_file_and_writes_nothing(ctx, tmp_path, capsys):
    path = _messy_csv(tmp_path / "book.csv")
    db = str(ctx.db.engine.url.database)
    before = _counts(ctx)
    assert cli.main(["import-book", "--db", db, str(path), "--lang", "en"]) == 1
    text = capsys.readouterr().out
    assert "row 5, column “ПИН”, value “123”: A PIN has 14 digits; this one has 3." in text
    assert "Nothing was written" in text
    assert _counts(ctx) == before
    assert cli.main(["import-book", "--db", db, str(path), "--json", "--lang", "en"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert {(e["row"], e["column"]) for e in out["errors"]} == {(4, "Дата рождения"), (5, "ПИН"), (6, "Село"),
                                                               (7, "ПИН")}


def test_cli_template_and_unknown_file_type(tmp_path, capsys):
    assert cli.main(["import-template", "--out", str(tmp_path / "t.xlsx"), "--lang", "en"]) == 0
    assert load_workbook(tmp_path / "t.xlsx").worksheets[0]["A1"].value == "Жеке эсеп № / Лицевой счёт №"
    (tmp_path / "x.ods").write_bytes(b"x")
    db = tmp_path / "db.sqlite3"
    village.build(db, households_count=0).close()
    assert cli.main(["import-book", "--db", str(db), str(tmp_path / "x.ods"), "--lang", "en"]) == 2
    assert "Only .xlsx and .csv" in capsys.readouterr().err


# --- scale ---------------------------------------------------------------------------------------

def _big_csv(path: Path, persons: int) -> Path:
    rows = [";".join(HEADERS_RU)]
    for i in range(persons):
        account, member = divmod(i, 4)
        born = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 25_000)
        sex = "м" if member % 2 == 0 else "ж"
        pin = f"{2 if sex == 'м' else 1}{born:%d%m%Y}{i:05d}"
        relation = ["глава", "жена", "сын", "дочь"][member]
        village_name = "Ак-Суу" if account % 2 else "Кок-Жар"
        rows.append(f"{5000 + account};{village_name if member == 0 else ''};;{account if member == 0 else ''};"
                    f"Фамилия{account};Имя{member};;{sex};{born:%d.%m.%Y};{pin};{relation}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_five_thousand_persons_import(ctx, tmp_path):
    # The time it takes is measured by `make bench` (bench/village.py), not asserted here.
    source = read_file(_big_csv(tmp_path / "big.csv", 5000))
    with ctx.write() as s:
        plan = plan_import(s, source)
        assert plan.errors == ()
        apply_plan(s, plan)
    assert plan.summary.persons_create == 5000 and plan.summary.households_create == 1250
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Membership)) == 5000 + 4
    with ctx.read() as s:
        again = plan_import(s, source)
    assert again.summary.persons_unchanged == 5000


def test_thousand_persons_import(ctx, tmp_path):
    source = read_file(_big_csv(tmp_path / "big.csv", 1000))
    with ctx.write() as s:
        apply_plan(s, plan_import(s, source))
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(LivestockCount)) > 0
        assert s.scalar(select(func.count()).select_from(Person)) == 1004
        assert s.scalar(select(func.count()).select_from(LandPlot)) == 2
