"""The demo village: deterministic, realistic, fully journalled, and written all-or-nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sqlite3
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from okmot import demo, paths
from okmot.db.base import Base
from okmot.db.engine import Database
from okmot.db.journal import jsonable
from okmot.errors import ConflictError, ValidationError
from okmot.identity import pin as pins
from okmot.models import ChangeLog, Household, LandPlot, LivestockCount, Membership, Person, User
from okmot.services import auth, farm, households, persons, search, territory

#: A fixed "today" in the past: the same village every run, and every PIN decodes.
TODAY = dt.date(2025, 3, 14)
HOUSEHOLDS = 300
SYNCED_TABLES = sorted(t.name for t in Base.metadata.tables.values() if "id" in t.c)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@pytest.fixture(scope="module")
def village(sqlite_template: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, demo.DemoSummary]]:
    """One generated village shared by the read-only tests of this module."""
    path = tmp_path_factory.mktemp("village") / "demo.sqlite3"
    shutil.copyfile(sqlite_template, path)
    db = Database(path)
    try:
        summary = demo.generate(db, households=HOUSEHOLDS, seed=7, today=TODAY)
        yield db, summary
    finally:
        db.dispose()


@pytest.fixture
def conn(village) -> Iterator[sqlite3.Connection]:
    db, _summary = village
    with contextlib.closing(sqlite3.connect(db.engine.url.database)) as c:
        c.row_factory = sqlite3.Row
        yield c


def _rows(c: sqlite3.Connection, sql: str, *args) -> list[sqlite3.Row]:
    return c.execute(sql, args).fetchall()


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows in a stable order, without the wall-clock timestamps."""
    out = {}
    with contextlib.closing(sqlite3.connect(path)) as c:
        for table in [*SYNCED_TABLES, "change_log"]:
            # Timestamps differ between runs, and so do the journal hashes that cover them.
            cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})")
                    if r[1] not in ("changed_at", "at", "prev_hash", "hash")]
            order = "seq" if table == "change_log" else "id"
            out[table] = c.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}").fetchall()
    return out


# --- determinism and all-or-nothing ------------------------------------------------------------

def test_same_seed_and_day_give_the_same_rows(db: Database, db_path: Path, tmp_path: Path) -> None:
    other_path = tmp_path / "other.sqlite3"
    shutil.copyfile(db_path, other_path)
    other = Database(other_path)
    third_path = tmp_path / "third.sqlite3"
    shutil.copyfile(db_path, third_path)
    third = Database(third_path)
    try:
        first = demo.generate(db, households=80, seed=3, today=TODAY)
        time.sleep(0.01)  # different changed_at timestamps must not matter
        second = demo.generate(other, households=80, seed=3, today=TODAY)
        demo.generate(third, households=80, seed=4, today=TODAY)
    finally:
        other.dispose()
        third.dispose()
    assert first.persons == second.persons
    a, b, c = _dump(db_path), _dump(other_path), _dump(third_path)
    assert a["person"] and a["household"]
    for table in a:
        assert a[table] == b[table], f"{table} differs between two runs with the same seed"
    assert a["person"] != c["person"], "another seed must give another village"


def test_refuses_a_database_that_is_not_empty(db: Database) -> None:
    demo.generate(db, households=12, seed=1, today=TODAY)
    with db.session(None) as s:
        before = s.scalar(select(func.count()).select_from(Person))
    with pytest.raises(ConflictError, match="empty database"):
        demo.generate(db, households=12, seed=2, today=TODAY)
    with db.session(None) as s:
        assert s.scalar(select(func.count()).select_from(Person)) == before


@pytest.mark.parametrize("count", [0, -5, demo.MAX_HOUSEHOLDS + 1])
def test_rejects_an_impossible_household_count(db: Database, count: int) -> None:
    with pytest.raises(ValidationError) as err:
        demo.generate(db, households=count, today=TODAY)
    assert "households" in err.value.fields
    with db.session(None) as s:
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == 0


