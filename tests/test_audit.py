"""The audit trail and the journal are tamper-evident: `check` finds rows edited, deleted or inserted with sqlite3."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from okmot import cli
from okmot.db.engine import Actor, Database
from okmot.maintenance import check_database
from okmot.models import Setting
from okmot.services import audit

CLERK = Actor(None, "clerk")


def _write_some(db: Database) -> None:
    for i in range(4):
        with db.session(CLERK) as s:
            s.add(Setting(key=f"k{i}", value=i))
            audit.record(s, CLERK, "view_person", detail={"n": i})


def _sql(path: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(statement)
        conn.commit()


def test_untouched_chains_pass(db: Database) -> None:
    _write_some(db)
    assert check_database(db) == []


@pytest.mark.parametrize("table", ["change_log", "audit_event"])
def test_edited_row_is_found(db: Database, db_path: Path, table: str) -> None:
    _write_some(db)
    db.dispose()
    column = "user_name"
    _sql(db_path, f"UPDATE {table} SET {column} = 'someone else' WHERE seq = 2")
    findings = check_database(Database(db_path))
    assert [(f.check, f.detail) for f in findings if "chain" in f.check] == [
        (f"{'journal' if table == 'change_log' else 'audit'}_chain", f"{table} row 2 was edited outside Okmot.")]


@pytest.mark.parametrize("table", ["change_log", "audit_event"])
def test_deleted_row_is_found(db: Database, db_path: Path, table: str) -> None:
    _write_some(db)
    db.dispose()
    _sql(db_path, f"DELETE FROM {table} WHERE seq = 2")
    findings = [f for f in check_database(Database(db_path)) if "chain" in f.check]
    assert len(findings) == 1 and "row before row 3 was deleted or inserted" in findings[0].detail


def test_inserted_row_is_found(db: Database, db_path: Path) -> None:
    _write_some(db)
    db.dispose()
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        prev = conn.execute("SELECT hash FROM audit_event WHERE seq = 1").fetchone()[0]
        conn.execute("UPDATE audit_event SET seq = seq + 100 WHERE seq > 1")
        conn.execute("INSERT INTO audit_event (seq, at, user_id, user_name, action, subject_table, subject_id, "
                     "detail, prev_hash, hash) VALUES (2, '2026-01-01 00:00:00', NULL, 'ghost', 'login', '', NULL, "
                     f"'{{}}', '{prev}', '{'f' * 64}')")
        conn.commit()
    findings = [f for f in check_database(Database(db_path)) if f.check == "audit_chain"]
    assert findings, "an inserted row must break the chain"


def test_cli_check_reports_tampering_with_exit_1(db: Database, db_path: Path, capsys) -> None:
    _write_some(db)
    db.dispose()
    _sql(db_path, "UPDATE change_log SET changes = '{}' WHERE seq = 3")
    assert cli.main(["--lang", "en", "check", "--db", str(db_path)]) == 1
    assert "change_log row 3 was edited outside Okmot." in capsys.readouterr().out


def test_audit_events_are_kept_only_with_their_unit_of_work(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session(CLERK) as s:
        audit.record(s, CLERK, "export", detail={"file": "x.xlsx"})
        raise RuntimeError("the export failed")
    with db.session() as s:
        assert audit.events(s) == []
        with pytest.raises(ValueError):
            audit.record(s, CLERK, "no-such-action")


def test_sign_in_is_recorded_and_locks_after_repeated_failures(tmp_path: Path) -> None:
    import datetime as dt

    from okmot.errors import AuthenticationError
    from okmot.services import auth
    from okmot.services.context import open_context

    ctx = open_context(tmp_path / "lock.sqlite3")
    try:
        with ctx.system("setup") as s:
            auth.create_first_admin(s, username="Aida", full_name="Аида", password="right-pass-1")
        assert ctx.sign_in("aida", "right-pass-1").username == "Aida"
        for _ in range(auth.MAX_FAILURES):
            with pytest.raises(AuthenticationError, match="Wrong user name or password"):
                ctx.sign_in("AIDA", "wrong")
        with pytest.raises(AuthenticationError, match="Too many failed attempts"):
            ctx.sign_in("aida", "right-pass-1")  # even the right password waits out the lock
        with ctx.read() as s:
            actions = [e.action for e in audit.events(s)]
            later = auth.locked_until(s, "aida", now=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                                      + auth.LOCK_WINDOW + dt.timedelta(minutes=1))
        assert actions.count("login_failed") == auth.MAX_FAILURES and actions.count("login") == 1
        assert later is None  # the lock ends with its window
        assert check_database(ctx.db) == []
    finally:
        ctx.close()


def test_opening_a_card_and_a_member_is_audited(qtbot, tmp_path: Path) -> None:
    from okmot.services import households
    from tests import village
    from ui.household_card import HouseholdDialog
    from ui.member_dialog import MemberDialog

    ctx = village.build(tmp_path / "v.sqlite3", households_count=2)
    try:
        with ctx.read() as s:
            hid = households.household_id_by_account(s, "0001")
            head = households.get_card(s, hid).head.person.id
        card = HouseholdDialog(ctx, hid)
        qtbot.addWidget(card)
        member = MemberDialog(ctx, hid, head)
        qtbot.addWidget(member)
        with ctx.read() as s:
            seen = [(e.action, e.subject_id, e.user_name) for e in audit.events(s)]
        assert ("view_household", hid, "aida") in seen and ("view_person", head, "aida") in seen
    finally:
        ctx.close()
