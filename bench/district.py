"""District sync speed: village package export, and many village packages imported into SQLite and PostgreSQL.

Targets (issues #6 and #9): a full package of a 10 000-household village in < 5 s, an incremental one
after 100 changes in < 1 s; 20 packages of 5 000 households imported in < 90 s into SQLite and within
3× a raw ``sqlite3`` executemany of the same rows, within 3× a raw COPY into PostgreSQL; the same 20
again (already imported, nothing changes) in < 10 s; every operation under 500 MB of peak memory.

    python -m bench.district --offices 3 --households 1000 [--postgres | --pg-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from bench import search
from bench.common import Bench, peak_memory_mb, reset_peak_memory
from okmot import paths as okmot_paths
from okmot.db import bulk
from okmot.db.engine import Database
from okmot.db.migrate import open_database
from okmot.models import Person
from okmot.sync import package, scope
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from tests.sync_helpers import ACTOR, make_office

GROUP = "district sync"
RAW_SQLITE = "raw sqlite3 executemany"
RAW_COPY = "raw PostgreSQL COPY"
#: The search's keystrokes are drawn with this seed.
SEED = 7
#: Changes made in the village before the incremental export is timed.
CHANGES = 100


@contextlib.contextmanager
def private_home(folder: Path) -> Iterator[None]:
    """Point OKMOT_HOME at ``folder`` (and forget OKMOT_DB) for the block: a benchmark touches no user folder."""
    saved = {k: os.environ.get(k) for k in (okmot_paths.ENV_HOME, okmot_paths.ENV_DB)}
    os.environ[okmot_paths.ENV_HOME] = str(folder / "okmot-home")
    os.environ.pop(okmot_paths.ENV_DB, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_packages(folder: Path, *, offices: int, households: int) -> list[Path]:
    """One full package per demo office (codes B00, B01 …, seeds 1000, 1001 …), written into ``folder``."""
    out = []
    for n in range(offices):
        office = make_office(folder, f"B{n:02d}", 1000 + n, households=households)
        try:
            out.append(export_package(office, folder, actor=ACTOR).path)
        finally:
            office.dispose()
        # The office databases are only the packages' source: keep the disk free.
        for leftover in folder.glob(f"office-B{n:02d}.sqlite3*"):
            leftover.unlink()
    return out


def import_all(target: str, packages: list[Path]) -> list[str]:
    """Import every package into ``target`` (trusting new offices); the statuses, in order."""
    district = open_database(target)
    try:
        return [import_package(district, p, actor=ACTOR, trust_new=True).status for p in packages]
    finally:
        district.dispose()


def _driver_rows(db: Database, pkg: package.Package) -> list[tuple[str, list[str], list[tuple]]]:
    """A package's records as the driver's parameter tuples, per table (converted before any timing)."""
    out = []
    with db.engine.connect() as conn:
        for table in scope.TABLES:
            member = package.records_member(table.name)
            if not pkg.members.get(member):
                continue
            names = scope.columns(table)
            decode = package.RecordDecoder(table, names)
            rows = [decode(line) for line in bytes(pkg.members[member]).splitlines()]
            out.append((table.name, names, list(bulk.driver_rows(conn, table, names, rows))))
    return out


def raw_sqlite(path: Path, packages: list[Path]) -> float:
    """Seconds that plain ``sqlite3`` takes to executemany the packages' records into the same schema.

    Same file settings as the app (WAL, synchronous=FULL, foreign keys on), one transaction per
    package; decoding the packages and converting the values is not timed.
    """
    db = open_database(path)
    try:
        seconds = 0.0
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=FULL"):
                conn.execute(f"PRAGMA {pragma}")
            for p in packages:
                tables = _driver_rows(db, package.read(p))
                started = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                for name, names, rows in tables:
                    cols = ", ".join(f'"{n}"' for n in names)
                    conn.executemany(f'INSERT INTO "{name}" ({cols}) VALUES ({", ".join("?" * len(names))})', rows)
                conn.execute("COMMIT")
                seconds += time.perf_counter() - started
        finally:
            conn.close()
    finally:
        db.dispose()
    return seconds


def raw_copy(url: str, packages: list[Path]) -> float:
    """Seconds that psycopg's COPY takes to load the packages' records into the same schema, one transaction each."""
    import psycopg

    db = open_database(url)
    try:
        seconds = 0.0
        with psycopg.connect(url) as conn:
            for p in packages:
                tables = _driver_rows(db, package.read(p))
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    for name, names, rows in tables:
                        cols = ", ".join(f'"{n}"' for n in names)
                        with cur.copy(f'COPY "{name}" ({cols}) FROM STDIN') as copy:
                            for row in rows:
                                copy.write_row(row)
                seconds += time.perf_counter() - started
    finally:
        db.dispose()
    return seconds


def _timed(fn) -> tuple[float, float | None]:
    reset_peak_memory()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started, peak_memory_mb()


def _change_persons(office: Database, count: int) -> None:
    """``count`` ordinary edits in the village, journaled like a clerk's."""
    with office.session(ACTOR) as session:
        for person in session.scalars(select(Person).order_by(Person.id).limit(count)):
            person.occupation = f"bench {uuid.uuid4().hex[:8]}"