def test_a_failure_midway_writes_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real = demo._Generator.household
    calls = {"n": 0}

    def failing(self, plan, bulk):
        calls["n"] += 1
        if calls["n"] == 25:  # after two batches reached the database
            raise RuntimeError("power cut")
        return real(self, plan, bulk)

    monkeypatch.setattr(demo, "BATCH", 10)
    monkeypatch.setattr(demo._Generator, "household", failing)
    with pytest.raises(RuntimeError, match="power cut"):
        demo.generate(db, households=40, today=TODAY)
    assert calls["n"] == 25
    with contextlib.closing(sqlite3.connect(db.engine.url.database)) as c:
        for table in [*SYNCED_TABLES, "change_log"]:
            assert c.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


# --- the book's title pages ----------------------------------------------------------------------

def test_office_villages_and_streets(village) -> None:
    db, summary = village
    with db.session(None) as s:
        office = territory.home_office(s)
        assert office is not None and office.code == "41708-10"
        assert office.name_ky == "Ак-Суу айыл аймагы" and office.name_ru == "Ак-Суйский айылный аймак"
        assert office.rayon_ky and office.rayon_ru and office.oblast_ky and office.oblast_ru
        villages = territory.list_villages(s)
        assert 3 <= len(villages) == summary.villages <= 5
        for v in villages:
            assert v.name_ky and v.name_ru
            streets = territory.list_streets(s, v.id)
            assert 3 <= len(streets) <= 8
            for st in streets:
                assert "көчө" in st.name_ky and st.name_ru.startswith("ул. ")


def test_account_numbers_and_addresses(conn) -> None:
    rows = _rows(conn, "SELECT * FROM household")
    numbers = sorted(r["account_number"] for r in rows)
    assert numbers == [f"{n:04d}" for n in range(1, HOUSEHOLDS + 1)]
    no_number = [r for r in rows if not r["house_number"]]
    assert 0.08 < len(no_number) / len(rows) < 0.25
    assert all(r["address_note"] for r in no_number), "a house without a number needs an address note"
    numbered = [(r["street_id"], r["house_number"]) for r in rows if r["house_number"]]
    assert len(numbered) == len(set(numbered)), "two houses with one number on one street"


def test_household_sizes_are_realistic(conn) -> None:
    sizes = [r[0] for r in _rows(conn, """
        SELECT count(m.id) FROM household h
        LEFT JOIN membership m ON m.household_id = h.id AND m.to_date IS NULL
        WHERE h.status = 'open' GROUP BY h.id""")]
    assert 4.0 <= statistics.mean(sizes) <= 5.0
    assert min(sizes) == 1, "single-person households exist in practice"
    assert 0.03 < sizes.count(1) / len(sizes) < 0.15
    assert max(sizes) <= 14


# --- people ------------------------------------------------------------------------------------------

def _members(conn) -> dict[str, list[sqlite3.Row]]:
    out = defaultdict(list)
    for r in _rows(conn, """SELECT m.household_id AS hid, m.relation, m.from_date, m.to_date, m.end_reason,
                                   h.opened_on, h.status AS hh_status, p.*
                            FROM membership m JOIN person p ON p.id = m.person_id
                            JOIN household h ON h.id = m.household_id"""):
        out[r["hid"]].append(r)
    return out


def test_both_surname_styles_and_fathers_names(conn) -> None:
    uulu = ov = 0
    for members in _members(conn).values():
        head = next(m for m in members if m["relation"] == "head")
        for m in members:
            if m["relation"] in ("son", "daughter") and head["sex"] == "M":
                assert m["father_name"] == head["given_name"]
            if m["surname"].endswith((" уулу", " кызы")):
                uulu += 1
                if m["relation"] in ("head", "son", "daughter", "grandson", "granddaughter"):
                    suffix = "уулу" if m["sex"] == "M" else "кызы"
                    assert m["surname"] == f"{m['father_name']} {suffix}"
            elif m["surname"].endswith(("ов", "ев", "ова", "ева")):
                ov += 1
                assert m["surname"].endswith(("ова", "ева")) == (m["sex"] == "F")
        if head["sex"] == "M" and head["surname"].endswith(("ов", "ев")):
            for m in members:
                if m["relation"] == "spouse":
                    assert m["surname"] == head["surname"] + "а", "the wife takes the feminine form"
    assert uulu > 50 and ov > 300


