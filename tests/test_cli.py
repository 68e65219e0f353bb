"""The command line: demo, stats and pin-check, their exit codes and messages."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from okmot import cli, i18n
from okmot.identity import pin as pins

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def english_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI picks its language from $OKMOT_LANG (else Kyrgyz): English, for stable assertions."""
    monkeypatch.setenv(cli.ENV_LANG, "en")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sql_stats(path: Path) -> dict:
    """The numbers `stats --json` must report, counted straight from the tables."""
    with contextlib.closing(sqlite3.connect(path)) as c:
        one = lambda sql, *a: c.execute(sql, a).fetchone()[0]  # noqa: E731
        land_year = one("SELECT max(year) FROM land_plot")
        stock_year = one("SELECT max(year) FROM livestock_count")
        heads = dict(c.execute("SELECT species, sum(heads) FROM livestock_count WHERE year = ? GROUP BY species",
                               (stock_year,)).fetchall())
        return {
            "villages": one("SELECT count(*) FROM village"),
            "households": {s: one("SELECT count(*) FROM household WHERE status = ?", s) for s in ("open", "closed")},
            "persons": {s: one("SELECT count(*) FROM person WHERE residence_status = ?", s)
                        for s in ("living", "temporarily_absent", "left", "deceased")},
            "land": {"year": land_year, "plots": one("SELECT count(*) FROM land_plot WHERE year = ?", land_year),
                     "area_ha": round(one("SELECT sum(area_m2) FROM land_plot WHERE year = ?", land_year) / 10_000, 4)},
            "livestock": {"year": stock_year, "heads": heads},
        }


def check_stats(reported: dict, path: Path, households: int) -> None:
    expected = sql_stats(path)
    assert set(reported) == {"villages", "households", "persons", "land", "livestock"}
    assert sum(reported["households"].values()) == households
    for key in ("villages", "households", "persons", "land"):
        assert reported[key] == expected[key], key
    assert reported["livestock"]["year"] == expected["livestock"]["year"] == dt.date.today().year
    heads = reported["livestock"]["heads"]
    assert {k: v for k, v in heads.items() if v} == expected["livestock"]["heads"]
    assert heads["cows"] <= heads["cattle"]


# --- demo and stats ------------------------------------------------------------------------------

def test_demo_then_stats_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "village.sqlite3"
    code, out, err = run(capsys, "demo", "--db", str(path), "--households", "60", "--seed", "5")
    assert (code, err) == (0, "")
    assert len(out.strip().splitlines()) == 1 and "60 households" in out and str(path) in out
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "okmot-home") == ["village.sqlite3"]

    code, out, err = run(capsys, "stats", "--db", str(path), "--json")
    assert (code, err) == (0, "")
    check_stats(json.loads(out), path, 60)


def test_stats_table_uses_the_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "village.sqlite3"
    assert run(capsys, "demo", "--db", str(path), "--households", "25")[0] == 0
    code, out, err = run(capsys, "stats", "--db", str(path))
    assert (code, err) == (0, "")
    expected = sql_stats(path)
    lines = out.splitlines()
    value = {line.strip().rsplit(None, 1)[0]: line.split()[-1] for line in lines if line.startswith("  ")}
    assert value["temporarily absent"] == str(expected["persons"]["temporarily_absent"])
    assert value["of them cows"] == str(expected["livestock"]["heads"].get("cows", 0))
    assert value["area, ha"] == f"{expected['land']['area_ha']:.2f}"
    assert f"Land in use on 1 January {expected['land']['year']}" in lines
    # Values are right-aligned in one column.
    assert len({len(line) for line in lines if line.startswith("  ")}) == 1


def test_demo_and_stats_through_python_m_okmot(tmp_path: Path) -> None:
    path = tmp_path / "sub.sqlite3"
    env = {**os.environ, "OKMOT_LANG": "en"}

    def okmot(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "okmot", *argv], capture_output=True, text=True,
                              encoding="utf-8", env=env, cwd=ROOT, timeout=120)

    made = okmot("demo", "--db", str(path), "--households", "30")
    assert made.returncode == 0, made.stderr
    assert "30 households" in made.stdout and made.stderr == ""
    stats = okmot("stats", "--db", str(path), "--json")
    assert stats.returncode == 0, stats.stderr
    check_stats(json.loads(stats.stdout), path, 30)


def test_stats_on_a_missing_file_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "no" / "such.sqlite3"
    code, out, err = run(capsys, "stats", "--db", str(path), "--json")
    assert code == 2 and out == ""
    assert err.strip() == f"database not found: {path}"
    assert not path.parent.exists()


def test_stats_refuses_a_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("not a database at all, just some text " * 200)
    code, out, err = run(capsys, "stats", "--db", str(path))
    assert code == 2 and out == ""
    assert "is damaged or is not a database" in err and "Traceback" not in err


