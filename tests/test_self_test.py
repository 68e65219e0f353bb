"""`main.py --self-test` from source: a temporary database, a demo village, a certificate PDF, an XLSX, Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui import self_test

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_passes_and_leaves_no_database_behind(tmp_path: Path, okmot_home: Path) -> None:
    env = {**os.environ, "OKMOT_HOME": str(okmot_home), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--self-test"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "self-test passed: 8 checks"
    certificate = next(line for line in lines if line.startswith("ok   certificate PDF:"))
    # The certificate named a resident whose name holds a Kyrgyz letter.
    assert set("ҢңӨөҮү") & set(certificate.split("«")[1])
    assert any(line.startswith("ok   XLSX report:") and "as in the database" in line for line in lines)
    # The temporary database went away; only the log stayed in the data folder.
    assert not list(okmot_home.rglob("*.sqlite3"))
    assert "self-test passed" in (okmot_home / "logs" / "okmot.log").read_text(encoding="utf-8")


def test_a_failing_check_exits_non_zero_with_the_reason(monkeypatch, okmot_home: Path) -> None:
    def no_catalog() -> str:
        raise self_test.SelfTestFailure("compiled catalog missing: ky")

    monkeypatch.setattr(self_test, "check_data_folder", lambda: "the test's folder")
    monkeypatch.setattr(self_test, "check_translations", no_catalog)
    lines: list[str] = []
    assert self_test.run_checks(lines.append) == 1
    assert lines[-1] == "FAIL compiled catalog missing: ky"

