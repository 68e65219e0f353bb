"""Search-as-you-type over households on a small hand-built book."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from okmot.db.engine import Actor, Database
from okmot.db.journal import tombstone
from okmot.models import Household, Membership
from okmot.services import households, territory
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData
from okmot.services.search import HouseholdFilter, count_households, find_households

ACTOR = Actor(user_id=uuid.UUID("11111111-2222-3333-4444-555555555555"), username="aigul")
ASANOV_PIN = "21205197000012"


@dataclass
class Book:
    db: Database
    village1: uuid.UUID
    village2: uuid.UUID
    street1: uuid.UUID
    street2: uuid.UUID
    hh: dict[str, uuid.UUID]


def _place(s):
    office = territory.create_office(s, code="417001", name_ky="Ак-Суу", name_ru="Ак-Суу")
    v1 = territory.create_village(s, aimak_id=office.id, code="01", name_ky="Теплоключенка", name_ru="Теплоключенка")
    v2 = territory.create_village(s, aimak_id=office.id, code="02", name_ky="Ак-Булуң", name_ru="Ак-Булун")
    s1 = territory.create_street(s, village_id=v1.id, name_ky="Токтогул", name_ru="Токтогула")
    s2 = territory.create_street(s, village_id=v2.id, name_ky="Манас", name_ru="Манаса")
    return v1.id, v2.id, s1.id, s2.id


def build_book(db: Database) -> Book:
    """0001 Асанов (village 1, Токтогул 5), 0002 Өмүрбеков (village 2, Манас), 0003 Бекова (village 1, closed),
    0004 with nobody recorded yet (village 2)."""
    with db.session(ACTOR) as s:
        v1, v2, s1, s2 = _place(s)
        hh = {}
        hh["0001"], _ = households.create_household(
            s, HouseholdData("0001", v1, s1, house_number="5", opened_on=dt.date(2010, 1, 1)),
            head=PersonData(surname="Асанов", given_name="Бакыт", sex="M", birth_date=dt.date(1970, 5, 12),
                            pin=ASANOV_PIN))
        households.add_member(s, hh["0001"], PersonData(surname="Асанова", given_name="Гүлнара", sex="F"),
                              relation="spouse")
        households.add_member(s, hh["0001"], PersonData(surname="Асанов", given_name="Токтосун", sex="M",
                                                        residence_status="deceased"), relation="father")
        gone, _ = households.add_member(s, hh["0001"], PersonData(surname="Асанов", given_name="Кеткен", sex="M"),
                                        relation="son", from_date=dt.date(2011, 1, 1))
        s.scalar(select(Membership).where(Membership.person_id == gone)).to_date = dt.date(2020, 1, 1)

        hh["0002"], _ = households.create_household(
            s, HouseholdData("0002", v2, s2, opened_on=dt.date(2010, 1, 1)),
            head=PersonData(surname="Өмүрбеков", given_name="Нурлан", sex="M"))
        households.add_member(s, hh["0002"], PersonData(surname="Өмүрбеков", given_name="Асан", sex="M"),
                              relation="son")

        hh["0003"], _ = households.create_household(
            s, HouseholdData("0003", v1, None, address_note="мектептин жанында", opened_on=dt.date(2010, 1, 1)),
            head=PersonData(surname="Бекова", given_name="Айгүл", sex="F"))
        households.close_household(s, hh["0003"], on=dt.date(2021, 1, 1), reason="көчүп кетишти")

        hh["0004"], _ = households.create_household(s, HouseholdData("0004", v2, None, opened_on=dt.date(2010, 1, 1)))
    return Book(db, v1, v2, s1, s2, hh)


@pytest.fixture(scope="module")
def book(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    """One book shared by the read-only tests of this module (building it per test is the slow part)."""
    path = tmp_path_factory.mktemp("search") / "book.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database(path)
    try:
        yield build_book(database)
    finally:
        database.dispose()


def accounts(db: Database, text: str = "", **kw) -> list[str]:
    flt = HouseholdFilter(text=text, **kw)
    with db.session() as s:
        rows = find_households(s, flt)
        n = count_households(s, flt)
    assert n == len(rows), "count_households must agree with find_households"
    return [r.account_number for r in rows]


# --------------------------------------------------------------------------- names


def test_empty_query_lists_everything_in_order(book):
    assert accounts(book.db) == ["0001", "0002", "0003", "0004"]
    assert accounts(book.db, "   ") == ["0001", "0002", "0003", "0004"]


@pytest.mark.parametrize("query", ["асанов", "Асанов", "АСАНОВ", "асано", "Асанова", "Асанoв"])
def test_surname_prefix_case_insensitive(book, query):
    assert accounts(book.db, query) == ["0001"]


def test_surname_prefix_also_matches_given_names(book):
    # "асан" is the start of Асанов (0001) and the given name Асан (0002).
    assert accounts(book.db, "асан") == ["0001", "0002"]


@pytest.mark.parametrize("query", ["Өмүр", "өмүр", "ӨМҮРБЕКОВ", "Ɵмүр", "Өмүрбеков"])
def test_surname_with_kyrgyz_letters(book, query):
    assert accounts(book.db, query) == ["0002"]


def test_kyrgyz_letters_are_not_russian_ones(book):
    assert accounts(book.db, "омур") == []


@pytest.mark.parametrize("query", ["Асaн", "Aсан", "AСAНОВ"])  # Latin a / A typed inside
def test_lookalike_in_query(book, query):
    expected = ["0001"] if query.casefold().endswith("нов") else ["0001", "0002"]
    assert accounts(book.db, query) == expected


def test_not_a_prefix_is_not_found(book):
    assert accounts(book.db, "санов") == []
    assert accounts(book.db, "Иванов") == []


@pytest.mark.parametrize("query, expected", [("нурлан", ["0002"]), ("Гүлнара", ["0001"]), ("айгүл", ["0003"]),
                                             ("ТОКТОС", ["0001"])])
def test_given_name_prefix(book, query, expected):
    assert accounts(book.db, query) == expected


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("query, expected", [("0002", ["0002"]), ("000", ["0001", "0002", "0003", "0004"]),
                                             ("0", ["0001", "0002", "0003", "0004"]), ("0005", [])])
def test_account_number_prefix(book, query, expected):
    assert accounts(book.db, query) == expected


@pytest.mark.parametrize("query", ["2120519", ASANOV_PIN, "21205-1970"])
def test_pin_prefix(book, query):
    assert accounts(book.db, query) == ["0001"]


def test_wrong_pin_prefix(book):
    assert accounts(book.db, "2120519710") == []


def test_house_number_prefix(book):
    assert accounts(book.db, "5") == ["0001"]


# --------------------------------------------------------------------------- places


@pytest.mark.parametrize("query", ["теплок", "Теплоключенка", "ТЕПЛО"])
def test_village_name(book, query):
    assert accounts(book.db, query) == ["0001", "0003"]


def test_village_name_with_kyrgyz_letter(book):
    assert accounts(book.db, "ак-булуң") == ["0002", "0004"]


def test_street_name(book):
    assert accounts(book.db, "манас") == ["0002"]
    assert accounts(book.db, "Токто") == ["0001"]  # street Токтогул (and the member Токтосун) are both in 0001


# --------------------------------------------------------------------------- combinations and filters


@pytest.mark.parametrize("query, expected", [
    ("асан 0001", ["0001"]),
    ("0001 асан", ["0001"]),
    ("асан 0002", ["0002"]),
    ("асан 0003", []),
    ("асан теплок", ["0001"]),
    ("асан ак-булуң", ["0002"]),
    ("теплок айгүл", ["0003"]),
])
def test_terms_are_anded(book, query, expected):
    assert accounts(book.db, query) == expected


def test_village_filter(book):
    assert accounts(book.db, village_id=book.village1) == ["0001", "0003"]
    assert accounts(book.db, village_id=book.village2) == ["0002", "0004"]
    assert accounts(book.db, "асан", village_id=book.village2) == ["0002"]
    assert accounts(book.db, "асан", village_id=uuid.uuid4()) == []


def test_status_filter(book):
    assert accounts(book.db, status="closed") == ["0003"]
    assert accounts(book.db, status="open") == ["0001", "0002", "0004"]
    assert accounts(book.db, "теплок", status="open") == ["0001"]
    assert accounts(book.db, status=None) == ["0001", "0002", "0003", "0004"]


def test_tombstoned_household_not_found(db):
    book = build_book(db)  # a private copy: this test writes
    with db.session(ACTOR) as s:
        tombstone(s.get(Household, book.hh["0004"]))
    assert accounts(book.db) == ["0001", "0002", "0003"]
    assert accounts(book.db, "0004") == []


# --------------------------------------------------------------------------- row content


def test_row_columns(book):
    with book.db.session() as s:
        rows = {r.account_number: r for r in find_households(s, HouseholdFilter())}
    r1 = rows["0001"]
    assert r1.id == book.hh["0001"]
    assert (r1.head_surname, r1.head_given_name, r1.head) == ("Асанов", "Бакыт", "Асанов Бакыт")
    # Head and spouse; the deceased father and the son who left are not counted.
    assert r1.members == 2
    assert (r1.village("ky"), r1.village("ru")) == ("Теплоключенка", "Теплоключенка")
    assert r1.address("ky") == "Токтогул 5" and r1.address("ru") == "Токтогула 5"
    assert r1.status == "open"

    r2 = rows["0002"]
    assert r2.head == "Өмүрбеков Нурлан" and r2.members == 2
    assert (r2.village("ky"), r2.village("ru")) == ("Ак-Булуң", "Ак-Булун")
    assert r2.address("ru") == "Манаса"

    r3 = rows["0003"]
    assert r3.head == "Бекова Айгүл" and r3.members == 1 and r3.status == "closed"
    assert r3.address("ky") == "мектептин жанында"

    r4 = rows["0004"]
    assert r4.head == "" and r4.members == 0 and r4.address("ky") == ""


# --------------------------------------------------------------------------- order and paging


@pytest.fixture
def numbered(db: Database) -> list[str]:
    numbers = ["10", "2", "100", "1", "9", "11"]
    with db.session(ACTOR) as s:
        v1, *_ = _place(s)
        for n in numbers:
            households.create_household(s, HouseholdData(n, v1, None, opened_on=dt.date(2010, 1, 1)))
    return numbers


def test_order_numeric(db, numbered):
    assert accounts(db) == ["1", "2", "9", "10", "11", "100"]


def test_prefix_on_unpadded_numbers(db, numbered):
    assert accounts(db, "1") == ["1", "10", "11", "100"]
    assert accounts(db, "10") == ["10", "100"]


def test_paging(db, numbered):
    flt = HouseholdFilter()
    with db.session() as s:
        assert count_households(s, flt) == 6
        pages = [[r.account_number for r in find_households(s, flt, offset=o, limit=2)] for o in (0, 2, 4, 6)]
        assert pages == [["1", "2"], ["9", "10"], ["11", "100"], []]
        assert [r.account_number for r in find_households(s, HouseholdFilter("1"), offset=1, limit=2)] == ["10", "11"]
        assert count_households(s, HouseholdFilter("1")) == 4


def test_village_and_street_found_by_russian_name_or_any_word(book):
    assert accounts(book.db, "булун") == ["0002", "0004"]  # Russian «Ак-Булун», Kyrgyz «Ак-Булуң»
    assert accounts(book.db, "булуң") == ["0002", "0004"]
    assert accounts(book.db, "манаса") == ["0002"]


def test_house_number_with_a_letter(db):
    with db.session(ACTOR) as s:
        v1, _v2, s1, _s2 = _place(s)
        households.create_household(s, HouseholdData("7", v1, s1, house_number="5а"))
        households.create_household(s, HouseholdData("8", v1, s1, house_number="15"))
    assert accounts(db, "5а") == ["7"]


def test_numbers_sort_as_numbers_whatever_the_padding(db):
    with db.session(ACTOR) as s:
        v1, _v2, _s1, _s2 = _place(s)
        for account in ("10", "0002", "1", "0011"):
            households.create_household(s, HouseholdData(account, v1, None))
    assert accounts(db) == ["1", "0002", "10", "0011"]
