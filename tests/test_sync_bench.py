"""Benchmark: twenty village packages into one district database, SQLite and PostgreSQL (slow).

The same code as ``python -m bench.district`` (bench/district.py), held to the same targets:
imports within 3× the raw engine (sqlite3 executemany / COPY) of the same rows, SQLite under 90 s
at the full 20 × 5 000 scale, and a re-import of the same packages (already imported) under 10 s.
"""

from __future__ import annotations

import os

import pytest

from bench import district
from bench.common import Bench

OFFICES = int(os.environ.get("OKMOT_SYNC_BENCH_OFFICES", "20"))
HOUSEHOLDS = int(os.environ.get("OKMOT_SYNC_BENCH_HOUSEHOLDS", "5000"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    # Module scope runs before the per-test okmot_home fixture: keep this fixture's home private too.
    with district.private_home(folder):
        return folder, district.build_packages(folder, offices=OFFICES, households=HOUSEHOLDS)


def _check(bench: Bench) -> None:
    # The targets are judged by `make bench` (bench/run.py prints the misses); here every step must have run.
    print("\n" + bench.table())
    assert bench.results and all(r.samples for r in bench.results)


def test_bench_sqlite(packages, tmp_path):
    _folder, paths = packages
    bench = Bench()
    district.measure_sqlite(bench, tmp_path, paths, f"{OFFICES}×{HOUSEHOLDS} households")
    _check(bench)


def test_bench_postgresql(packages, pg_url):
    _folder, paths = packages
    bench = Bench()
    district.measure_postgresql(bench, pg_url, paths, f"{OFFICES}×{HOUSEHOLDS} households")
    _check(bench)


def test_bench_village_export(tmp_path):
    bench = Bench()
    with district.private_home(tmp_path):
        district.measure_export(bench, tmp_path, households=10_000)
    _check(bench)
