"""The benchmark runner: the village section, then the district section; a table, the misses and a JSON file.

    python -m bench.run [--quick] [--households N] [--json-dir bench/results] [--strict]

Quick mode (`make bench-quick`, CI): a 1 000-household village and a 3×500 district on SQLite, fewer
repeats; misses are printed, never fatal. Full mode (`make bench`): 10 000 households, a 20×5 000
district on a throwaway PostgreSQL server; `--strict` makes a missed target exit non-zero.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import Bench  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
#: Village households and district offices × households per office, per mode.
QUICK = {"households": 1_000, "offices": 3, "office_households": 500}
FULL = {"households": 10_000, "offices": 20, "office_households": 5_000}


@contextlib.contextmanager
def postgres(bench: Bench) -> Iterator[str | None]:
    """A throwaway PostgreSQL server's URL (tests/pg_server.py), or None with a note when none can run here."""
    from tests.pg_server import throwaway_server

    try:
        server = contextlib.ExitStack()
        url = server.enter_context(throwaway_server()).url("postgres")
    except Exception as exc:  # no server binaries, running as root without runuser, a port race
        bench.notes.append(f"PostgreSQL could not be started ({exc}); the district section ran on SQLite only.")
        yield None
        return
    with server:
        yield url


def district(bench: Bench, *, offices: int, households: int, pg_url: str | None, village_households: int) -> None:
    """The teammate's district section (bench/district.py), skipped with a note while it is missing."""
    try:
        module = importlib.import_module("bench.district")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.district":
            raise
        bench.notes.append("bench/district.py is not there yet: the district section (400 000-person search, "
                           f"{offices}×{households} offices) was skipped.")
        return
    extra = {}
    if "village_households" in inspect.signature(module.run).parameters:
        extra["village_households"] = village_households  # the exported village: as big as ours
    # In a new process of its own: each operation's peak memory is then its own (what `okmot sync
    # import` or `export` uses), not the village section's window, Qt and caches still mapped here.
    pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        results, notes = pool.apply(_district_child, (bench.quick, offices, households, pg_url, extra))
    finally:
        pool.close()
        pool.join()
    bench.results += results
    bench.notes += notes
    bench.relink()


def _district_child(quick: bool, offices: int, households: int, pg_url: str | None,
                    extra: dict) -> tuple[list, list[str]]:
    child = Bench(quick=quick)
    importlib.import_module("bench.district").run(child, offices=offices, households=households, pg_url=pg_url,
                                                  **extra)
    return child.results, child.notes


def run(*, quick: bool, households: int, folder: Path, db: Path | None = None, district_section: bool = True,
        offices: int | None = None, office_households: int | None = None) -> Bench:
    """Both sections into one Bench; every section's crash is noted and the others still run."""
    from bench import village

    sizes = QUICK if quick else FULL
    bench = Bench(quick=quick)
    started = time.perf_counter()
    with contextlib.suppress(OSError):
        bench.notes.append("load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    try:
        village.run(bench, folder, households=households, db=db)
    except Exception:
        bench.notes.append("The village section crashed:\n" + traceback.format_exc())
    if district_section:
        try:
            shape = {"offices": offices or sizes["offices"], "village_households": households,
                     "households": office_households or sizes["office_households"]}
            if quick:
                district(bench, pg_url=None, **shape)
            else:
                with postgres(bench) as url:
                    district(bench, pg_url=url, **shape)
        except Exception:
            bench.notes.append("The district section crashed:\n" + traceback.format_exc())
    bench.notes.append(f"whole run: {time.perf_counter() - started:.0f} s")
    return bench


def crashed(bench: Bench) -> bool:
    return any(n.startswith(("The village section crashed", "The district section crashed")) for n in bench.notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small village and district, fewer repeats")
    parser.add_argument("--households", type=int, help="village households (default 1 000 quick, 10 000 full)")
    parser.add_argument("--offices", type=int, help="district offices (default 3 quick, 20 full)")
    parser.add_argument("--office-households", type=int, help="households per district office")
    parser.add_argument("--db", type=Path, help="reuse this demo village instead of generating one")
    parser.add_argument("--json-dir", type=Path, default=RESULTS, help="one JSON file per run goes here")
    parser.add_argument("--no-district", action="store_true", help="only the village section")
    parser.add_argument("--strict", action="store_true", help="full mode: exit 1 when a target is missed")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="okmot-bench-"))
    os.environ["OKMOT_HOME"] = str(work / "home")
    try:
        bench = run(quick=args.quick, households=args.households or sizes["households"], folder=work, db=args.db,
                    district_section=not args.no_district, offices=args.offices,
                    office_households=args.office_households)
        print(report(bench))
        print(f"\nresults: {bench.write_json(args.json_dir)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if crashed(bench):
        return 2
    if bench.failures() and args.strict and not args.quick:
        return 1
    return 0


def report(bench: Bench) -> str:
    """The table, the notes (query plans, skipped sections) and the misses, as printed."""
    machine = bench.machine()
    lines = [f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
             f"{machine['os']}, Python {machine['python']}, SQLite {machine['sqlite']}, "
             f"load average {' '.join(map(str, machine['load_average']))}"
             f"{' — quick mode' if bench.quick else ''}", "", bench.table(), ""]
    lines += bench.notes
    misses = bench.failures()
    lines += ["", "targets missed:" if misses else "every target met."] + [f"  ✗ {m}" for m in misses]
    return "\n".join(lines)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # Skip interpreter teardown: PySide6 may crash while collecting Qt objects at exit.
    os._exit(code)