def measure_export(bench: Bench, folder: Path, *, households: int) -> None:
    office = make_office(folder, "V01", 77, households=households)
    out = folder / "village-packages"
    out.mkdir()
    try:
        bench.measure(GROUP, f"village full export ({households} households)",
                      lambda: export_package(office, out, actor=ACTOR, full=True), repeat=3, warmup=0,
                      target_s=5.0)
        bench.measure(GROUP, f"incremental export after {CHANGES} changes",
                      lambda: export_package(office, out, actor=ACTOR), repeat=3, warmup=0,
                      setup=lambda: _change_persons(office, CHANGES), target_s=1.0)
    finally:
        office.dispose()


def measure_search(bench: Bench, target: str) -> None:
    """Search as you type on the district database the packages were imported into (target p95 < 100 ms)."""
    db = open_database(target)
    try:
        with db.session() as s:
            persons = s.scalar(select(func.count()).select_from(Person).where(Person.deleted_at.is_(None)))
        search.measure(bench, GROUP, db, random.Random(SEED), rounds=1 if bench.quick else 3,
                       target_s=0.1, suffix=", district of {} persons".format(f"{persons:,}".replace(",", " ")))
    finally:
        db.dispose()


def measure_sqlite(bench: Bench, folder: Path, packages: list[Path], label: str) -> None:
    bench.add(GROUP, RAW_SQLITE, [raw_sqlite(folder / "raw.sqlite3", packages)], note=label)
    target = str(folder / "district.sqlite3")
    seconds, peak = _timed(lambda: _expect(import_all(target, packages), "imported"))
    bench.add(GROUP, "import into SQLite", [seconds], note=label, target_s=90.0, baseline=RAW_SQLITE,
              max_ratio=3.0, peak_mb=peak)
    seconds, peak = _timed(lambda: _expect(import_all(target, packages), "already_imported"))
    bench.add(GROUP, "re-import into SQLite (already imported)", [seconds], note=label, target_s=10.0, peak_mb=peak)


def measure_postgresql(bench: Bench, pg_url: str, packages: list[Path], label: str) -> None:
    with _scratch_database(pg_url) as raw_url:
        bench.add(GROUP, RAW_COPY, [raw_copy(raw_url, packages)], note=label)
    with _scratch_database(pg_url) as url:
        seconds, peak = _timed(lambda: _expect(import_all(url, packages), "imported"))
        bench.add(GROUP, "import into PostgreSQL", [seconds], note=label, baseline=RAW_COPY, max_ratio=3.0,
                  peak_mb=peak)
        seconds, peak = _timed(lambda: _expect(import_all(url, packages), "already_imported"))
        bench.add(GROUP, "re-import into PostgreSQL (already imported)", [seconds], note=label, target_s=10.0,
                  peak_mb=peak)


@contextlib.contextmanager
def _scratch_database(pg_url: str) -> Iterator[str]:
    """A new empty database on the server of ``pg_url`` (whose user may create databases), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"okmot_bench_{uuid.uuid4().hex[:12]}"
    admin = make_url(pg_url).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _expect(statuses: list[str], wanted: str) -> None:
    wrong = [s for s in statuses if s != wanted]
    if wrong:
        raise RuntimeError(f"expected every package to be {wanted}, got {wrong}")


def run(bench: Bench, *, offices: int, households: int, pg_url: str | None,
        village_households: int = 10_000) -> None:
    """Record the district sync results in ``bench``; PostgreSQL only when ``pg_url`` is given."""
    with tempfile.TemporaryDirectory(prefix="okmot-bench-district-") as tmp:
        folder = Path(tmp)
        with private_home(folder):
            measure_export(bench, folder, households=village_households)
            started = time.perf_counter()
            packages = build_packages(folder, offices=offices, households=households)
            bench.notes.append(f"district sync: {offices} packages of {households} households generated and "
                               f"exported in {time.perf_counter() - started:.0f} s")
            label = f"{offices}×{households} households"
            measure_sqlite(bench, folder, packages, label)
            if pg_url:
                measure_postgresql(bench, pg_url, packages, label)
            # Last: the search brings in the window's modules (its page size and count limit).
            measure_search(bench, str(folder / "district.sqlite3"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offices", type=int, default=20)
    parser.add_argument("--households", type=int, default=5000, help="households per office package")
    parser.add_argument("--village-households", type=int, default=10_000, help="households of the exported village")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pg-url", help="also measure PostgreSQL on this server (its user may create databases)")
    where.add_argument("--postgres", action="store_true", help="also measure PostgreSQL on a throwaway local server")
    args = parser.parse_args(argv)
    bench = Bench()
    kwargs = {"offices": args.offices, "households": args.households, "village_households": args.village_households}
    if args.postgres:
        from tests.pg_server import throwaway_server

        with throwaway_server(shared_buffers="'256MB'") as server:
            run(bench, pg_url=server.url("postgres"), **kwargs)
    else:
        run(bench, pg_url=args.pg_url, **kwargs)
    print(bench.table())
    for note in bench.notes:
        print(note)
    failures = bench.failures()
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
