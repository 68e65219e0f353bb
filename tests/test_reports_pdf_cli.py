"""PDF reports (text, fonts, charts) and the `report` command: success, and clean failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader

from okmot import cli, demo
from tests.reports_helpers import AS_OF, TODAY, make_report, members_on, sheet_rows, sql


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports-pdf") / "demo.sqlite3"
    demo.create_demo_file(path, households=40, seed=11, today=TODAY)
    return path


def _text(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_population_pdf_has_figures_kyrgyz_letters_and_a_pyramid(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "p.pdf", "population", as_of=AS_OF, language="ky")
    text, reader = _text(out)
    total = len(members_on(book, AS_OF))
    assert "Ак-Суу айыл аймагы" in text
    assert "Көк-Жар" in text or "Тепке" in text
    assert f"{total:,}".replace(",", "\u00a0") in text or str(total) in text
    # The chart: its title, the five-year bands and the legend are vector text on the page.
    assert "80+" in text and "0–4" in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()
             for f in [f.get_object()["/BaseFont"]]}
    assert any("DejaVuSans" in f for f in fonts)
    ops = reader.pages[-1].get_contents().get_data()
    assert ops.count(b" re") > 30  # the pyramid's bars are rectangles drawn on the page


def test_half_year_pack_has_every_part(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "h.pdf", "half_year", start=dt.date(2025, 7, 1), end=dt.date(2025, 12, 31))
    text, _reader = _text(out)
    for part in ("Population on 31.12.2025", "Movement by village", "Land in use on 1 January 2025",
                 "Livestock on 1 January 2025", "Population pyramid", "Livestock by species: 2024 and 2025"):
        assert part in text, part
    cattle = sql(book, "SELECT SUM(heads) FROM livestock_count WHERE year = 2025 AND species = 'cattle' "
                       "AND deleted_at IS NULL")[0][0]
    assert f"{cattle:,}".replace(",", "\u00a0") in text


def test_household_card_pdf(book: Path, tmp_path: Path) -> None:
    out = make_report(book, tmp_path / "c.pdf", "household_card", account="0001", as_of=TODAY, language="ru")
    text, _reader = _text(out)
    members = [m for m in members_on(book, TODAY) if m[4] == "0001"]
    assert "0001" in text and "Ак-Суйский айылный аймак" in text
    for m in members:
        assert m[5] in text and m[6] in text


def test_cli_list_and_a_workbook(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["report", "--list", "--lang", "en"]) == 0
    listed = capsys.readouterr().out
    assert "voters" in listed and "movement" in listed and "--from/--to" in listed
    out = tmp_path / "voters.xlsx"
    assert cli.main(["report", "--db", str(book), "--kind", "voters", "--out", str(out), "--as-of",
                     AS_OF.isoformat(), "--village", "01", "--lang", "ru"]) == 0
    rows, header = sheet_rows(out)
    assert rows[0][0] == "Ак-Суйский айылный аймак"
    adults = [m for m in members_on(book, AS_OF) if m[3] == "01" and m[2]
              and (AS_OF - dt.date.fromisoformat(m[2])).days >= 0
              and AS_OF.year - int(m[2][:4]) - ((AS_OF.month, AS_OF.day) < (int(m[2][5:7]), int(m[2][8:]))) >= 18]
    assert len([r for r in rows[header:] if isinstance(r[0], int)]) == len(adults)


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "nonsense", "--as-of", "2026-01-01"], "Unknown report kind: nonsense"),
    (["--kind", "movement", "--from", "2026-05-01", "--to", "2026-04-30"], "The period is empty"),
    (["--kind", "movement", "--from", "2026-05-01"], "Give the first and the last day of the period"),
    (["--kind", "voters", "--village", "99"], "No village has the code 99"),
])
def test_cli_refuses_with_a_clear_message(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                          args: list[str], message: str) -> None:
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", "--lang", "en", "--db", str(book), "--out", str(out), *args]) == cli.EXIT_ERROR
    assert message in capsys.readouterr().err
    assert [p for p in tmp_path.iterdir() if p.name != "okmot-home"] == []  # the log folder aside


def test_cli_unwritable_path_leaves_nothing(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "no-such-folder" / "r.xlsx"
    assert cli.main(["report", "--lang", "en", "--db", str(book), "--kind", "population",
                     "--out", str(missing)]) == cli.EXIT_ERROR
    assert "Cannot write" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        target = locked / "r.xlsx"
        code = cli.main(["report", "--lang", "en", "--db", str(book), "--kind", "population", "--out", str(target)])
        if code == 0:  # root ignores folder permissions; then the file must be whole
            assert sheet_rows(target)[0][0][0] == "Ак-Суу айыл аймагы"
        else:
            assert "Cannot write" in capsys.readouterr().err
        assert [p.name for p in locked.iterdir()] in ([], ["r.xlsx"])
    finally:
        locked.chmod(0o700)
    assert cli.main(["report", "--lang", "en", "--db", str(book), "--kind", "population",
                     "--out", str(tmp_path / "r.csv")]) == cli.EXIT_ERROR
    assert ".xlsx or .pdf" in capsys.readouterr().err


def test_cancel_leaves_no_file(book: Path, tmp_path: Path) -> None:
    from okmot.reporting.collect import collect
    from okmot.reporting.data import Params
    from okmot.services.context import open_context
    from reports.catalog import render
    from reports.output import Cancelled

    ctx = open_context(book)
    with ctx.read() as s:
        data = collect(s, Params("book", as_of=AS_OF), generated_by="t")
    ctx.close()
    with pytest.raises(Cancelled):
        render("book", data, "en", tmp_path / "b.xlsx", cancelled=lambda: True)
    assert [p for p in tmp_path.iterdir() if p.name != "okmot-home"] == []  # the log folder aside


def test_lists_keep_pins_whole_and_label_counts_and_empty_tables(book: Path, tmp_path: Path) -> None:
    """What a clerk reads on paper: every PIN of the alphabetical book on one line, the total row of a
    numbered list as "Бардыгы — N" (not the label running into the count), and an empty table said
    in the report's language."""
    import re

    out = make_report(book, tmp_path / "b.pdf", "book", as_of=AS_OF, language="ky")
    text, _reader = _text(out)
    pin_of = dict(sql(book, "SELECT id, pin FROM person"))
    residents = {pin_of[m[0]] for m in members_on(book, AS_OF) if pin_of[m[0]]}
    # A PIN broken over two lines would be missing here (13 digits, then 1).
    assert set(re.findall(r"\b\d{14}\b", text)) == residents
    card = make_report(book, tmp_path / "c.pdf", "household_card", account="0001", as_of=TODAY, language="ky")
    card_text, _reader = _text(card)
    members = len([m for m in members_on(book, TODAY) if m[4] == "0001"])
    assert f"Бардыгы — {members}" in card_text
    assert "No records." not in card_text
