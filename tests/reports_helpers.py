"""Helpers for the report tests: a demo book, independent SQL over the file, reading workbooks back."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from okmot.reporting.collect import collect
from okmot.reporting.data import Params
from okmot.services.context import open_context
from reports.catalog import render

TODAY = dt.date(2026, 3, 15)
AS_OF = dt.date(2026, 3, 1)


def make_report(db_path: Path, out: Path, kind: str, **params) -> Path:
    """Collect and render a report; English headers unless ``language`` is given (stable assertions)."""
    params.setdefault("language", "en")
    ctx = open_context(db_path)
    try:
        with ctx.read() as s:
            data = collect(s, Params(kind, **params), generated_by="Тест")
    finally:
        ctx.close()
    return render(kind, data, params["language"], out)


def sql(db_path: Path, query: str, *args) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(query, args).fetchall()


MEMBERS_ON = """
    SELECT p.id, p.sex, p.birth_date, v.code, h.account_number, p.surname, p.given_name, h.id
    FROM membership m JOIN person p ON p.id = m.person_id JOIN household h ON h.id = m.household_id
    JOIN village v ON v.id = h.village_id
    WHERE m.deleted_at IS NULL AND p.deleted_at IS NULL AND h.deleted_at IS NULL
      AND (m.from_date IS NULL OR m.from_date <= :d) AND (m.to_date IS NULL OR m.to_date > :d)
      AND (p.birth_date IS NULL OR p.birth_date <= :d)
"""


def members_on(db_path: Path, on: dt.date) -> list[tuple]:
    return sql(db_path, MEMBERS_ON, on.isoformat())


def age(birth: str | None, on: dt.date) -> int | None:
    if birth is None:
        return None
    b = dt.date.fromisoformat(birth)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def sheet_rows(path: Path, sheet: int | str = 0) -> tuple[list[tuple], int]:
    """All rows of a sheet (values, formulas as text) and the 1-based number of its header row."""
    wb = load_workbook(path)
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
        header = int(ws.freeze_panes[1:]) - 1
    finally:
        wb.close()
    return rows, header


def soffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def require_libreoffice() -> str:
    exe = soffice()
    if exe is None:
        message = "LibreOffice is not installed: `make libreoffice` installs libreoffice-calc."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return exe


def libreoffice_csv(paths: list[Path], workdir: Path) -> dict[str, list[list[str]]]:
    """Convert workbooks with LibreOffice in one run (it recomputes every formula); first sheets as UTF-8 CSV."""
    import csv

    exe = require_libreoffice()
    profile = workdir / "lo-profile"
    out = workdir / "csv"
    # A private profile: two test workers may run LibreOffice at the same time.
    result = subprocess.run(
        [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out), *map(str, paths)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"LibreOffice failed: {result.stdout}\n{result.stderr}"
    tables = {}
    for path in paths:
        target = out / (path.stem + ".csv")
        assert target.exists(), f"LibreOffice did not convert {path.name}: {result.stdout}\n{result.stderr}"
        with open(target, encoding="utf-8-sig", newline="") as fh:
            tables[path.stem] = list(csv.reader(fh))
    return tables
