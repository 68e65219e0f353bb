"""The 1 January round: pre-fill from Y−1, independence of Y−1, idempotent start, progress, resuming."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from okmot.errors import NotFoundError, ValidationError
from okmot.models import LandPlot, LivestockCount, RoundVisit
from okmot.services import annual_round as ar, farm, households, movements as mv, territory
from okmot.services.farm import PlotData
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData
from tests.test_movements import ACTOR, build_family

Y = dt.date.today().year
D = dt.date


@pytest.fixture
def fam(db):
    fam = build_family(db)
    with db.session(ACTOR) as s:
        farm.save_land(s, fam.hid, Y - 1, [PlotData("household_plot", 1200, "акт 5"), PlotData("pasture", 30000)])
        farm.save_livestock(s, fam.hid, Y - 1, {"cattle": 4, "cows": 2, "sheep": 30})
        farm.save_livestock(s, fam.other, Y - 1, {"horses": 1})
        v2 = territory.create_village(s, aimak_id=territory.home_office(s).id, code="02", name_ky="Көк-Жар",
                                      name_ru="Кок-Жар")
        fam.third, _c = households.create_household(s, HouseholdData("0003", v2.id, opened_on=D(2005, 1, 1)),
                                                    head=PersonData("Үсөнов", "Канат", "M"))
        gone, _c = households.create_household(s, HouseholdData("0004", v2.id, opened_on=D(2005, 1, 1)))
        mv.close_household(s, gone, on=D(Y - 1, 6, 1), reason="көчүп кетишти")
        farm.save_livestock(s, gone, Y - 1, {"sheep": 3})
    return fam


def _snapshot(s, year):
    land = sorted((p.household_id, p.id, p.version, p.category, p.area_m2) for p in s.scalars(
        select(LandPlot).where(LandPlot.year == year)))
    stock = sorted((c.household_id, c.id, c.version, c.species, c.heads) for c in s.scalars(
        select(LivestockCount).where(LivestockCount.year == year)))
    return land, stock


def test_start_prefills_year_from_the_previous_one_and_is_idempotent(db, fam):
    with db.session(ACTOR) as s:
        info = ar.start_round(s, Y)
    assert (info.year, info.households, info.prefilled) == (Y, 3, 2)  # 0004 closed before 1 January
    with db.session() as s:
        assert farm.livestock_by_year(s, fam.hid)[Y] == {"cattle": 4, "cows": 2, "sheep": 30}
        assert [(p.category, p.area_m2, p.document) for p in farm.land_by_year(s, fam.hid)[Y]] == [
            ("household_plot", 1200, "акт 5"), ("pasture", 30000, "")]
        assert farm.livestock_by_year(s, fam.other)[Y] == {"horses": 1}
        assert Y not in farm.livestock_by_year(s, fam.third)
        first = _snapshot(s, Y)
    with db.session(ACTOR) as s:
        again = ar.start_round(s, Y)
    assert again.prefilled == 0 and again.started_on == info.started_on
    with db.session() as s:
        assert _snapshot(s, Y) == first  # nothing duplicated, nothing rewritten
        assert ar.started_years(s) == (Y,)


def test_confirming_year_y_never_changes_the_previous_year(db, fam):
    with db.session(ACTOR) as s:
        ar.start_round(s, Y)
    with db.session() as s:
        before = _snapshot(s, Y - 1)
        form = ar.round_form(s, Y, fam.hid)
    assert form.previous_livestock == {"cattle": 4, "cows": 2, "sheep": 30}
    assert form.livestock == {"cattle": 4, "cows": 2, "sheep": 30}
    land = [p for p in form.land if p.category == "household_plot"]
    with db.session(ACTOR) as s:
        ar.confirm_household(s, Y, fam.hid, land, {**form.livestock, "sheep": 41, "cows": 1}, note="кой көбөйдү")
    with db.session() as s:
        assert _snapshot(s, Y - 1) == before
        assert farm.livestock_by_year(s, fam.hid)[Y - 1] == {"cattle": 4, "cows": 2, "sheep": 30}
        assert farm.livestock_by_year(s, fam.hid)[Y] == {"cattle": 4, "cows": 1, "sheep": 41}
        assert [p.area_m2 for p in farm.land_by_year(s, fam.hid)[Y]] == [1200]
        assert len(farm.land_by_year(s, fam.hid)[Y - 1]) == 2
        again = ar.round_form(s, Y, fam.hid)
        visit = s.scalar(select(RoundVisit).where(RoundVisit.household_id == fam.hid))
    assert again.livestock["sheep"] == 41 and again.visited_on == dt.date.today() and again.note == "кой көбөйдү"
    assert (visit.year, visit.visited_on) == (Y, dt.date.today())


def test_progress_per_village_list_to_do_and_resuming(db, fam):
    with db.session(ACTOR) as s:
        ar.start_round(s, Y)
    with db.session() as s:
        progress = ar.progress(s, Y)
        todo = ar.round_households(s, Y)
    assert [(v.name_ky, v.visited, v.total, v.not_yet) for v in progress.villages] == [
        ("Ак-Суу", 0, 2, 2), ("Көк-Жар", 0, 1, 1)]
    assert [(r.account_number, r.head) for r in todo] == [("0001", "Асанов Бакыт"), ("0003", "Үсөнов Канат"),
                                                         ("0009", "Ниязов Темир")]
    for hid in (fam.hid, fam.other):
        with db.session(ACTOR) as s:  # one visit per unit of work, as the clerk goes from house to house
            form = ar.round_form(s, Y, hid)
            ar.confirm_household(s, Y, hid, list(form.land), form.livestock)
    # Another day: the round resumes where it stopped; a household opened meanwhile joins it.
    with db.session(ACTOR) as s:
        newcomer = mv.record_arrival(s, on=dt.date.today(), place="Нарын", new_household=HouseholdData(
            "0005", fam.village), person=PersonData("Бекова", "Асел", "F")).household_id
    with db.session() as s:
        progress = ar.progress(s, Y)
        todo = ar.round_households(s, Y)
        everyone = ar.round_households(s, Y, only_to_do=False)
        form = ar.round_form(s, Y, newcomer)
    assert [(v.name_ky, v.visited, v.total) for v in progress.villages] == [("Ак-Суу", 2, 3), ("Көк-Жар", 0, 1)]
    assert (progress.visited, progress.total) == (2, 4)
    assert [r.account_number for r in todo] == ["0003", "0005"]
    assert {r.account_number: r.visited_on for r in everyone}["0001"] == dt.date.today()
    assert (form.land, form.livestock, form.visited_on) == ((), {}, None)
    with db.session() as s:
        only_second = ar.round_households(s, Y, village_id=progress.villages[1].village_id)
    assert [r.account_number for r in only_second] == ["0003"]


def test_round_refusals(db, fam):
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            ar.confirm_household(s, Y, fam.hid, [], {})
    assert "not been started" in exc.value.fields["year"]
    with pytest.raises(ValidationError):
        with db.session(ACTOR) as s:
            ar.start_round(s, Y + 2)
    with db.session(ACTOR) as s:
        ar.start_round(s, Y)
    gone = None
    with db.session() as s:
        gone = households.household_id_by_account(s, "0004")
    with pytest.raises(NotFoundError):
        with db.session() as s:
            ar.round_form(s, Y, gone)
    with pytest.raises(ValidationError) as exc:  # a bad count saves nothing and marks no visit
        with db.session(ACTOR) as s:
            ar.confirm_household(s, Y, fam.hid, [], {"cattle": 1, "cows": 3})
    assert "cows" in exc.value.fields
    with db.session() as s:
        assert s.scalar(select(RoundVisit.id)) is None
        assert len(farm.land_by_year(s, fam.hid)[Y]) == 2