def test_stats_refuses_a_newer_database(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as c, c:
        c.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    code, out, err = run(capsys, "stats", "--db", str(db_path))
    assert code == 2 and out == ""
    assert "newer version of Okmot" in err


def test_stats_on_an_empty_book(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "stats", "--db", str(db_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["villages"] == 0 and data["land"]["year"] is None and data["livestock"]["year"] is None
    code, out, err = run(capsys, "stats", "--db", str(db_path))
    assert code == 0 and "Land in use: no records" in out


def test_demo_refuses_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "book.sqlite3"
    path.write_bytes(b"precious")
    code, out, err = run(capsys, "demo", "--db", str(path), "--households", "5")
    assert code == 2 and out == ""
    assert "already exists" in err and str(path) in err
    assert path.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "okmot-home") == ["book.sqlite3"], "no temporary file left behind"


def test_demo_refuses_an_existing_database(tmp_path: Path, db_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = db_path.read_bytes()
    code, _out, err = run(capsys, "demo", "--db", str(db_path))
    assert code == 2 and "already exists" in err
    assert db_path.read_bytes() == before


def test_demo_fills_an_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    assert run(capsys, "demo", "--db", str(path), "--households", "8")[0] == 0
    assert sum(sql_stats(path)["households"].values()) == 8


@pytest.mark.parametrize("households", ["0", "-3", "1000001"])
def test_demo_rejects_an_impossible_count(tmp_path: Path, capsys: pytest.CaptureFixture[str], households: str) -> None:
    path = tmp_path / "x.sqlite3"
    code, out, err = run(capsys, "demo", "--db", str(path), "--households", households)
    assert code == 2 and "number of households" in err
    assert [p for p in tmp_path.iterdir() if p.name != "okmot-home"] == []  # the log folder aside


# --- pin-check -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("sex", "birth", "word"), [("M", dt.date(1990, 3, 15), "male"),
                                                     ("F", dt.date(2001, 12, 31), "female")])
def test_pin_check_valid(capsys: pytest.CaptureFixture[str], sex: str, birth: dt.date, word: str) -> None:
    pin = pins.encode(sex, birth, 123)
    code, out, err = run(capsys, "pin-check", pin)
    assert (code, err) == (0, "")
    assert out.strip() == f"Valid PIN: {word}, born {birth:%d.%m.%Y}."


def test_pin_check_ignores_spaces_and_dashes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "pin-check", "2-1503-1990-00123")
    assert code == 0 and "15.03.1990" in out


@pytest.mark.parametrize(("pin", "reason"), [
    ("13102199000123", "must be a real birth date"),   # 31.02.1990
    ("31503199000123", "first digit of a PIN must be 1"),
    ("2150319900012", "has 14 digits; this one has 13"),
    ("215031990001234", "has 14 digits; this one has 15"),
    ("2150319900012a", "only digits"),
    ("21503299900123", "impossible"),                   # born in 2999
])
def test_pin_check_invalid(capsys: pytest.CaptureFixture[str], pin: str, reason: str) -> None:
    code, out, err = run(capsys, "pin-check", pin)
    assert code == 1 and out == ""
    assert reason in err and "Traceback" not in err


# --- options, help and languages -----------------------------------------------------------------

def test_help_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--help")
    assert code == 0 and all(name in out for name in ("demo", "stats", "pin-check", "--lang"))
    for command in ("demo", "stats", "pin-check"):
        code, out, _err = run(capsys, command, "--help")
        assert code == 0 and "usage:" in out
    assert run(capsys)[0] == 2
    assert run(capsys, "no-such-command")[0] == 2
    assert run(capsys, "stats")[0] == 2  # --db is required
    assert run(capsys, "--lang", "de", "pin-check", "1")[0] == 2


def test_language_from_option_environment_or_kyrgyz(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    valid = pins.encode("F", dt.date(1985, 6, 1), 7)
    monkeypatch.delenv(cli.ENV_LANG, raising=False)
    cli.main(["pin-check", valid])
    assert i18n.current_language() == "ky"
    monkeypatch.setenv(cli.ENV_LANG, "ru")
    cli.main(["pin-check", valid])
    assert i18n.current_language() == "ru"
    cli.main(["--lang", "en", "pin-check", valid])
    assert i18n.current_language() == "en"
    cli.main(["pin-check", valid, "--lang", "ky"])
    assert i18n.current_language() == "ky"
    monkeypatch.setenv(cli.ENV_LANG, "xx")
    cli.main(["pin-check", valid])
    assert i18n.current_language() == "ky"
    capsys.readouterr()


def test_messages_follow_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    english = run(capsys, "--lang", "en", "pin-check", "123")[2]
    assert english.strip() == "A PIN has 14 digits; this one has 3."
    for code in ("ky", "ru"):
        translated = run(capsys, "--lang", code, "pin-check", "123")[2].strip()
        assert translated  # the catalog's text, or the English source while it has none
        assert "3" in translated


def test_every_registered_command_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    choices = next(a for a in parser._actions if a.dest == "command").choices
    assert {"demo", "stats", "pin-check", "check", "backup", "restore"} <= set(choices)
    assert len(choices) == len(cli.COMMANDS)
    for name in choices:
        assert cli.main(["--lang", "en", name, "--help"]) == 0
        assert "usage: python -m okmot " + name in capsys.readouterr().out


def test_a_url_password_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    shown = cli._shown("postgresql://okmot:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in shown and "127.0.0.1" in shown
    assert cli._shown("/data/book.sqlite3") == "/data/book.sqlite3"


def test_a_dangling_lang_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "pin-check", "1", "--lang")
    assert code == 2 and "--lang" in err