def test_names_are_kyrgyz_with_the_extra_letters(conn) -> None:
    given = {r[0] for r in _rows(conn, "SELECT given_name FROM person WHERE nationality = 'kyrgyz'")}
    for letter in "ңөү":
        assert any(letter in name.lower() for name in given), letter
    assert {"M", "F"} == {r[0] for r in _rows(conn, "SELECT DISTINCT sex FROM person")}
    nationalities = Counter(r[0] for r in _rows(conn, "SELECT nationality FROM person"))
    assert nationalities.most_common(1)[0][0] == "kyrgyz"
    assert nationalities["kyrgyz"] / sum(nationalities.values()) > 0.7
    assert len(nationalities) >= 3


def test_pins_agree_with_sex_and_birth_date(conn) -> None:
    rows = _rows(conn, "SELECT pin, sex, birth_date, residence_status FROM person")
    with_pin = [r for r in rows if r["pin"]]
    for r in with_pin:
        decoded = pins.decode(r["pin"])
        assert decoded.sex == r["sex"] and decoded.birth_date == _date(r["birth_date"])
    assert len({r["pin"] for r in with_pin}) == len(with_pin)
    infants = [r for r in rows if _age(_date(r["birth_date"]), TODAY) < 3]
    assert infants and any(r["pin"] is None for r in infants) and any(r["pin"] for r in infants)
    adults = [r for r in rows if _age(_date(r["birth_date"]), TODAY) >= 18]
    missing = sum(r["pin"] is None for r in adults) / len(adults)
    assert 0.01 < missing < 0.12


def test_ages_are_consistent(conn) -> None:
    for members in _members(conn).values():
        head = next(m for m in members if m["relation"] == "head")
        spouse = next((m for m in members if m["relation"] == "spouse"), None)
        for m in members:
            birth = _date(m["birth_date"])
            assert birth <= TODAY
            if m["from_date"]:
                assert _date(m["from_date"]) >= birth
            if m["relation"] in ("son", "daughter"):
                parent = _date(head["birth_date"])
                assert 18 <= _age(parent, birth) <= 50, "parents are 18–50 years older than their children"
                if spouse is not None and spouse["sex"] == "F":
                    assert 17 <= _age(_date(spouse["birth_date"]), birth) <= 45
            if m["relation"] in ("father", "mother"):
                assert _age(birth, _date(head["birth_date"])) >= 18


def test_memberships_follow_births_and_movements(conn) -> None:
    statuses = Counter()
    for members in _members(conn).values():
        for m in members:
            status, birth, opened = m["residence_status"], _date(m["birth_date"]), _date(m["opened_on"])
            statuses[status] += 1
            if birth > opened:
                assert _date(m["from_date"]) == birth, "born into the household: member from birth"
            else:
                assert m["from_date"] is not None and _date(m["from_date"]) >= opened
            if status == "left":
                assert m["to_date"] == m["status_date"] and m["end_reason"] == "left"
            elif status == "deceased":
                assert m["to_date"] == m["status_date"] and m["end_reason"] == "died"
            else:
                assert m["to_date"] is None and m["end_reason"] == ""
                assert (m["status_date"] is not None) == (status == "temporarily_absent")
    assert statuses["left"] >= 10 and statuses["deceased"] >= 5 and statuses["temporarily_absent"] >= 10
    migrants = _rows(conn, "SELECT workplace FROM person WHERE residence_status = 'temporarily_absent'")
    assert sum("Россия" in r[0] for r in migrants) > len(migrants) / 2, "labour migrants go mostly to Russia"


def test_social_categories_follow_age(conn) -> None:
    rows = _rows(conn, "SELECT * FROM person")
    seen = Counter()
    for r in rows:
        cats = json.loads(r["social_categories"])
        seen.update(cats)
        on = _date(r["status_date"]) if r["residence_status"] == "deceased" else TODAY
        age = _age(_date(r["birth_date"]), on)
        if "pensioner" in cats:
            assert age >= (63 if r["sex"] == "M" else 58)
        assert ("disabled" in cats) == (r["disability_group"] is not None)
        if r["disability_group"] is not None:
            assert r["disability_group"] in (1, 2, 3)
    assert seen["pensioner"] > 50 and seen["disabled"] > 5 and seen["low_income"] > 5


