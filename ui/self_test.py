"""`okmot --self-test`: prove a build works end to end (database, demo, certificate PDF, XLSX, Qt) without a window.

Run against the frozen build before any installer is made: every resource the app needs at run time
(migrations, translations, fonts, certificate wording, help, Qt plugins) is exercised here, so a file
missing from the PyInstaller spec fails this check instead of failing on a village PC.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Letters of Kyrgyz Cyrillic that Russian lacks: a font or PDF that loses them fails the check.
KYRGYZ_LETTERS = set("ҢңӨөҮү")
DEMO_HOUSEHOLDS = 25


class SelfTestFailure(Exception):
    """One check of the self-test failed; the message says what and why."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    detail: str
    seconds: float


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise SelfTestFailure(reason)


def check_translations() -> str:
    from okmot.i18n import gettext_in, locale_dir

    for lang in ("ky", "ru"):
        _require((locale_dir() / lang / "LC_MESSAGES" / "okmot.mo").is_file(),
                 f"compiled catalog missing: {locale_dir() / lang / 'LC_MESSAGES' / 'okmot.mo'}")
        _require(gettext_in(lang, "Household book") != "Household book",
                 f"the {lang} catalog does not translate 'Household book'")
    return f"ky «{gettext_in('ky', 'Household book')}», ru «{gettext_in('ru', 'Household book')}»"


def check_data_folder() -> str:
    """The user's data folder (portable: beside the program) can be written, and the log goes there."""
    import logging

    from okmot import logsetup
    from okmot.paths import ensure_dir, home_dir

    folder = home_dir()
    try:
        ensure_dir(folder)
        probe = folder / ".okmot-self-test"
        probe.write_bytes(b"ok")
        probe.unlink()
        log_file = logsetup.configure()
    except OSError as exc:
        raise SelfTestFailure(f"the data folder {folder} cannot be written: {exc}") from None
    logging.getLogger("okmot.self_test").info("self-test started")
    return f"{folder} (log {log_file})"


def check_fonts() -> str:
    """Every PDF font file is there and whole (checksums), before a certificate needs it."""
    from okmot.errors import EnvironmentProblem
    from reports import fonts

    try:
        count = fonts.check()
    except EnvironmentProblem as exc:
        raise SelfTestFailure(exc.message) from None
    return f"{count} TrueType fonts"


def check_help() -> str:
    from okmot.paths import resource_dir

    found = []
    for lang in ("ky", "ru"):
        page = resource_dir() / "help" / lang / "index.html"
        _require(page.is_file(), f"user guide missing: {page}")
        text = page.read_text(encoding="utf-8")
        _require("<h2" in text and "okmot-help" in text, f"user guide damaged: {page}")
        found.append(lang)
    return "user guide: " + ", ".join(found)


def make_database(folder: Path):
    """A new database in ``folder``, migrated to the newest schema, holding a small demo village."""
    from okmot.demo import generate
    from okmot.services.context import open_context

    ctx = open_context(folder / "self-test.sqlite3")
    try:
        upgrade = ctx.upgrade
        _require(upgrade.from_revision is None and bool(upgrade.to_revision),
                 "the new database did not migrate to the newest schema")
        summary = generate(ctx.db, households=DEMO_HOUSEHOLDS, seed=7)
    except BaseException:
        ctx.close()
        raise
    _require(summary.households == DEMO_HOUSEHOLDS and summary.persons > DEMO_HOUSEHOLDS,
             f"the demo village is incomplete: {summary}")
    return ctx, summary


def _household_with_kyrgyz_name(session) -> tuple[object, str]:
    """A household of the demo and one name of a current member that holds a Kyrgyz letter."""
    from okmot.services import households, search

    for row in search.find_households(session, search.HouseholdFilter(), limit=DEMO_HOUSEHOLDS):
        card = households.get_card(session, row.id)
        for member in card.current_members:
            for name in (member.person.data.surname, member.person.data.given_name):
                if KYRGYZ_LETTERS & set(name):
                    return card, name
    raise SelfTestFailure("no demo resident has a name with a Kyrgyz letter (Ң, Ө, Ү)")


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF (pdfium: the same engine a viewer uses)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        parts = []
        for page in pdf:
            text_page = page.get_textpage()
            parts.append(text_page.get_text_range())
            text_page.close()
            page.close()
        return "\n".join(parts)
    finally:
        pdf.close()


