"""Data-quality dashboard: reasons per household, the score, totals per village, the work list."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from okmot.errors import ValidationError
from okmot.models import LandPlot, LivestockCount, Person, RoundVisit
from okmot.services import farm, households, persons, quality
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData
from tests import village

YEAR = dt.date.today().year


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=4)
    yield context
    context.close()


def _codes(h) -> set[str]:
    return {p.code for p in h.problems}


def test_reasons_score_totals_and_work_list(ctx):
    with ctx.read() as s:
        h1, h2, h3, h4 = (households.household_id_by_account(s, a) for a in ("0001", "0002", "0003", "0004"))
        v1 = households.get_card(s, h1).data.village_id
    with ctx.write() as s:
        # Everyone gets a PIN: the village's wives have none.
        for i, hid in enumerate((h1, h2, h3, h4)):
            wife = next(m for m in households.get_card(s, hid).members if m.relation == "spouse")
            p = s.get(Person, wife.person.id)
            p.pin = f"1020119750{i:04d}"
        # 0002: a child without birth date; a PIN that disagrees (legacy data, no reason recorded).
        households.add_member(s, h2, PersonData("Өмүрбеков", "Нурсултан", "M"), relation="son")
        head2 = households.get_card(s, h2).head.person.id
        s.get(Person, head2).pin = "11505197100001"
        # 0003: land without area, cows more than cattle, Latin letter in a name.
        s.add(LandPlot(household_id=h3, year=YEAR, category="pasture", area_m2=0))
        s.get(Person, households.get_card(s, h3).head.person.id).surname = "Үсөнoв"
        row = s.query(LivestockCount).filter_by(household_id=h3, year=YEAR, species="cows").one()
        row.heads = 9
        # A new single-person household without head and without livestock.
        h5, _c = households.create_household(s, HouseholdData("0005", v1))
        households.add_member(s, h5, PersonData("Жумабаев", "Азат", "M", birth_date=dt.date(2000, 2, 2),
                                                pin="20202200000001"), relation="son")
    with ctx.read() as s:
        report = quality.quality_report(s)
        by = {h.account_number: h for h in report.households}
    assert by["0001"].problems == () and by["0001"].score == 100 and by["0004"].complete
    assert _codes(by["0002"]) == {"missing_birth_date", "pin_disagreement"}
    [mismatch] = [p for p in by["0002"].problems if p.code == "pin_disagreement"]
    # The very message the member form shows for the same record.
    with ctx.read() as s:
        data = persons.to_data(s.get(Person, head2))
        with pytest.raises(ValidationError) as raised:
            persons.validated(s, data, person_id=head2)
    assert mismatch.message.endswith(raised.value.fields["pin"]) and mismatch.person_id == head2
    assert _codes(by["0003"]) == {"land_without_area", "livestock_invalid", "latin_letters"}
    assert {p.section for p in by["0003"].problems} == {"land", "livestock", "members"}
    assert _codes(by["0005"]) == {"no_head", "single_person", "livestock_not_updated"}
    assert by["0005"].score < by["0002"].score < 100
    assert [h.account_number for h in report.work_list][0] == "0005"
    assert {h.account_number for h in report.work_list} == {"0002", "0003", "0005"}
    v1_row = next(v for v in report.villages if v.village_id == v1)
    assert (v1_row.name_ky, v1_row.households, v1_row.complete) == ("Ак-Суу", 3, 1)
    assert v1_row.by_reason["no_head"] == 1 and v1_row.by_reason["land_without_area"] == 1
    assert report.total.households == 5 and report.total.complete == 2
    assert report.total.by_reason["single_person"] == 1


def test_single_person_is_information_not_a_fault(ctx):
    with ctx.write() as s:
        hid = households.household_id_by_account(s, "0001")
        wife = next(m for m in households.get_card(s, hid).members if m.relation == "spouse")
        households.update_member(s, hid, wife.person.id, dataclasses.replace(
            wife.person.data, residence_status="deceased", status_date=dt.date(2024, 1, 1)), relation="spouse")
    with ctx.read() as s:
        h = quality.quality_report(s, household_ids=[hid]).households[0]
    assert _codes(h) == {"single_person"} and h.complete and h.score == 100


def test_round_visit_counts_as_livestock_update(ctx):
    with ctx.write() as s:
        hid = households.household_id_by_account(s, "0001")
        next_year = YEAR + 1
        farm.save_land(s, hid, next_year, [farm.PlotData("household_plot", 900)])
    with ctx.read() as s:
        assert "livestock_not_updated" in _codes(quality.quality_report(s, year=next_year,
                                                                          household_ids=[hid]).households[0])
    with ctx.write() as s:
        s.add(RoundVisit(year=next_year, household_id=hid, visited_on=dt.date.today()))
    with ctx.read() as s:
        assert "livestock_not_updated" not in _codes(quality.quality_report(s, year=next_year,
                                                                              household_ids=[hid]).households[0])