def test_closed_households_have_no_current_members(conn) -> None:
    closed = _rows(conn, "SELECT * FROM household WHERE status = 'closed'")
    assert 3 <= len(closed) <= 20
    for h in closed:
        assert h["closed_on"] and h["close_reason"]
        members = _rows(conn, "SELECT m.*, p.residence_status FROM membership m JOIN person p ON p.id = m.person_id "
                              "WHERE m.household_id = ?", h["id"])
        assert members
        for m in members:
            assert m["to_date"] is not None and m["to_date"] <= h["closed_on"]
            assert m["residence_status"] in ("left", "deceased")
        for table in ("land_plot", "livestock_count"):
            late = _rows(conn, f"SELECT count(*) FROM {table} WHERE household_id = ? AND "
                               f"(year || '-01-01') >= ?", h["id"], h["closed_on"])
            assert late[0][0] == 0, "no 1 January records once the account was closed"


# --- farm sections ---------------------------------------------------------------------------------

def test_livestock_over_three_years(conn) -> None:
    years = [r[0] for r in _rows(conn, "SELECT DISTINCT year FROM livestock_count ORDER BY year")]
    assert years == list(range(TODAY.year - demo.FARM_YEARS + 1, TODAY.year + 1)) and len(years) >= 3
    herds: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for r in _rows(conn, "SELECT household_id, year, species, heads FROM livestock_count"):
        assert r["heads"] > 0
        herds[(r["household_id"], r["year"])][r["species"]] = r["heads"]
    for herd in herds.values():
        assert herd.get("cows", 0) <= herd.get("cattle", 0), "cows are counted among the cattle"
        farm.validate_livestock(herd)
    last = {hid: herd for (hid, year), herd in herds.items() if year == TODAY.year}
    assert sum("poultry" in h for h in last.values()) > 0.4 * HOUSEHOLDS
    assert 0 < sum("bee_colonies" in h for h in last.values()) < 0.1 * HOUSEHOLDS
    changed = sum(herds.get((hid, TODAY.year - 1)) not in (None, herd) for hid, herd in last.items())
    assert changed > 0.3 * len(last), "herds change from year to year"


def test_land_per_year_mostly_the_same(conn) -> None:
    plots = defaultdict(list)
    for r in _rows(conn, "SELECT household_id, year, category, area_m2 FROM land_plot"):
        plots[(r["household_id"], r["year"])].append((r["category"], r["area_m2"]))
        if r["category"] == "household_plot":
            assert 400 <= r["area_m2"] <= 2500
    assert {year for _hid, year in plots} == set(range(TODAY.year - demo.FARM_YEARS + 1, TODAY.year + 1))
    categories = Counter(c for v in plots.values() for c, _a in v)
    assert {"household_plot", "irrigated_arable"} <= set(categories) and len(categories) >= 5
    pairs = [(sorted(plots[(hid, year)]), sorted(plots.get((hid, year - 1), [])))
             for hid, year in plots if (hid, year - 1) in plots]
    same = sum(a == b for a, b in pairs)
    assert 0.85 * len(pairs) <= same < len(pairs), "the same plots each year, now and then a change"


def test_dwellings_and_machinery(conn) -> None:
    dwellings = _rows(conn, "SELECT * FROM dwelling")
    assert len(dwellings) == HOUSEHOLDS
    for d in dwellings:
        assert 0 < d["living_area_dm2"] <= d["total_area_dm2"]
        assert 1 <= d["rooms"] <= 8 and 1900 < d["year_built"] < TODAY.year
    kinds = Counter(r[0] for r in _rows(conn, "SELECT kind FROM machinery"))
    assert kinds["car"] > 0.2 * HOUSEHOLDS and 0 < kinds["tractor"] < kinds["car"] / 3


# --- storage rules ---------------------------------------------------------------------------------

def test_every_row_has_its_journal_entry(village, conn) -> None:
    db, summary = village
    logged = defaultdict(set)
    for r in _rows(conn, "SELECT table_name, record_id, op, version, user_name, user_id FROM change_log"):
        assert (r["op"], r["version"], r["user_name"], r["user_id"]) == ("insert", 1, "system:demo", None)
        logged[r["table_name"]].add(r["record_id"])
    total = 0
    for table in SYNCED_TABLES:
        ids = {r[0] for r in _rows(conn, f"SELECT id FROM {table}")}
        assert ids == logged[table], f"{table}: rows and journal entries differ"
        total += len(ids)
        sync = _rows(conn, f"SELECT DISTINCT version, changed_by, deleted_at FROM {table}")
        assert [tuple(s) for s in sync] in ([], [(1, None, None)])
    assert summary.journal_rows == total


