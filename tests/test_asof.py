"""The book as of a past date: card, list and counts across a split household, absences, closings, 1 January records."""

from __future__ import annotations

import datetime as dt

import pytest

from okmot.services import asof, farm, households, movements as mv, search, stats
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData
from okmot.services.search import HouseholdFilter
from tests.test_movements import ACTOR, build_family

D = dt.date


@pytest.fixture
def split(db):
    """Family 0001 with livestock for 2014 and 2016, a grandson born 2010, and the son's family split off on 05.05.2015."""
    fam = build_family(db)
    with db.session(ACTOR) as s:
        kid = mv.record_birth(s, fam.hid, PersonData("Асанов", "Эмир", "M", birth_date=D(2010, 3, 3)),
                              mother_id=fam.dil).person_id
        farm.save_livestock(s, fam.hid, 2014, {"cattle": 4, "cows": 2, "sheep": 30})
        farm.save_land(s, fam.hid, 2014, [farm.PlotData("household_plot", 1200)])
        farm.save_livestock(s, fam.hid, 2016, {"cattle": 2, "cows": 1, "sheep": 12})
        new = mv.split_household(s, fam.hid, members=[fam.son, fam.dil, kid], new_head_id=fam.son,
                                 new_household=HouseholdData("0002", fam.village), on=D(2015, 5, 5)).household_id
        farm.save_livestock(s, new, 2016, {"cattle": 2, "cows": 1, "sheep": 18})
    return fam, new, kid


def _names(card: asof.CardAsOf) -> dict[str, str]:
    return {m.member.person.data.given_name: m.member.relation for m in card.members}


def test_card_as_of_before_and_after_the_split(db, split):
    fam, new, _kid = split
    with db.session() as s:
        before = asof.card_as_of(s, fam.hid, D(2015, 5, 4))
        after = asof.card_as_of(s, fam.hid, D(2015, 5, 5))
        young_before = asof.card_as_of(s, new, D(2015, 5, 4))
        young_after = asof.card_as_of(s, new, D(2016, 2, 1))
    assert _names(before) == {"Бакыт": "head", "Айгүл": "spouse", "Нурлан": "son", "Жыпар": "daughter_in_law",
                              "Эмир": "grandson"}
    assert _names(after) == {"Бакыт": "head", "Айгүл": "spouse"}
    assert before.status == after.status == "open"
    assert before.head.member.person.data.given_name == "Бакыт"
    # Land and livestock in force: the latest 1 January on or before the date.
    assert (before.livestock_year, before.livestock["sheep"], before.land_year) == (2014, 30, 2014)
    assert before.land[0].area_m2 == 1200
    assert (after.livestock_year, after.livestock["sheep"]) == (2014, 30)
    assert (young_before.status, young_before.members, young_before.livestock_year) == ("not_opened", (), None)
    assert _names(young_after) == {"Нурлан": "head", "Жыпар": "spouse", "Эмир": "son"}
    assert (young_after.livestock_year, young_after.livestock["sheep"]) == (2016, 18)
    with db.session() as s:
        on_2016 = asof.card_as_of(s, fam.hid, D(2016, 1, 1))
    assert (on_2016.livestock_year, on_2016.livestock["sheep"]) == (2016, 12)


def test_household_list_and_counts_as_of_a_date(db, split):
    fam, new, _kid = split
    with db.session() as s:
        page = asof.households_as_of(s, HouseholdFilter(status="open"), D(2015, 5, 4))
        later = asof.households_as_of(s, HouseholdFilter(status="open"), D(2015, 5, 5))
        by_name = search.search_households(s, HouseholdFilter(text="Нурлан", as_of=D(2016, 1, 1)))
        early = asof.households_as_of(s, HouseholdFilter(), D(2000, 6, 1))
    assert [(r.account_number, r.head, r.members) for r in page.rows] == [
        ("0001", "Асанов Бакыт", 5), ("0009", "Ниязов Темир", 1)]
    assert [(r.account_number, r.head, r.members) for r in later.rows] == [
        ("0001", "Асанов Бакыт", 2), ("0002", "Асанов Нурлан", 3), ("0009", "Ниязов Темир", 1)]
    assert [r.account_number for r in by_name.rows] == ["0001", "0002"]  # he is found where he lived, too
    assert [(r.account_number, r.members) for r in early.rows] == [("0001", 3)]  # 0009 opened in 2001

    with db.session() as s:
        st_before = asof.stats_as_of(s, D(2015, 5, 4))
        st_after = asof.stats_as_of(s, D(2015, 5, 5))
        st_2009 = asof.stats_as_of(s, D(2009, 12, 31))
    assert st_before.households == {"open": 2, "closed": 0}
    assert st_after.households == {"open": 3, "closed": 0}
    assert st_before.persons["living"] == st_after.persons["living"] == 6  # a split moves nobody out of the book
    assert st_2009.persons["living"] == 5  # the grandson was not born yet
    assert (st_after.livestock_year, st_after.livestock["sheep"]) == (2014, 30)