def check_certificate(ctx, out: Path) -> str:
    from okmot.services import certificates
    from reports.certificates import render_pdf

    with ctx.system("self-test") as s:
        card, name = _household_with_kyrgyz_name(s)
        issued = certificates.issue_certificate(s, kind="family", language="ky+ru", household_id=card.id,
                                                applicant_name=name, purpose="self-test")
    data = render_pdf(issued.content, payload=issued.payload)
    path = out / "certificate.pdf"
    path.write_bytes(data)
    _require(data.startswith(b"%PDF") and len(data) > 5000, f"the certificate PDF is too small ({len(data)} bytes)")
    text = pdf_text(data)
    _require(name in text, f"the certificate PDF does not show the member «{name}»")
    _require(card.data.account_number in text or issued.number in text,
             "the certificate PDF shows neither the number nor the account")
    return f"{issued.number}, {len(data)} bytes, shows «{name}»"


def check_xlsx(ctx, out: Path) -> str:
    from openpyxl import load_workbook

    from okmot.reporting.collect import collect
    from okmot.reporting.data import Params
    from reports.catalog import render

    with ctx.read() as s:
        data = collect(s, Params("population", as_of=dt.date.today(), language="ky"), generated_by="self-test")
    path = render("population", data, "ky", out / "population.xlsx")
    expected = sum(sum(r.counts) for r in data.rows)
    _require(expected > 0, "the population report counted nobody")
    wb = load_workbook(path)
    try:
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    office = data.header.office_ky
    _require(rows and rows[0][0] == office, f"the XLSX does not start with the office «{office}»")
    # A data row: village, sex, one count per age group, and its total as a formula the accountant can audit.
    counted = [r for r in rows if isinstance(r[-1], str) and r[-1].startswith("=SUM(")]
    _require(counted, "the XLSX has no rows with SUM formulas")
    in_file = sum(v for r in counted for v in r[2:-1] if isinstance(v, int))
    _require(in_file == expected, f"the XLSX counts {in_file} residents, the database {expected}")
    return f"{path.name}: {in_file} residents in {len(counted)} rows, as in the database"


def check_qt() -> str:
    """Qt loads its platform plugin and draws Kyrgyz text (the app's widgets need both)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["okmot-self-test"])
    label = QLabel("Өкмөт Үй-бүлө Ңң")
    label.resize(240, 40)
    image = label.grab().toImage()
    background = QColor(image.pixel(0, 0))
    inked = sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
                if QColor(image.pixel(x, y)) != background)
    label.deleteLater()
    _require(inked > 20, "Qt drew nothing: fonts or the platform plugin are missing")
    return f"platform {app.platformName()}, Qt drew {inked} text pixels"


def _print(line: str) -> None:
    # A windowed Windows executable has no standard output; its exit code and the log still tell.
    if sys.stdout is not None:
        print(line, flush=True)


def run_checks(report: Callable[[str], None] = _print) -> int:
    """Run every check; 0 when all pass, 1 and the reason otherwise."""
    results: list[CheckResult] = []

    def step(name: str, fn: Callable[[], str]) -> None:
        started = time.perf_counter()
        detail = fn()
        results.append(CheckResult(name, detail, time.perf_counter() - started))
        report(f"ok   {name}: {detail} ({results[-1].seconds:.1f} s)")

    from okmot import __version__
    from okmot.paths import resource_dir

    report(f"Okmot {__version__} self-test; resources in {resource_dir()}")
    try:
        with tempfile.TemporaryDirectory(prefix="okmot-self-test-") as tmp:
            folder = Path(tmp)
            step("data folder", check_data_folder)
            step("translations", check_translations)
            step("fonts", check_fonts)
            holder: dict = {}

            def database() -> str:
                holder["ctx"], summary = make_database(folder)
                return f"migrated to {holder['ctx'].upgrade.to_revision}; demo village of {summary.households} households, {summary.persons} persons"

            step("database", database)
            try:
                step("certificate PDF", lambda: check_certificate(holder["ctx"], folder))
                step("XLSX report", lambda: check_xlsx(holder["ctx"], folder))
            finally:
                holder["ctx"].close()
            step("Qt", check_qt)
            step("help", check_help)
    except SelfTestFailure as exc:
        report(f"FAIL {exc}")
        return 1
    except Exception as exc:  # any other error is a broken build: say which and why
        report("".join(traceback.format_exception(exc)).rstrip())
        report(f"FAIL {type(exc).__name__}: {exc}")
        return 1
    import logging

    logging.getLogger("okmot.self_test").info("self-test passed: %d checks", len(results))
    report(f"self-test passed: {len(results)} checks")
    return 0
