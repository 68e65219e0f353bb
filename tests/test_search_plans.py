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
