"""Every workbook opens in LibreOffice, whose recomputed totals equal the sums of the rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from okmot import demo
from okmot.reporting.kinds import KINDS, PERIOD, XLSX
from tests.reports_helpers import AS_OF, TODAY, libreoffice_csv, make_report, members_on, require_libreoffice


def test_libreoffice_converts_every_workbook_and_agrees_on_totals(tmp_path: Path) -> None:
    require_libreoffice()
    path = tmp_path / "demo.sqlite3"
    demo.create_demo_file(path, households=40, seed=5, today=TODAY)
    made = []
    for kind in KINDS.values():
        assert XLSX in kind.formats
        params = ({"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)} if kind.timing == PERIOD
                  else {"as_of": AS_OF, "account": "0001"})
        made.append(make_report(path, tmp_path / f"{kind.code}.xlsx", kind.code, **params))
    tables = libreoffice_csv(made, tmp_path)
    assert set(tables) == set(KINDS)

    population = tables["population"]
    header = next(i for i, r in enumerate(population) if r[:2] == ["Village", "Sex"])
    rows = [r for r in population[header + 1:] if r[1] in ("male", "female")]
    total = next(r for r in population if r[0] == "Total")
    for col in range(2, 9):
        assert int(total[col]) == sum(int(r[col]) for r in rows)
    assert int(total[8]) == len(members_on(path, AS_OF))
    for r in rows:  # the row formula =SUM(C:H) computed by LibreOffice
        assert int(r[8]) == sum(int(x) for x in r[2:8])

    movement = tables["movement"]
    header = next(i for i, r in enumerate(movement) if r[0] == "Village")
    rows = [r for r in movement[header + 1:] if r[0] and r[0] != "Total"]
    total = next(r for r in movement if r[0] == "Total")
    assert int(total[5]) == sum(int(r[1]) - int(r[2]) for r in rows)  # natural increase of the totals
