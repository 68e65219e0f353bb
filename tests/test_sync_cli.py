"""`python -m okmot sync export | import | status` end to end through okmot.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

from okmot import cli
from okmot.demo import create_demo_file


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_import_status(tmp_path, capsys):
    for code, seed in (("AA1", 1), ("BB2", 2)):
        create_demo_file(tmp_path / f"{code}.sqlite3", households=4, seed=seed, office_code=code)
    out_dir = tmp_path / "stick"
    out_dir.mkdir()
    packages = []
    for code in ("AA1", "BB2"):
        rc, out, _err = _run(capsys, "sync", "export", "--db", str(tmp_path / f"{code}.sqlite3"), "--out", str(out_dir))
        assert rc == 0
        packages.append(out.strip())
        assert Path(packages[-1]).parent == out_dir and f"okmot-{code}-00001-" in packages[-1]
    rc, _out, err = _run(capsys, "sync", "export", "--db", str(tmp_path / "AA1.sqlite3"), "--out", str(out_dir))
    assert rc == 0 and "Nothing changed since package 1" in err

    district = tmp_path / "district.sqlite3"
    rc, out, _err = _run(capsys, "sync", "import", "--db", str(district), "--json", *packages)
    assert rc == 1
    assert [r["reason"] for r in json.loads(out)] == ["untrusted", "untrusted"]

    rc, out, _err = _run(capsys, "sync", "import", "--db", str(district), "--dry-run", "--json", *packages)
    assert rc == 0
    dry = json.loads(out)
    assert [r["status"] for r in dry] == ["dry_run", "dry_run"]
    assert dry[0]["tables"]["household"]["new"] == 4

    rc, out, _err = _run(capsys, "sync", "import", "--db", str(district), "--trust-new", *packages)
    assert rc == 0
    assert "Package 1 of office AA1 was imported." in out and "household: 4 new" in out

    rc, out, _err = _run(capsys, "sync", "import", "--db", str(district), packages[0])
    assert rc == 0 and "already imported" in out

    rc, out, _err = _run(capsys, "sync", "status", "--db", str(district), "--json")
    assert rc == 0
    status = json.loads(out)
    assert [(s["office_code"], s["last_sequence"], s["counts"]["household"]) for s in status] == [
        ("AA1", 1, 4), ("BB2", 1, 4)]
    rc, out, _err = _run(capsys, "sync", "status", "--db", str(district))
    assert rc == 0 and out.startswith("AA1  [") and "household: 4" in out


def test_damaged_package_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "bad.okmsync"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    rc, out, _err = _run(capsys, "sync", "import", "--db", str(tmp_path / "d.sqlite3"), str(bad))
    assert rc == 1 and "damaged" in out