def test_absence_death_and_closing_as_of(db):
    fam = build_family(db)
    with db.session(ACTOR) as s:
        mv.record_departure(s, fam.son, on=D(2019, 4, 1), temporary=True, place="Москва")
        mv.record_arrival(s, on=D(2021, 8, 1), place="Москва", household_id=fam.hid, person_id=fam.son)
        mv.record_death(s, fam.head, on=D(2020, 2, 10))
        mv.close_household(s, fam.other, on=D(2018, 1, 1), reason="көчүп кетишти")
    with db.session() as s:
        during = asof.card_as_of(s, fam.hid, D(2020, 1, 1))
        after = asof.card_as_of(s, fam.hid, D(2022, 1, 1))
        closed = asof.card_as_of(s, fam.other, D(2019, 1, 1))
        was_open = asof.card_as_of(s, fam.other, D(2017, 12, 31))
        st = asof.stats_as_of(s, D(2020, 3, 1))
    assert {m.member.person.data.given_name: m.status for m in during.members}["Нурлан"] == "temporarily_absent"
    assert {m.member.person.data.given_name: m.status for m in after.members}["Нурлан"] == "living"
    assert "Бакыт" in _names(during) and "Бакыт" not in _names(after)
    assert (closed.status, was_open.status) == ("closed", "open")
    assert st.households == {"open": 1, "closed": 1}
    assert st.persons == {"living": 3, "temporarily_absent": 1, "left": 0, "deceased": 1}
    with db.session() as s:
        listed = asof.households_as_of(s, HouseholdFilter(status="closed"), D(2019, 1, 1))
        not_yet = asof.households_as_of(s, HouseholdFilter(status="closed"), D(2017, 1, 1))
    assert [(r.account_number, r.status) for r in listed.rows] == [("0009", "closed")]
    assert not_yet.rows == []


def test_counts_as_of_today_agree_with_the_book_counts(db, split):
    fam, new, kid = split
    with db.session(ACTOR) as s:
        mv.record_departure(s, fam.wife, on=D(2020, 1, 1), temporary=False, place="Бишкек")
        mv.record_departure(s, kid, on=D(2021, 1, 1), temporary=True, place="Ош")
        mv.record_death(s, fam.head, on=D(2022, 1, 1))
    with db.session() as s:
        now = asof.stats_as_of(s, dt.date.today())
        book = stats.book_stats(s)
    assert now.persons == book.persons == {"living": 3, "temporarily_absent": 1, "left": 1, "deceased": 1}
    assert now.households == book.households
    assert (now.livestock_year, now.livestock) == (book.livestock_year, book.livestock)


def test_year_in_force_and_household_status_rules():
    assert asof.year_in_force([2014, 2016, 2017], D(2016, 12, 31)) == 2016
    assert asof.year_in_force([2014, 2016], D(2013, 12, 31)) is None
    assert asof.year_in_force([2016], D(2016, 1, 1)) == 2016
    assert asof.household_status_on(D(2010, 1, 1), None, D(2009, 1, 1)) == "not_opened"
    assert asof.household_status_on(D(2010, 1, 1), D(2012, 1, 1), D(2012, 1, 1)) == "closed"
    assert asof.household_status_on(None, D(2012, 1, 1), D(2011, 12, 31)) == "open"


def test_an_empty_household_card_as_of(db):
    fam = build_family(db)
    with db.session() as s:
        card = asof.card_as_of(s, fam.other, D(2000, 12, 31))
        today = asof.card_as_of(s, fam.other, dt.date.today())
    assert (card.status, card.members, card.head) == ("not_opened", (), None)
    assert today.head.member.person.data.given_name == "Темир"
    assert isinstance(today.card, households.HouseholdCard)
