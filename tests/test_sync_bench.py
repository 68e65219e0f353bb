"""Benchmark: twenty village packages into one district database, SQLite and PostgreSQL (slow)."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select

from okmot import paths as paths_module
from okmot.db.migrate import open_database
from okmot.models import Household
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from tests.sync_helpers import ACTOR, make_office

OFFICES = int(os.environ.get("OKMOT_SYNC_BENCH_OFFICES", "20"))
HOUSEHOLDS = int(os.environ.get("OKMOT_SYNC_BENCH_HOUSEHOLDS", "5000"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    paths = []
    started = time.perf_counter()
    # Module scope runs before the per-test okmot_home fixture: keep this fixture's home private too.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths_module.ENV_HOME, str(folder / "okmot-home"))
        mp.delenv(paths_module.ENV_DB, raising=False)
        for n in range(OFFICES):
            office = make_office(folder, f"B{n:02d}", 1000 + n, households=HOUSEHOLDS)
            try:
                paths.append(export_package(office, folder, actor=ACTOR).path)
            finally:
                office.dispose()
    print(f"\n{OFFICES} offices of {HOUSEHOLDS} households generated and exported in "
          f"{time.perf_counter() - started:.1f} s")
    return paths


def _import_all(target: str, paths) -> None:
    district = open_database(target)
    try:
        started = time.perf_counter()
        for path in paths:
            report = import_package(district, path, actor=ACTOR, trust_new=True)
            assert report.status == "imported", report.message
        seconds = time.perf_counter() - started
        with district.session() as session:
            assert session.scalar(select(func.count()).select_from(Household)) == OFFICES * HOUSEHOLDS
    finally:
        district.dispose()
    print(f"\nbenchmark: {OFFICES} packages of {HOUSEHOLDS} households into {district.engine.dialect.name} "
          f"in {seconds:.1f} s")


def test_bench_sqlite(packages, tmp_path):
    _import_all(str(tmp_path / "district.sqlite3"), packages)


def test_bench_postgresql(packages, pg_db):
    _import_all(pg_db, packages)
