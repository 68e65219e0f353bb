"""Kill the process (SIGKILL) in the middle of bulk writes, many times: nothing committed is ever lost."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The default run is short; `make bench` runs it long (OKMOT_CRASH_ROUNDS=200).
ROUNDS = int(os.environ.get("OKMOT_CRASH_ROUNDS", "6"))


def _committed_after_kill(path: Path, start: int, delay: float) -> list[str]:
    printed: list[str] = []
    with subprocess.Popen([sys.executable, "-m", "tests.durability_writer", str(path), str(start)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) as proc:
        # Wait for the first commit so the kill lands among writes, then let it run a little more.
        line = proc.stdout.readline()
        if not line:
            proc.wait()
            pytest.fail("writer died before its first commit: " + proc.stderr.read())
        printed.append(line.strip())
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
    printed += [x for x in out.split() if x]
    return printed


def test_sigkill_during_writes_loses_nothing_committed(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    path = tmp_path / "crash.sqlite3"
    committed: list[str] = []
    for round_ in range(ROUNDS):
        committed += _committed_after_kill(path, start=round_ * 100_000, delay=rng.uniform(0.05, 0.4))
        with contextlib.closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            present = {r[0] for r in conn.execute("SELECT account_number FROM household")}
            missing = [a for a in committed if a not in present]
            assert not missing, f"round {round_}: committed households lost: {missing[:5]}"
            # Whole transactions only: every household has its head and three daughters.
            partial = conn.execute(
                "SELECT h.account_number FROM household h LEFT JOIN membership m ON m.household_id = h.id "
                "GROUP BY h.id HAVING count(m.id) != 4").fetchall()
            assert partial == []
            journal_gaps = conn.execute(
                "SELECT count(*) FROM person p WHERE NOT EXISTS "
                "(SELECT 1 FROM change_log c WHERE c.record_id = p.id)").fetchone()[0]
            assert journal_gaps == 0
    assert len(committed) >= ROUNDS
