"""Sync packages and the permission matrix and audit trail: who may export, import and trust, and what is recorded."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from sqlalchemy import func, select

from okmot import codes, permissions
from okmot.db import journal
from okmot.db.engine import Actor
from okmot.db.migrate import open_database
from okmot.errors import PermissionDenied
from okmot.maintenance import check_database
from okmot.models import ChangeLog, Household, Person
from okmot.services import audit
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from okmot.sync.package import read as read_package
from tests.sync_helpers import ACTOR, make_office, snapshot


def _as(role: str) -> Actor:
    return Actor(user_id=uuid.uuid4(), username=f"user-{role}", role=role)


def _events(db, action: str) -> list[audit.AuditRow]:
    with db.session() as session:
        return list(reversed(audit.events(session, action=action)))


@pytest.fixture
def package(tmp_path):
    office = make_office(tmp_path, "AU1", 5, households=3)
    try:
        yield export_package(office, tmp_path, actor=ACTOR)
    finally:
        office.dispose()


def test_export_needs_the_right_and_is_audited(tmp_path):
    office = make_office(tmp_path, "AU2", 6, households=2)
    out = tmp_path / "out"
    out.mkdir()
    try:
        made = []
        for role in sorted(codes.ROLES):
            if permissions.allowed(role, "sync.export"):
                made.append((role, export_package(office, out, actor=_as(role), full=True)))
                continue
            with pytest.raises(PermissionDenied) as caught:
                export_package(office, out, actor=_as(role), full=True)
            assert caught.value.message == "Your role does not allow you to export sync packages to the district."
        assert [role for role, _r in made] == ["accountant", "admin", "clerk"]
        assert sorted(p.name for p in out.iterdir()) == sorted(r.path.name for _role, r in made)
        events = _events(office, "sync_export")
    finally:
        office.dispose()
    assert [(e.user_name, e.subject_id, e.detail["sequence"], e.detail["result"], e.detail["file"])
            for e in events] == [(f"user-{role}", r.package_id, r.sequence, "exported", r.path.name)
                                 for role, r in made]
    assert events[0].detail["office_code"] == "AU2" and events[0].detail["counts"]["household"] == 2


def test_import_needs_the_right(package, db):
    before = snapshot(db)
    for role in sorted(codes.ROLES):
        if not permissions.allowed(role, "sync.import"):
            with pytest.raises(PermissionDenied):
                import_package(db, package.path, actor=_as(role), trust_new=True)
    assert snapshot(db) == before
    assert _events(db, "sync_import") == []
    report = import_package(db, package.path, actor=_as("district"), trust_new=True)
    assert report.status == "imported", report.message


def test_trusting_a_new_office_needs_its_own_right(package, db, monkeypatch):
    monkeypatch.setitem(permissions.MATRIX, "sync.trust", (permissions.MATRIX["sync.trust"][0], frozenset({"admin"})))
    operator = _as("district")
    before = snapshot(db)
    report = import_package(db, package.path, actor=operator, trust_new=True)
    assert (report.status, report.reason) == ("refused", "not_allowed")
    assert report.message.startswith("Your role does not allow you to trust a new office's key: package 1 of office AU1")
    assert report.fingerprint in report.message
    assert snapshot(db) == before
    # A dry run writes nothing, so it needs no trust.
    assert import_package(db, package.path, actor=operator, dry_run=True).status == "dry_run"
    assert import_package(db, package.path, actor=_as("admin"), trust_new=True).status == "imported"
    # Once trusted, the office's next packages need only the import right.
    assert import_package(db, package.path, actor=operator).status == "already_imported"


def test_imported_packages_are_audited_refusals_only_logged(package, db, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="okmot.sync.consolidate")
    before = snapshot(db)
    refused = import_package(db, package.path, actor=ACTOR)  # not trusted yet
    assert refused.reason == "untrusted"
    import_package(db, package.path, actor=ACTOR, dry_run=True)
    assert snapshot(db) == before
    assert import_package(db, package.path, actor=ACTOR, trust_new=True).status == "imported"
    imported = snapshot(db)
    assert import_package(db, package.path, actor=ACTOR).status == "already_imported"
    damaged = tmp_path / "damaged.okmsync"
    damaged.write_bytes(package.path.read_bytes()[:-10])
    assert import_package(db, damaged, actor=ACTOR).reason == "damaged"
    # Neither the refusals nor the repeat wrote a row anywhere, audit trail included.
    assert snapshot(db) == imported
    events = _events(db, "sync_import")
    assert [(e.detail["result"], e.detail["reason"], e.detail["file"]) for e in events] == [
        ("imported", "", package.path.name)]
    assert (events[0].subject_id, events[0].detail["office_code"], events[0].detail["sequence"],
            events[0].detail["full"], events[0].user_name) == (package.package_id, "AU1", 1, True, ACTOR.username)
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "okmot.sync.consolidate"]
    assert [level for level, _m in logged] == ["WARNING", "INFO", "WARNING"]
    untrusted, again, broken = (message for _l, message in logged)
    assert untrusted.startswith(f"sync package {package.path.name} refused: user {ACTOR.username}, office AU1, ")
    assert f"package {package.package_id}, reason untrusted: Office AU1" in untrusted
    assert again.startswith(f"sync package {package.path.name} already_imported: user {ACTOR.username}, office AU1, ")
    assert broken.startswith(f"sync package damaged.okmsync refused: user {ACTOR.username}, office ?, ")
    assert "reason damaged: The package is damaged" in broken
    assert check_database(db) == []


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_imported_records_are_journaled_and_the_chains_hold(engine, request, tmp_path, package):
    target = str(tmp_path / "district.sqlite3") if engine == "sqlite" else request.getfixturevalue("pg_db")
    district = open_database(target)
    try:
        assert import_package(district, package.path, actor=ACTOR, trust_new=True).status == "imported"
        with district.session() as session:
            households = session.scalar(select(func.count()).select_from(Household))
            persons = session.scalar(select(func.count()).select_from(Person))
            journaled = dict(session.execute(select(ChangeLog.table_name, func.count()).where(
                ChangeLog.op == "insert").group_by(ChangeLog.table_name)).all())
            person = session.scalars(select(Person).limit(1)).one()
            entry = session.scalars(select(ChangeLog).where(ChangeLog.record_id == person.id)).one()
        assert households == package.counts["household"] == journaled["household"] == 3
        assert persons == package.counts["person"] == journaled["person"]
        assert entry.user_name == ACTOR.username and entry.version == person.version
        # The entry carries the person's line from the package; readers see the values without the sync fields.
        line = next(x for x in bytes(read_package(package.path).members["records/person.jsonl"]).splitlines()
                    if json.loads(x)["id"] == str(person.id))
        assert entry.changes == line.decode("utf-8")
        values = journal.payload(entry.changes)
        assert values["surname"] == person.surname and values["id"] == str(person.id)
        assert not set(journal.UNJOURNALED) & values.keys()
        assert check_database(district) == []
    finally:
        district.dispose()
