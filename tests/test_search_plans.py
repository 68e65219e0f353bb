"""Search as you type: every plan (rare, common and huge prefixes, capped counts) finds exactly what the plain search finds."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from okmot.db.migrate import open_database
from okmot.demo import create_demo_file
from okmot.models import Household, Person
from okmot.services import search
from okmot.services.search import HouseholdFilter, search_households

CAP = 12


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search-plans") / "demo.sqlite3"
    create_demo_file(path, households=80, seed=3)
    return path


@pytest.fixture
def book(demo_file: Path, tmp_path: Path):
    path = tmp_path / "book.sqlite3"
    shutil.copyfile(demo_file, path)
    db = open_database(path)
    try:
        yield db
    finally:
        db.dispose()


def _terms(db) -> list[str]:
    """Prefixes a clerk types: surnames and given names from one letter, PINs from three digits, accounts, two words."""
    with db.session() as s:
        names = sorted({n for row in s.execute(select(Person.surname, Person.given_name)) for n in row if n})
        pins = sorted(p for p in s.scalars(select(Person.pin)) if p)
        accounts = sorted(s.scalars(select(Household.account_number)))
    terms = {name[:n].lower() if n % 2 else name[:n] for name in names[::7] for n in range(1, min(len(name), 4) + 1)}
    terms |= {pin[:n] for pin in pins[::25] for n in (3, 5, 14)}
    terms |= {a[:n] for a in accounts[::20] for n in range(1, len(a) + 1)}
    terms |= {f"{names[i]} {names[i + 1][:1]}" for i in range(0, len(names) - 1, 11)}
    return sorted(terms)


@pytest.mark.parametrize("common, huge, share", [(3, 6, 10 ** 9), (1, 1, 10 ** 9), (10_000, 10_000, 10 ** 9),
                                                 (1, 1, 8)])
def test_every_plan_finds_the_same_households_and_caps_the_count(book, monkeypatch, common, huge, share):
    """With the common/huge thresholds lowered, an 80-household book takes every path: the page
    (ids in account order) is the one the plain search gives, and the count is exact or, where it
    is capped, says "more than CAP" only when more than CAP households match."""
    terms = _terms(book)
    with book.session() as s:
        exact = {t: search_households(s, HouseholdFilter(text=t), limit=500) for t in terms}
    monkeypatch.setattr(search, "_COMMON_PREFIX", common)
    monkeypatch.setattr(search, "_HUGE_PREFIX", huge)
    # A share of 8: a word is common from one bearer per 8 households (10 of the 80), whatever the thresholds.
    monkeypatch.setattr(search, "_COMMON_SHARE", share)
    many = capped = 0
    for term in terms:
        want = exact[term]
        for limit in (5, 200):
            with book.session() as s:
                got = search_households(s, HouseholdFilter(text=term), limit=limit, count_limit=CAP)
            assert [r.id for r in got.rows] == [r.id for r in want.rows[:limit]], term
            # The count stops at the cap only where it would cost (a common prefix); else it is exact.
            assert (got.total, got.more) in {(want.total, False), (CAP, True)}, term
            assert got.more <= (want.total > CAP), term
            capped += got.more
        many += want.total > CAP
    assert many >= 5, "the terms must include prefixes borne by many households"
    assert capped or common > 1000, "lowered thresholds must take the capped paths"


def test_capped_count_keeps_the_household_filters(book, monkeypatch):
    """The count read from the persons towards the households still applies the village and status filters."""
    monkeypatch.setattr(search, "_COMMON_PREFIX", 1)
    monkeypatch.setattr(search, "_HUGE_PREFIX", 1)
    monkeypatch.setattr(search, "_COMMON_SHARE", 10 ** 9)
    with book.session() as s:
        village = s.scalar(select(Household.village_id).limit(1))
        for flt in (HouseholdFilter(text="а", village_id=village), HouseholdFilter(text="а", status="closed"),
                    HouseholdFilter(text="а", status="open", as_of=dt.date.today())):
            plain = search_households(s, HouseholdFilter(**{**flt.__dict__}), limit=500)
            capped = search_households(s, flt, limit=3, count_limit=CAP)
            assert (capped.total, capped.more) in {(plain.total, False), (CAP, True)}
            assert capped.more <= (plain.total > CAP)
            assert [r.id for r in capped.rows] == [r.id for r in plain.rows[:3]]


def test_two_word_surnames_are_found_as_typed(book):
    """"Нурбек уулу", "Нурбек уу" and "Нурбек уулу Азамат" find the household of Азамат Нурбек уулу:
    neighbouring words are also read as one name."""
    from okmot.models import Membership

    with book.session() as s:
        surname, given, hid = s.execute(
            select(Person.surname, Person.given_name, Membership.household_id)
            .join(Membership, Membership.person_id == Person.id)
            .where(Person.surname.contains(" "), Membership.to_date.is_(None), Membership.deleted_at.is_(None))
            .order_by(Person.surname).limit(1)).one()
        first, second = surname.split(" ", 1)
        for typed in (surname, f"{first} {second[:2]}", f"{surname} {given}", f"{surname.lower()} {given[:3]}"):
            for count_limit in (None, CAP):
                page = search_households(s, HouseholdFilter(text=typed), limit=500, count_limit=count_limit)
                assert hid in [r.id for r in page.rows], typed
        # Words still narrow the list: the given name of somebody else finds no such household.
        page = search_households(s, HouseholdFilter(text=f"{surname} Жок-Мындай-Ат"), limit=500)
        assert page.total == 0


def _brute_force(db, text: str) -> list:
    """The households a search must find, read in Python from every row: the search's rules without its plans.

    A word matches a household by its account or house number, a member's (any stay not deleted)
    surname, given name or PIN, or a word of its village's or street's name, all by prefix; words
    typed side by side may also be read as one name; every word of a reading must match.
    """
    from okmot.identity import pin as pins
    from okmot.identity.names import search_key
    from okmot.models import Membership, Street, Village

    with db.session() as s:
        households = s.execute(select(Household.id, Household.account_number, Household.house_number,
                                      Household.village_id, Household.street_id)
                               .where(Household.deleted_at.is_(None))).all()
        members: dict = {}
        for hid, sk, gk, pin in s.execute(select(Membership.household_id, Person.surname_key, Person.given_name_key,
                                                 Person.pin).join(Person, Person.id == Membership.person_id)
                                          .where(Membership.deleted_at.is_(None))):
            members.setdefault(hid, []).append((sk, gk, pin or ""))
        places = {pid: (ky, ru) for model in (Village, Street)
                  for pid, ky, ru in s.execute(select(model.id, model.name_ky, model.name_ru)
                                               .where(model.deleted_at.is_(None)))}

    def place_matches(pid, key: str) -> bool:
        if pid not in places:
            return False
        ky, ru = places[pid]
        words = search_key(f"{ky} {ru}").replace("-", " ").replace(".", " ").split()
        return any(w.startswith(key) for w in words) or search_key(ky).startswith(key) or search_key(ru).startswith(key)

    def matches(row, word: str) -> bool:
        hid, account, house, village, street = row
        digits = pins.clean(word)
        if digits.isdigit():
            return (account.startswith(digits) or (house or "").startswith(digits)
                    or any(pin.startswith(digits) for _sk, _gk, pin in members.get(hid, [])))
        key = search_key(word)
        return (account.startswith(word) or (house or "").startswith(word)
                or any(sk.startswith(key) or gk.startswith(key) for sk, gk, _pin in members.get(hid, []))
                or place_matches(village, key) or place_matches(street, key))

    readings = search._groupings(text.split())
    return sorted((row for row in households if any(all(matches(row, w) for w in r) for r in readings)),
                  key=lambda row: search.account_sort_key(row[1]))


@pytest.fixture
def pg_book(pg_db: str):
    from okmot import demo

    demo.generate_into(pg_db, households=80, seed=3)
    db = open_database(pg_db)
    try:
        yield db
    finally:
        db.dispose()


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("common, huge, share", [(10 ** 9, 10 ** 9, 10 ** 9), (3, 6, 10 ** 9), (1, 1, 8)])
def test_every_plan_finds_what_a_brute_force_reading_finds(request, monkeypatch, engine, common, huge, share):
    """Against the rules read row by row in Python (not another run of the search): the page and
    count of words that reach households in very different ways — a letter that starts every
    "ул." street, digits that start many account numbers, a name led by a rare word with a
    common one beside it ("Нурбек у"), a village's name, a name typed in full — on SQLite and
    PostgreSQL (a district may keep its database on either)."""
    book = request.getfixturevalue("book" if engine == "sqlite" else "pg_book")
    with book.session() as s:
        surname, given = s.execute(select(Person.surname, Person.given_name).where(Person.surname.contains(" "))
                                   .order_by(Person.surname).limit(1)).one()
        village = s.scalar(select(search.Village.name_ky).limit(1))
        rare = s.scalar(select(Person.surname).order_by(Person.surname.desc()).limit(1))
    first, second = surname.split(" ", 1)
    terms = ["у", "ул", "3", "1", "0", "12", f"{first} {second[:1]}", f"{first} у", f"{rare} у", f"{rare} 1",
             f"{surname} {given[:2]}", f"{given[:3]} {village[:3]}", village.split()[0][:4], rare, "а б"]
    monkeypatch.setattr(search, "_COMMON_PREFIX", common)
    monkeypatch.setattr(search, "_HUGE_PREFIX", huge)
    monkeypatch.setattr(search, "_COMMON_SHARE", share)
    found = 0
    for term in terms:
        want = [row[0] for row in _brute_force(book, term)]
        found += bool(want)
        for limit, count_limit in ((500, None), (5, CAP)):
            with book.session() as s:
                got = search_households(s, HouseholdFilter(text=term), limit=limit, count_limit=count_limit)
            assert [r.id for r in got.rows] == want[:limit], term
            if count_limit is None:
                assert (got.total, got.more) == (len(want), False), term
            else:
                assert (got.total, got.more) in {(len(want), False), (CAP, True)} and got.more <= (len(want) > CAP), term
    assert found >= len(terms) - 2, "the terms must find households"


def test_a_deleted_stay_does_not_match_in_any_plan(book):
    """A stay deleted by mistake-correction no longer makes its household match, also when the
    word is tested household by household beside a rarer word (the per-household member test)."""
    from sqlalchemy import update

    from okmot.identity.names import search_key
    from okmot.models import Membership, Street, Village

    with book.session() as s:
        stays = s.execute(select(Membership.id, Membership.household_id, Person.surname, Person.given_name,
                                 Person.surname_key, Person.given_name_key)
                          .join(Person, Person.id == Membership.person_id)
                          .where(Membership.deleted_at.is_(None))).all()
        names = {pid: search_key(f"{ky} {ru}") for model in (Village, Street)
                 for pid, ky, ru in s.execute(select(model.id, model.name_ky, model.name_ru))}
        places = {hid: names.get(v, "") + " " + names.get(st, "")
                  for hid, v, st in s.execute(select(Household.id, Household.village_id, Household.street_id))}
    by_household: dict = {}
    for stay in stays:
        by_household.setdefault(stay.household_id, []).append(stay)
    chosen = None
    with book.session() as s:
        probes: dict = {}
        for hid, members in by_household.items():
            for gone in members:
                letter = gone.given_name_key[:1]
                others = [m for m in members if m is not gone]
                place_words = places[hid].replace("-", " ").replace(".", " ").split()
                # The member test household by household is what this checks: the letter must
                # have more bearers than the surname beside it reaches.
                if (others and not any(m.surname_key.startswith(letter) or m.given_name_key.startswith(letter)
                                       for m in others)
                        and not any(w.startswith(letter) for w in place_words)
                        and search._bearers(s, letter, probes) > search._weight(s, others[0].surname, probes)):
                    chosen = (hid, gone, others[0].surname, gone.given_name[:1])
                    break
            if chosen:
                break
    assert chosen, "the demo book has a household whose members' names start differently"
    hid, gone, surname, letter = chosen
    term = f"{surname} {letter}"
    with book.session() as s:
        assert hid in [r.id for r in search_households(s, HouseholdFilter(text=term), limit=500).rows]
    with book.session() as s:
        s.execute(update(Membership).where(Membership.id == gone.id).values(deleted_at=dt.datetime(2026, 1, 1)))
        s.commit()
    want = [row[0] for row in _brute_force(book, term)]
    assert hid not in want
    with book.session() as s:
        assert [r.id for r in search_households(s, HouseholdFilter(text=term), limit=500).rows] == want


def test_a_household_by_household_member_test_reads_the_stays_index_only(book, monkeypatch):
    """A common word tests each household's members through ix_membership_household_person alone:
    the stay's own row (wide, on pages of its own) is not read for every household scanned."""
    from sqlalchemy import event

    monkeypatch.setattr(search, "_COMMON_PREFIX", 1)
    monkeypatch.setattr(search, "_HUGE_PREFIX", 1)
    statements = []
    capture = lambda _c, _cur, statement, parameters, _ctx, _many: statements.append((statement, parameters))  # noqa: E731
    event.listen(book.engine, "before_cursor_execute", capture)
    try:
        with book.session() as s:
            search_households(s, HouseholdFilter(text="а"), limit=20, count_limit=CAP)
    finally:
        event.remove(book.engine, "before_cursor_execute", capture)
    with book.engine.connect() as conn:
        plans = [row[3] for statement, parameters in statements if "EXISTS" in statement
                 for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    assert any("ix_membership_household_person" in detail for detail in plans), plans
    assert all("COVERING INDEX" in detail for detail in plans if "membership" in detail), plans
