"""Household-book speed on a large village: start to a usable list, search as you type, open a card.

Targets (issue: foundation): with 10 000 households, start to a usable list < 2 s, search results
< 100 ms, a household card < 150 ms. Run with `make bench` (or `--households 2000` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QUERIES = ["а", "ас", "асан", "өмүр", "бекз", "0001", "21", "ак-", "манас", "нур айг", "жыл"]


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--db", help="reuse this demo database instead of generating one")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    home = tempfile.mkdtemp(prefix="okmot-bench-")
    os.environ["OKMOT_HOME"] = home
    from okmot.demo import create_demo_file

    path = Path(args.db) if args.db else Path(home) / "village.sqlite3"
    results: dict[str, float] = {}
    if not args.db:
        t0 = time.perf_counter()
        create_demo_file(path, households=args.households, seed=7)
        results["generate_demo_s"] = time.perf_counter() - t0

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from okmot.services import auth, households, search
    from okmot.services.context import open_context
    from ui.household_card import HouseholdDialog
    from ui.main_window import MainWindow

    # Start: open and migrate the database, build the window, show the first page of the list.
    t0 = time.perf_counter()
    ctx = open_context(path)
    with ctx.system("bench") as s:
        if auth.needs_first_admin(s):
            ctx.user = auth.create_first_admin(s, username="bench", full_name="Bench", password="bench-password-1")
        else:
            ctx.user = auth.list_users(s)[0]
    window = MainWindow(ctx)
    window.show()
    app.processEvents()
    results["start_to_list_s"] = time.perf_counter() - t0
    assert window.model.rowCount() > 0

    timings = []
    for _round in range(5):
        for q in QUERIES:
            t0 = time.perf_counter()
            with ctx.read() as s:
                search.search_households(s, search.HouseholdFilter(text=q), limit=200)
            timings.append(time.perf_counter() - t0)
    results["search_median_ms"] = statistics.median(timings) * 1000
    results["search_p95_ms"] = _p95(timings) * 1000

    with ctx.read() as s:
        ids = [r.id for r in search.find_households(s, search.HouseholdFilter(), limit=50)]
    card_times, dialog_times = [], []
    for hid in ids[:20]:
        t0 = time.perf_counter()
        with ctx.read() as s:
            households.get_card(s, hid)
        card_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dialog = HouseholdDialog(ctx, hid, window)
        dialog.show()
        app.processEvents()
        dialog_times.append(time.perf_counter() - t0)
        dialog.dirty = False
        dialog.close()
    results["card_query_median_ms"] = statistics.median(card_times) * 1000
    results["card_window_median_ms"] = statistics.median(dialog_times) * 1000
    window.close()
    ctx.close()

    targets = {"start_to_list_s": 2.0, "search_p95_ms": 100.0, "card_window_median_ms": 150.0}
    print(f"households: {args.households}  machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"{'measure':28} {'value':>10} {'target':>10}")
    failed = False
    for key, value in results.items():
        target = targets.get(key)
        mark = "" if target is None else ("ok" if value < target else "MISSED")
        failed |= mark == "MISSED"
        print(f"{key:28} {value:10.1f} {'' if target is None else f'< {target:g}':>10} {mark}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # Skip interpreter teardown: PySide6 may crash while collecting Qt objects at exit.
    os._exit(code)