def test_journal_entries_match_what_the_orm_listener_writes(village) -> None:
    """The bulk path journals the same values the session listener would for an insert."""
    db, _summary = village
    with db.session(None) as s:
        for model in (Person, Household, Membership, LandPlot, LivestockCount):
            for obj in s.scalars(select(model).limit(25)):
                keys = [a.key for a in inspect(obj).mapper.column_attrs
                        if a.key not in ("version", "changed_at", "changed_by")]
                expected = {k: jsonable(getattr(obj, k)) for k in keys}
                entry = s.scalar(select(ChangeLog.changes).where(ChangeLog.record_id == obj.id))
                assert json.loads(entry) == expected


def test_services_read_the_demo(village) -> None:
    db, _summary = village
    with db.session(None) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
        assert auth.needs_first_admin(s), "no accounts and no default password in a demo"
        rows = search.find_households(s, search.HouseholdFilter(status="open"), limit=40)
        assert len(rows) == 40 and all(r.head for r in rows)
        for row in rows[:10]:
            card = households.get_card(s, row.id)
            assert card.head is not None and card.dwelling is not None
            assert TODAY.year in card.land
        sample = s.scalars(select(Person).order_by(Person.id).limit(150)).all()
        for p in sample:
            check = persons.check_person(s, persons.to_data(p), person_id=p.id, today=TODAY)
            assert not check.errors and not check.warnings and not check.notices, (p.surname, check)
        key = s.scalar(select(Person.surname).where(Person.surname.like("% уулу")).limit(1))
        assert search.count_households(s, search.HouseholdFilter(text=key.split()[0].lower())) >= 1


# --- the demo database file ------------------------------------------------------------------------

def test_ensure_demo_database_creates_once(okmot_home: Path) -> None:
    path = demo.ensure_demo_database()
    assert path == paths.demo_db_path() and path.parent == okmot_home
    with contextlib.closing(sqlite3.connect(path)) as c:
        assert c.execute("SELECT count(*) FROM household").fetchone()[0] == demo.DEFAULT_HOUSEHOLDS
        assert c.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "no temporary files left behind"
    stamp = path.stat().st_mtime_ns
    assert demo.ensure_demo_database(path) == path
    assert path.stat().st_mtime_ns == stamp, "an existing demo database is kept as it is"


def test_interrupted_demo_database_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self, plan, bulk):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo._Generator, "household", interrupted)
    target = tmp_path / "demo" / "demo.sqlite3"
    with pytest.raises(KeyboardInterrupt):
        demo.ensure_demo_database(target)
    assert list(target.parent.iterdir()) == []


def test_create_demo_file_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "book.sqlite3"
    target.write_text("someone's data")
    with pytest.raises(ConflictError, match="already exists"):
        demo.create_demo_file(target, households=5, today=TODAY)
    assert target.read_text() == "someone's data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.sqlite3"]


@pytest.mark.slow
def test_ten_thousand_households(tmp_path: Path) -> None:
    # How long it takes is measured by `make bench` (bench/village.py), not asserted here.
    summary = demo.create_demo_file(tmp_path / "big.sqlite3", households=10_000, seed=1, today=TODAY)
    assert summary.households == 10_000 and 40_000 < summary.persons < 60_000
    with contextlib.closing(sqlite3.connect(tmp_path / "big.sqlite3")) as c:
        assert c.execute("SELECT count(*) FROM person").fetchone()[0] == summary.persons
        assert c.execute("SELECT count(*) FROM change_log").fetchone()[0] == summary.journal_rows


@pytest.mark.postgres
def test_generates_into_postgresql(pg_db: str) -> None:
    summary = demo.generate_into(pg_db, households=30, seed=2, today=TODAY)
    db = Database(pg_db)
    try:
        with db.session(None) as s:
            assert s.scalar(select(func.count()).select_from(Household)) == 30
            assert s.scalar(select(func.count()).select_from(Person)) == summary.persons
            assert s.scalar(select(func.count()).select_from(ChangeLog)) == summary.journal_rows
            assert territory.home_office(s).code == "41708-10"
            some = s.scalars(select(Household.id).limit(3)).all()
            for hid in some:
                assert households.get_card(s, hid).dwelling is not None
    finally:
        db.dispose()
