"""Scale: the alphabetical book of a 10 000-household village (about 50 000 people) as a workbook."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from okmot import demo
from tests.reports_helpers import TODAY, make_report, members_on


@pytest.mark.slow
def test_population_list_of_50000_people(tmp_path: Path) -> None:
    path = tmp_path / "big.sqlite3"
    demo.create_demo_file(path, households=10_000, seed=1, today=TODAY)
    people = len(members_on(path, TODAY))
    started = time.perf_counter()
    out = make_report(path, tmp_path / "book.xlsx", "book", as_of=TODAY)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"\nbench: alphabetical book, {people} persons -> xlsx in {seconds:.1f} s "
          f"(query, Kyrgyz sort and streaming write), process peak RSS {peak / 1024:.0f} MiB, "
          f"file {out.stat().st_size / 2**20:.1f} MiB")
    assert people > 40_000
    wb = load_workbook(out, read_only=True)
    try:
        names = sum(1 for row in wb.worksheets[0].iter_rows(min_col=2, max_col=2, values_only=True) if row[0])
        assert names >= people
    finally:
        wb.close()
