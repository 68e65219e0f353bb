"""The frozen build (PyInstaller, installer/okmot.spec) passes its self-test and honours portable mode.

Slow: building takes about 40 s and the runs a few seconds each. `make dist-selftest` runs these on
the build `make dist` made (OKMOT_FROZEN_DIST=dist/okmot); without that variable the test builds
into a temporary folder first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
EXE = "okmot-console.exe" if sys.platform == "win32" else "okmot"


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("OKMOT_FROZEN_DIST")
    if given:
        folder = Path(given).resolve()
        assert (folder / EXE).is_file(), f"no frozen build in {folder}: run `make dist`"
        return folder
    if not list((ROOT / "data" / "locale").glob("*/LC_MESSAGES/okmot.mo")):
        pytest.fail("compiled catalogs missing: run `make translations`")
    work = tmp_path_factory.mktemp("pyinstaller")
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(work / "dist"),
                    "--workpath", str(work / "build"), str(ROOT / "installer" / "okmot.spec")],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    return work / "dist" / "okmot"


def _clean_env(home: Path | None) -> dict[str, str]:
    """No Python, no virtualenv, no repository on the path: what a village PC has."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home or "/nonexistent"), "QT_QPA_PLATFORM": "offscreen",
           "LANG": "C.UTF-8"}
    if home is not None:
        env["OKMOT_HOME"] = str(home)
    return env


def test_self_test_passes_on_the_frozen_build(frozen: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = subprocess.run([str(frozen / EXE), "--self-test"], cwd=tmp_path, env=_clean_env(home),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # The resources came from the bundle, not from the repository.
    assert f"resources in {frozen}" in out
    for check in ("translations", "database", "certificate PDF", "XLSX report", "Qt", "help"):
        assert f"ok   {check}:" in out
    assert "«Чарба китеби»" in out and "self-test passed" in out


def test_portable_mode_keeps_data_beside_the_program(frozen: Path, tmp_path: Path) -> None:
    """With the marker file beside the executable, data and logs live in okmot-data/ beside it too."""
    copy = tmp_path / "stick" / "okmot"
    shutil.copytree(frozen, copy, symlinks=True)
    (copy / "okmot-portable.txt").write_text("portable\n", encoding="utf-8")
    home = tmp_path / "user-home"
    home.mkdir()
    env = _clean_env(None)
    env["HOME"] = str(home)
    result = subprocess.run([str(copy / EXE), "--self-test"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    data = copy / "okmot-data"
    assert f"ok   data folder: {data} " in result.stdout
    log = (data / "logs" / "okmot.log").read_text(encoding="utf-8")
    assert "self-test passed" in log
    assert not any(home.rglob("*")), "portable mode wrote into the user's home folder"
