"""Audit records where things happen: command-line backup, restore and report export; the app's report export."""

from __future__ import annotations

from pathlib import Path

from okmot import cli
from okmot.db.engine import Database
from okmot.services import audit
from tests import village


def _events(path: Path) -> list[audit.AuditRow]:
    db = Database(path)
    try:
        with db.session(None) as s:
            return audit.events(s)
    finally:
        db.dispose()


def test_cli_backup_restore_and_report_are_audited(tmp_path: Path, capsys) -> None:
    path = tmp_path / "okmot.sqlite3"
    village.build(path, households_count=1).close()
    assert cli.main(["--lang", "en", "backup", "--db", str(path), "--out", str(tmp_path / "b")]) == 0
    made = capsys.readouterr().out.strip().splitlines()[-1]
    assert [(e.action, e.detail) for e in _events(path)] == [("backup", {"file": Path(made).name, "via": "cli"})]
    assert cli.main(["--lang", "en", "report", "--db", str(path), "--kind", "population",
                     "--out", str(tmp_path / "people.xlsx")]) == 0
    assert cli.main(["--lang", "en", "restore", "--db", str(path), made]) == 0
    # The restored database is the backup, taken before the report, plus the record of its restore.
    rows = _events(path)
    assert [(e.action, e.detail.get("via")) for e in rows] == [("restore", "cli")]
    assert rows[0].user_name.startswith("system:cli") and rows[0].detail["file"] == Path(made).name
    capsys.readouterr()


def test_cli_report_export_is_audited(tmp_path: Path, capsys) -> None:
    path = tmp_path / "okmot.sqlite3"
    village.build(path, households_count=1).close()
    assert cli.main(["--lang", "en", "report", "--db", str(path), "--kind", "population",
                     "--out", str(tmp_path / "people.xlsx")]) == 0
    [event] = _events(path)
    assert (event.action, event.detail) == ("export", {"report": "population", "file": "people.xlsx",
                                                       "via": "cli"})
