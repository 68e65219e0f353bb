"""Record ids sort by installation, then by time (okmot.db.ids): one office's records sit together in every index."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from okmot.db import ids
from okmot.db.base import Base
from okmot.db.engine import SYSTEM
from okmot.db.migrate import open_database
from okmot.services import households, office_setup, settings, territory
from okmot.services.households import HouseholdData
from okmot.services.office_setup import AdminAccount, OfficeDetails, OfficeSetup, Signatory, VillageEntry
from okmot.services.persons import PersonData
from okmot.sync.consolidate import import_package
from tests.sync_helpers import ACTOR, make_office, office_package

SYNCED = sorted(t.name for t in Base.metadata.tables.values() if "id" in t.c and "deleted_at" in t.c)
PREFIXES = st.integers(0, 2**32 - 1)
SECONDS = st.integers(0, 2**34 - 1)
RANDOM = st.integers(0, 2**56 - 1)


def _ids(conn, table: str) -> list[uuid.UUID]:
    return [uuid.UUID(str(v)) for v in conn.execute(text(f'SELECT id FROM "{table}"')).scalars()]


def test_an_id_is_an_rfc_9562_version_8_uuid_with_the_prefix_first() -> None:
    made = ids.make_id(0x0A1B2C3D, 1_795_000_000, 2**56 - 1)
    assert made.version == 8 and made.variant == uuid.RFC_4122
    assert made.hex.startswith("0a1b2c3d")
    assert ids.prefix_of(str(made)) == 0x0A1B2C3D
    fresh = ids.new_id(0x0A1B2C3D)
    assert fresh.version == 8 and fresh.hex.startswith("0a1b2c3d")


@given(PREFIXES, SECONDS, RANDOM, PREFIXES, SECONDS, RANDOM)
def test_ids_sort_by_prefix_then_second_then_random_bits(p1, s1, r1, p2, s2, r2) -> None:
    a, b = ids.make_id(p1, s1, r1), ids.make_id(p2, s2, r2)
    assert (a < b) == ((p1, s1, r1) < (p2, s2, r2))
    assert (a == b) == ((p1, s1, r1) == (p2, s2, r2))  # no part overwrites another


def test_new_ids_of_one_installation_in_one_second_stay_unique() -> None:
    made = {ids.new_id(7) for _ in range(50_000)}
    assert len(made) == 50_000
    assert {u.hex[:8] for u in made} == {"00000007"}


def _setup() -> OfficeSetup:
    return OfficeSetup(
        office=OfficeDetails("41711-05", "Көк-Жар айыл аймагы", "Кок-Жарский айылный аймак", "Ат-Башы району",
                             "Ат-Башинский район", "Нарын облусу", "Нарынская область", "", "", ""),
        villages=(VillageEntry("01", "Көк-Жар", "Кок-Жар"),),
        admin=AdminAccount("gulnara", "Гүлнара Асанова", "Kök-Jar-2026"),
        signatory=Signatory("Ү. Төлөгөнов", "У. Тологонов", "", ""),
        certificate_number_start=1, backup_copy_dir="", district_key=None)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_every_record_an_office_makes_carries_its_installation_prefix(engine, request) -> None:
    # PostgreSQL returns the installation id (a JSON setting) through another path than SQLite.
    db = request.getfixturevalue("db") if engine == "sqlite" else open_database(request.getfixturevalue("pg_db"))
    try:
        _office_records_carry_the_prefix(db)
    finally:
        db.dispose()


def _office_records_carry_the_prefix(db) -> None:
    with db.session(SYSTEM) as s:
        office, _admin = office_setup.set_up_office(s, _setup())
    with db.session() as s:
        installation = settings.get(s, ids.INSTALLATION_SETTING)
    with db.session(ACTOR) as s:
        village_id = territory.list_villages(s)[0].id
        households.create_household(s, HouseholdData(account_number="0001", village_id=village_id,
                                                     opened_on=dt.date(2020, 1, 1)),
                                    head=PersonData(surname="Асанов", given_name="Бакыт", sex="M",
                                                    birth_date=dt.date(1970, 5, 12)))
    prefix = f"{ids.prefix_of(installation):08x}"
    with db.engine.connect() as conn:
        made = {t: _ids(conn, t) for t in SYNCED}
    assert {t for t, got in made.items() if got} >= {"aiyl_aimak", "village", "setting", "app_user", "household",
                                                     "person", "membership"}
    assert {t: [u for u in got if u.hex[:8] != prefix] for t, got in made.items()} == {t: [] for t in made}
    assert all(u.version == 8 for got in made.values() for u in got)


def test_a_demo_village_s_records_carry_its_installation_prefix_and_villages_differ(tmp_path) -> None:
    prefixes = []
    for code, seed in (("AA1", 11), ("BB2", 22)):
        office = make_office(tmp_path, code, seed, households=30)
        try:
            with office.session() as s:
                installation = settings.get(s, ids.INSTALLATION_SETTING)
            with office.engine.connect() as conn:
                found = {u.hex[:8] for t in SYNCED for u in _ids(conn, t)}
        finally:
            office.dispose()
        assert found == {f"{ids.prefix_of(installation):08x}"}
        prefixes.append(found)
    assert prefixes[0] != prefixes[1]


def test_in_a_district_each_office_s_records_are_one_run_of_every_id_index(tmp_path) -> None:
    district = open_database(tmp_path / "district.sqlite3")
    try:
        for code, seed in (("AA1", 11), ("BB2", 22), ("CC3", 33)):
            path = office_package(tmp_path, code, seed, households=20)
            assert import_package(district, path, actor=ACTOR, trust_new=True).status == "imported"
        with district.engine.connect() as conn:
            # Persons in id order, named by their office: three runs, one per office, not interleaved.
            offices = conn.execute(text(
                "SELECT a.code FROM person p JOIN membership m ON m.person_id = p.id "
                "JOIN household h ON h.id = m.household_id JOIN aiyl_aimak a ON a.id = h.aimak_id "
                "GROUP BY p.id ORDER BY p.id")).scalars().all()
    finally:
        district.dispose()
    runs = [code for n, code in enumerate(offices) if n == 0 or offices[n - 1] != code]
    assert sorted(runs) == ["AA1", "BB2", "CC3"]
