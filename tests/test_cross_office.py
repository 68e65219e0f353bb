"""Cross-office duplicates at the district: planted same-PIN and same-name pairs, review, CLI, SQLite, PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from okmot.cli import main
from okmot.db.engine import Actor, Database
from okmot.db.migrate import open_database
from okmot.errors import PermissionDenied
from okmot.identity.names import search_key
from okmot.models import Membership, Person
from okmot.services.cross_office import find_pairs, mark_reviewed
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from tests.sync_helpers import ACTOR, make_office

DISTRICT_OPERATOR = Actor(user_id=uuid.uuid4(), username="operator", role="district")


def _residents(session) -> list[Person]:
    """Living persons with a current stay, in a stable order."""
    return session.scalars(select(Person).join(Membership, Membership.person_id == Person.id)
                           .where(Person.residence_status == "living", Membership.to_date.is_(None),
                                  Membership.deleted_at.is_(None), Person.pin.is_not(None),
                                  Person.birth_date.is_not(None))
                           .order_by(Person.id)).unique().all()


def plant_pairs(first: Database, second: Database) -> dict[str, tuple[uuid.UUID, uuid.UUID]]:
    """Make a resident of ``first`` share a PIN with one of ``second``, and another share a name and birth date.

    The name is copied with a Latin look-alike letter and other case, as a clerk might type it.
    """
    with second.session() as s:
        theirs = _residents(s)
        pin_twin, name_twin = theirs[0], theirs[1]
        twin_pin = pin_twin.pin
        name = (name_twin.surname, name_twin.given_name, name_twin.father_name, name_twin.birth_date)
        ids = (pin_twin.id, name_twin.id)
    with first.session(ACTOR) as s:
        ours = _residents(s)
        same_pin, same_name = ours[0], ours[1]
        same_pin.pin = twin_pin
        surname = name[0].upper().replace("А", "A").replace("О", "O")
        same_name.surname, same_name.given_name, same_name.father_name, same_name.birth_date = (
            surname, name[1], "", name[3])
        same_name.surname_key, same_name.given_name_key = search_key(surname), search_key(name[1])
        return {"same_pin": (same_pin.id, ids[0]), "same_name_birth": (same_name.id, ids[1])}


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> tuple[list[Path], dict]:
    folder = tmp_path_factory.mktemp("cross-office")
    a, b = make_office(folder, "AA1", 41, households=6), make_office(folder, "BB2", 42, households=6)
    try:
        planted = plant_pairs(a, b)
        paths = [export_package(office, folder, actor=ACTOR).path for office in (a, b)]
    finally:
        a.dispose()
        b.dispose()
    return paths, planted


def _import(district: Database, paths: list[Path]) -> None:
    for path in paths:
        report = import_package(district, path, actor=ACTOR, trust_new=True)
        assert report.status == "imported", report.message


def _check_district(district: Database, planted: dict) -> None:
    with district.session() as s:
        pairs = find_pairs(s)
    assert [(p.reason, {p.first.person_id, p.second.person_id}) for p in pairs] == [
        ("same_pin", set(planted["same_pin"])), ("same_name_birth", set(planted["same_name_birth"]))]
    same_pin, same_name = pairs
    assert (same_pin.first.office_code, same_pin.second.office_code) == ("AA1", "BB2")
    assert same_pin.first.pin == same_pin.second.pin and len(same_pin.first.pin) == 14
    assert same_pin.first.account_number and same_pin.second.account_number
    assert same_pin.first.village_ky and same_pin.first.office_name_ky
    assert same_pin.reason_text == "same PIN"
    assert search_key(same_name.first.surname) == search_key(same_name.second.surname)
    assert same_name.first.surname != same_name.second.surname  # look-alikes and case folded
    assert same_name.first.birth_date == same_name.second.birth_date

    with pytest.raises(PermissionDenied):
        with district.session(Actor(uuid.uuid4(), "clerk", role="clerk")) as s:
            mark_reviewed(s, *planted["same_pin"])
    with district.session(DISTRICT_OPERATOR) as s:
        mark_reviewed(s, same_pin.second.person_id, same_pin.first.person_id)
    with district.session() as s:
        assert [p.reason for p in find_pairs(s)] == ["same_name_birth"]
        assert [p.reason for p in find_pairs(s, include_reviewed=True)] == ["same_pin", "same_name_birth"]


def test_cross_office_pairs_on_sqlite(packages, db, capsys):
    paths, planted = packages
    _import(db, paths)
    _check_district(db, planted)
    assert main(["--lang", "en", "sync", "duplicates", "--db", str(db.engine.url.database), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["reason"], r["first"]["office_code"], r["second"]["office_code"]) for r in listed] == [
        ("same_name_birth", "AA1", "BB2")]
    assert {r["first"]["person_id"] for r in listed} | {r["second"]["person_id"] for r in listed} == {
        str(x) for x in planted["same_name_birth"]}
    assert main(["--lang", "en", "sync", "duplicates", "--db", str(db.engine.url.database)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("same name and birth date:\n  AA1 ")
    assert "BB2" in text.splitlines()[2]


def test_cross_office_pairs_on_postgresql(packages, pg_db):
    paths, planted = packages
    district = open_database(pg_db)
    try:
        _import(district, paths)
        _check_district(district, planted)
    finally:
        district.dispose()


def test_departed_person_is_not_listed(packages, db):
    """A stay that ended (the person moved on) is no current residence: the pair leaves the list."""
    paths, planted = packages
    _import(db, paths)
    with db.session(ACTOR) as s:
        stay = s.scalars(select(Membership).where(Membership.person_id == planted["same_pin"][0],
                                                  Membership.to_date.is_(None))).one()
        stay.to_date, stay.end_reason = dt.date.today(), "moved"
    with db.session() as s:
        assert [p.reason for p in find_pairs(s)] == ["same_name_birth"]
