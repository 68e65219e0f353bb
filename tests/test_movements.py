"""Movements of the household book: each verb, the stays and statuses it leaves, and the history it writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from okmot.db.engine import Actor, Database
from okmot.errors import ValidationError
from okmot.models import Household, Membership, Movement, Person
from okmot.services import households, movements as mv, persons, territory
from okmot.services.households import HouseholdData
from okmot.services.movements import Basis
from okmot.services.persons import PersonData

ACTOR = Actor(user_id=uuid.UUID("11111111-2222-3333-4444-555555555555"), username="aigul")
D = dt.date


@dataclass
class Family:
    """Household 0001: Бакыт (head, 1950), Айгүл (spouse), Нурлан (son, 1980), Жыпар (his wife, 1985)."""

    db: Database
    village: uuid.UUID
    hid: uuid.UUID
    head: uuid.UUID
    wife: uuid.UUID
    son: uuid.UUID
    dil: uuid.UUID
    other: uuid.UUID  # household 0009, Ниязов Темир alone


def build_family(db: Database) -> Family:
    with db.session(ACTOR) as s:
        office = territory.create_office(s, code="417001", name_ky="Ак-Суу айыл аймагы", name_ru="Ак-Суйский")
        village = territory.create_village(s, aimak_id=office.id, code="01", name_ky="Ак-Суу", name_ru="Ак-Суу")
        hid, _c = households.create_household(
            s, HouseholdData("0001", village.id, opened_on=D(2000, 1, 1)),
            head=PersonData("Асанов", "Бакыт", "M", father_name="Асан", birth_date=D(1950, 5, 12)))
        head = households.get_card(s, hid).head.person.id
        add = lambda data, rel, since=D(2000, 1, 1): households.add_member(  # noqa: E731
            s, hid, data, relation=rel, from_date=since)[0]
        wife = add(PersonData("Асанова", "Айгүл", "F", birth_date=D(1955, 2, 1)), "spouse")
        son = add(PersonData("Асанов", "Нурлан", "M", birth_date=D(1980, 3, 1)), "son")
        dil = add(PersonData("Асанова", "Жыпар", "F", birth_date=D(1985, 4, 1)), "daughter_in_law", D(2005, 9, 1))
        other, _c = households.create_household(
            s, HouseholdData("0009", village.id, opened_on=D(2001, 1, 1)),
            head=PersonData("Ниязов", "Темир", "M", birth_date=D(1960, 1, 1)))
    return Family(db, village.id, hid, head, wife, son, dil, other)


@pytest.fixture
def fam(db: Database) -> Family:
    return build_family(db)


def members_on(db: Database, hid: uuid.UUID, on: dt.date) -> dict[str, str]:
    with db.session() as s:
        return {m.person.data.given_name: m.relation for m in households.members_as_of(s, hid, on)}


def history(db: Database, hid: uuid.UUID) -> list[mv.HistoryEntry]:
    with db.session() as s:
        return list(mv.household_history(s, hid))


def person(db: Database, pid: uuid.UUID) -> PersonData:
    with db.session() as s:
        return persons.get_person(s, pid).data


# --------------------------------------------------------------------------- birth


def test_birth_adds_a_member_linked_to_the_mother_with_a_derived_relation(fam):
    with fam.db.session(ACTOR) as s:
        grandson = mv.record_birth(s, fam.hid, PersonData("Асанов", "Эмир", "M", birth_date=D(2010, 3, 3)),
                                   mother_id=fam.dil, act_number="АЗ-123",
                                   basis=Basis("birth_certificate", "I-АН 004512", "ЗАГС Ак-Суу"))
        daughter = mv.record_birth(s, fam.hid, PersonData("Асанова", "Бермет", "F", birth_date=D(2001, 6, 1),
                                                          pin="10106200100017"), mother_id=fam.wife)
    assert members_on(fam.db, fam.hid, D(2010, 3, 2)).get("Эмир") is None
    assert members_on(fam.db, fam.hid, D(2010, 3, 3))["Эмир"] == "grandson"
    assert members_on(fam.db, fam.hid, D(2010, 3, 3))["Бермет"] == "daughter"
    assert person(fam.db, daughter.person_id).pin == "10106200100017"
    assert person(fam.db, grandson.person_id).pin == ""  # a newborn's PIN is optional

    births = [e for e in history(fam.db, fam.hid) if e.kind == "birth"]
    assert [(e.on_date, e.person_name, e.other_person_name) for e in births] == [
        (D(2001, 6, 1), "Асанова Бермет", "Асанова Айгүл"), (D(2010, 3, 3), "Асанов Эмир", "Асанова Жыпар")]
    e = births[1]
    assert (e.act_number, e.basis_kind, e.basis_number, e.basis_text) == (
        "АЗ-123", "birth_certificate", "I-АН 004512", "ЗАГС Ак-Суу")
    assert e.recorded_by == "aigul" and e.account_number == "0001"
    assert "birth certificate I-АН 004512" in e.basis
    with fam.db.session() as s:
        mother_story = mv.person_history(s, fam.dil)
    assert [(h.kind, h.person_name) for h in mother_story] == [("birth", "Асанов Эмир")]


def test_birth_is_refused_with_reasons_and_nothing_written(fam):
    cases = [
        (dict(child=PersonData("Асанов", "Бала", "M", birth_date=dt.date.today() + dt.timedelta(days=1)),
              mother_id=fam.dil), "birth_date"),
        (dict(child=PersonData("Асанов", "Бала", "M"), mother_id=fam.dil), "birth_date"),
        (dict(child=PersonData("Асанов", "Бала", "M", birth_date=D(2003, 1, 1)), mother_id=fam.dil), "mother"),
        (dict(child=PersonData("Асанов", "Бала", "M", birth_date=D(2010, 1, 1)), mother_id=fam.son), "mother"),
        (dict(child=PersonData("Асанов", "Бала", "M", birth_date=D(2010, 1, 1))), "relation"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            with fam.db.session(ACTOR) as s:
                mv.record_birth(s, fam.hid, kwargs.pop("child"), **kwargs)
        assert field in exc.value.fields, (kwargs, exc.value.fields)
    with fam.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Movement).where(Movement.kind == "birth")) == 0
        assert s.scalar(select(func.count()).select_from(Person)) == 5


# --------------------------------------------------------------------------- death


def test_death_ends_the_stay_keeps_the_person_and_a_cancellation_undoes_it(fam):
    with fam.db.session(ACTOR) as s:
        result = mv.record_death(s, fam.head, on=D(2020, 2, 10), act_number="№ 77",
                                 basis=Basis("death_certificate", "II-АН 1"))
    assert "no head" in result.notices[0]
    assert person(fam.db, fam.head).residence_status == "deceased"
    assert person(fam.db, fam.head).status_date == D(2020, 2, 10)
    assert "Бакыт" in members_on(fam.db, fam.hid, D(2020, 2, 9))
    assert "Бакыт" not in members_on(fam.db, fam.hid, D(2020, 2, 10))
    death = history(fam.db, fam.hid)[-1]
    assert (death.kind, death.on_date, death.act_number, death.person_name) == (
        "death", D(2020, 2, 10), "№ 77", "Асанов Бакыт")

    with pytest.raises(ValidationError):
        with fam.db.session(ACTOR) as s:
            mv.record_death(s, fam.head, on=D(2021, 1, 1))  # already deceased
    with pytest.raises(ValidationError) as exc:
        with fam.db.session(ACTOR) as s:
            mv.correct_movement(s, death.id, reason="  ", cancel=True)
    assert set(exc.value.fields) == {"reason"}

    with fam.db.session(ACTOR) as s:
        mv.correct_movement(s, death.id, reason="ката жазылган: башка адам", cancel=True)
    assert person(fam.db, fam.head).residence_status == "living"
    assert members_on(fam.db, fam.hid, dt.date.today())["Бакыт"] == "head"
    entries = history(fam.db, fam.hid)
    original = next(e for e in entries if e.id == death.id)
    assert original.cancelled and len(original.corrected_by) == 1
    fix = next(e for e in entries if e.kind == "cancellation")
    assert (fix.corrects_id, fix.note, fix.on_date) == (death.id, "ката жазылган: башка адам", D(2020, 2, 10))
    with pytest.raises(ValidationError):
        with fam.db.session(ACTOR) as s:
            mv.correct_movement(s, death.id, reason="дагы", cancel=True)


def test_a_correction_moves_the_date_of_death_and_the_stay_with_it(fam):
    with fam.db.session(ACTOR) as s:
        death_id = mv.record_death(s, fam.wife, on=D(2020, 2, 10)).movement_ids[0]
    with fam.db.session(ACTOR) as s:
        mv.correct_movement(s, death_id, reason="күбөлүк боюнча", on_date=D(2020, 1, 30), act_number="№ 78")
    assert person(fam.db, fam.wife).status_date == D(2020, 1, 30)
    assert "Айгүл" not in members_on(fam.db, fam.hid, D(2020, 2, 1))
    fix = history(fam.db, fam.hid)[-2]  # sorted by date: the correction carries the right one
    assert (fix.kind, fix.on_date, fix.act_number) == ("correction", D(2020, 1, 30), "№ 78")


# --------------------------------------------------------------------------- departure and arrival


def test_temporary_departure_keeps_the_stay_and_the_return_ends_the_absence(fam):
    with pytest.raises(ValidationError) as exc:
        with fam.db.session(ACTOR) as s:
            mv.record_departure(s, fam.son, on=D(2019, 4, 1), temporary=True)
    assert set(exc.value.fields) == {"place"}
    with fam.db.session(ACTOR) as s:
        mv.record_departure(s, fam.son, on=D(2019, 4, 1), temporary=True, place="Москва", country="Россия",
                            basis=Basis("application"))
    assert person(fam.db, fam.son).residence_status == "temporarily_absent"
    assert "Нурлан" in members_on(fam.db, fam.hid, D(2019, 6, 1))
    with fam.db.session(ACTOR) as s:
        mv.record_arrival(s, on=D(2021, 8, 1), place="Москва", household_id=fam.hid, person_id=fam.son)
    assert person(fam.db, fam.son).residence_status == "living"
    kinds = [(e.kind, e.temporary, e.where) for e in history(fam.db, fam.hid)]
    assert kinds == [("departure", True, "Москва, Россия"), ("arrival", True, "Москва")]


def test_permanent_departure_ends_the_stay_and_a_former_resident_can_come_back(fam):
    with fam.db.session(ACTOR) as s:
        mv.record_departure(s, fam.dil, on=D(2018, 5, 5), temporary=False, place="Бишкек")
    assert person(fam.db, fam.dil).residence_status == "left"
    assert "Жыпар" not in members_on(fam.db, fam.hid, D(2018, 5, 5))
    with fam.db.session(ACTOR) as s:
        mv.record_arrival(s, on=D(2022, 1, 10), place="Бишкек", household_id=fam.hid, person_id=fam.dil,
                          relation="daughter_in_law")
    assert members_on(fam.db, fam.hid, D(2022, 1, 10))["Жыпар"] == "daughter_in_law"
    assert "Жыпар" not in members_on(fam.db, fam.hid, D(2020, 1, 1))
    with fam.db.session() as s:
        assert [e.kind for e in mv.person_history(s, fam.dil)] == ["departure", "arrival"]


def test_arrival_of_a_newcomer_into_a_household_and_into_a_new_one(fam):
    with fam.db.session(ACTOR) as s:
        r = mv.record_arrival(s, on=D(2015, 3, 1), place="Токтогул району", household_id=fam.hid,
                              person=PersonData("Асанова", "Гүлзат", "F", birth_date=D(1930, 1, 1)),
                              relation="mother", basis=Basis("address_sheet", "45"))
        own = mv.record_arrival(s, on=D(2016, 7, 1), country="Казакстан", new_household=HouseholdData("0010", fam.village),
                                person=PersonData("Сыдыков", "Марат", "M", birth_date=D(1975, 1, 1)))
    assert members_on(fam.db, fam.hid, D(2015, 3, 1))["Гүлзат"] == "mother"
    with fam.db.session() as s:
        card = households.get_card(s, own.household_id)
        assert (card.data.account_number, card.data.opened_on) == ("0010", D(2016, 7, 1))
        assert card.head.person.id == own.person_id
        assert [(e.kind, e.country) for e in mv.household_history(s, own.household_id)] == [("arrival", "Казакстан")]
    with pytest.raises(ValidationError) as exc:  # already lives in the book: a transfer, not an arrival
        with fam.db.session(ACTOR) as s:
            mv.record_arrival(s, on=D(2020, 1, 1), place="x", household_id=fam.other, person_id=fam.son)
    assert "transfer" in exc.value.fields["person"]


# --------------------------------------------------------------------------- transfer, split, head


def test_transfer_keeps_both_stays_and_shows_in_both_histories(fam):
    with fam.db.session(ACTOR) as s:
        mv.transfer_member(s, fam.wife, to_household_id=fam.other, relation="spouse", on=D(2012, 6, 1))
    assert "Айгүл" in members_on(fam.db, fam.hid, D(2012, 5, 31))
    assert "Айгүл" not in members_on(fam.db, fam.hid, D(2012, 6, 1))
    assert members_on(fam.db, fam.other, D(2012, 6, 1))["Айгүл"] == "spouse"
    out = history(fam.db, fam.hid)[-1]
    came = history(fam.db, fam.other)[-1]
    assert out.id == came.id and (out.direction, came.direction) == ("out", "in")
    assert (out.account_number, out.other_account_number) == ("0001", "0009")
    with fam.db.session() as s:
        ended = s.scalar(select(Membership).where(Membership.person_id == fam.wife, Membership.household_id == fam.hid))
        assert (ended.to_date, ended.end_reason) == (D(2012, 6, 1), "transferred")
    # A head leaving needs someone to take over.
    with pytest.raises(ValidationError) as exc:
        with fam.db.session(ACTOR) as s:
            mv.transfer_member(s, fam.head, to_household_id=fam.other, relation="brother", on=D(2013, 1, 1))
    assert set(exc.value.fields) == {"new_head"}


def test_split_moves_members_with_their_history_into_a_new_account(fam):
    with fam.db.session(ACTOR) as s:
        kid = mv.record_birth(s, fam.hid, PersonData("Асанов", "Эмир", "M", birth_date=D(2010, 3, 3)),
                              mother_id=fam.dil).person_id
        result = mv.split_household(s, fam.hid, members=[fam.son, fam.dil, kid], new_head_id=fam.son,
                                    new_household=HouseholdData("0002", fam.village, house_number="14"),
                                    on=D(2015, 5, 5), basis=Basis("application", "12"))
    new = result.household_id
    assert members_on(fam.db, new, D(2015, 5, 5)) == {"Нурлан": "head", "Жыпар": "spouse", "Эмир": "son"}
    assert members_on(fam.db, fam.hid, D(2015, 5, 5)) == {"Бакыт": "head", "Айгүл": "spouse"}
    assert members_on(fam.db, fam.hid, D(2015, 5, 4))["Эмир"] == "grandson"
    assert members_on(fam.db, new, D(2015, 5, 4)) == {}
    with fam.db.session() as s:
        assert households.get_card(s, new).data.opened_on == D(2015, 5, 5)
        kid_story = [(e.kind, e.account_number, e.other_account_number) for e in mv.person_history(s, kid)]
    assert kid_story == [("birth", "0001", ""), ("split", "0001", "0002")]
    new_story = history(fam.db, new)
    assert {(e.kind, e.direction, e.person_name) for e in new_story} == {
        ("split", "in", "Асанов Нурлан"), ("split", "in", "Асанова Жыпар"), ("split", "in", "Асанов Эмир")}
    assert all(e.basis_number == "12" and e.other_person_name == "Асанов Нурлан" for e in new_story)


def test_split_refusals_leave_nothing_behind(fam):
    bad = [
        (dict(members=[fam.son], new_head_id=fam.dil), "new_head"),
        (dict(members=[], new_head_id=fam.son), "members"),
        (dict(members=[fam.head, fam.wife, fam.son, fam.dil], new_head_id=fam.son), "members"),
        (dict(members=[fam.head, fam.wife], new_head_id=fam.head), "old_head"),
        (dict(members=[fam.son, fam.dil], new_head_id=fam.son, relations={fam.dil: "head"}), "relation"),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as exc:
            with fam.db.session(ACTOR) as s:
                mv.split_household(s, fam.hid, new_household=HouseholdData("0002", fam.village), on=D(2015, 5, 5),
                                   **kwargs)
        assert field in exc.value.fields
    with fam.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 2
        assert s.scalar(select(func.count()).select_from(Movement)) == 0
    assert len(members_on(fam.db, fam.hid, dt.date.today())) == 4


def test_split_where_the_old_head_leaves_names_a_new_head(fam):
    with fam.db.session(ACTOR) as s:
        mv.split_household(s, fam.hid, members=[fam.head, fam.wife], new_head_id=fam.head, old_head_id=fam.son,
                           new_household=HouseholdData("0002", fam.village), on=D(2016, 1, 10))
    assert members_on(fam.db, fam.hid, D(2016, 1, 10)) == {"Нурлан": "head", "Жыпар": "spouse"}
    assert members_on(fam.db, fam.hid, D(2016, 1, 9))["Бакыт"] == "head"
    kinds = [e.kind for e in history(fam.db, fam.hid)]
    assert kinds == ["head_change", "split", "split"]


def test_change_of_head_rederives_relations_and_keeps_who_was_head(fam):
    with fam.db.session(ACTOR) as s:
        mv.record_death(s, fam.head, on=D(2020, 2, 10))
    with fam.db.session(ACTOR) as s:
        mv.change_head(s, fam.hid, fam.son, on=D(2020, 3, 1), basis=Basis("application"))
    assert members_on(fam.db, fam.hid, D(2020, 3, 1)) == {"Нурлан": "head", "Айгүл": "mother", "Жыпар": "spouse"}
    assert members_on(fam.db, fam.hid, D(2020, 2, 28)) == {"Нурлан": "son", "Айгүл": "spouse",
                                                          "Жыпар": "daughter_in_law"}
    change = history(fam.db, fam.hid)[-1]
    assert (change.kind, change.person_name) == ("head_change", "Асанов Нурлан")
    with pytest.raises(ValidationError) as exc:
        with fam.db.session(ACTOR) as s:
            mv.change_head(s, fam.hid, fam.son, on=D(2020, 4, 1))
    assert "already the head" in exc.value.fields["new_head"]
    with fam.db.session() as s:
        card = households.get_card(s, fam.hid)
    assert card.head.person.id == fam.son
    assert {(m.person.data.given_name, m.relation) for m in card.current_members} == {
        ("Нурлан", "head"), ("Айгүл", "mother"), ("Жыпар", "spouse")}


def test_relation_rules():
    assert mv.child_relation("head", "F") == "daughter"
    assert mv.child_relation("daughter_in_law", "M") == "grandson"
    assert mv.child_relation("sister", "M") == "other_relative"
    assert mv.relation_to_new_head("son", "head", "M") == "father"
    assert mv.relation_to_new_head("son", "spouse", "F") == "mother"
    assert mv.relation_to_new_head("son", "daughter", "F") == "sister"
    assert mv.relation_to_new_head("spouse", "head", "M") == "spouse"
    assert mv.relation_to_new_head("spouse", "son", "M") == "son"


# --------------------------------------------------------------------------- closing, form edits


def test_close_and_reopen_are_movements(fam):
    with fam.db.session(ACTOR) as s:
        mv.close_household(s, fam.other, on=D(2019, 1, 1), reason="көчүп кетишти", basis=Basis("application", "7"))
    with fam.db.session(ACTOR) as s:
        mv.reopen_household(s, fam.other, on=D(2020, 1, 1))
    entries = history(fam.db, fam.other)
    assert [(e.kind, e.on_date) for e in entries] == [("close", D(2019, 1, 1)), ("reopen", D(2020, 1, 1))]
    assert entries[0].note == "көчүп кетишти" and entries[0].basis_number == "7"
    assert entries[1].note == "01.01.2019: көчүп кетишти"
    with fam.db.session(ACTOR) as s:
        mv.close_household(s, fam.other, on=D(2021, 1, 1), reason="бош калды")
    with pytest.raises(ValidationError) as exc:  # nobody moves into a closed household
        with fam.db.session(ACTOR) as s:
            mv.transfer_member(s, fam.son, to_household_id=fam.other, relation="other_relative", on=D(2021, 2, 1))
    assert "closed" in exc.value.fields["household"]


def test_status_changed_on_the_member_form_is_journaled_as_a_movement(fam):
    with fam.db.session() as s:
        record = persons.get_person(s, fam.son)
    with fam.db.session(ACTOR) as s:
        households.update_member(s, fam.hid, fam.son, dataclasses.replace(
            record.data, residence_status="left", status_date=D(2021, 9, 1)), relation="son")
    left = history(fam.db, fam.hid)[-1]
    assert (left.kind, left.on_date, left.temporary, left.person_name) == ("departure", D(2021, 9, 1), False,
                                                                           "Асанов Нурлан")
    assert "member form" in left.note
    with fam.db.session() as s:
        record = persons.get_person(s, fam.son)
    with fam.db.session(ACTOR) as s:  # back to living: a mistake corrected on the form
        households.update_member(s, fam.hid, fam.son, dataclasses.replace(
            record.data, residence_status="living", status_date=None), relation="son")
    entries = history(fam.db, fam.hid)
    assert next(e for e in entries if e.id == left.id).cancelled
    assert "Нурлан" in members_on(fam.db, fam.hid, dt.date.today())


def test_transfer_and_split_cannot_be_cancelled_but_their_basis_can_be_corrected(fam):
    with fam.db.session(ACTOR) as s:
        moved = mv.transfer_member(s, fam.wife, to_household_id=fam.other, relation="spouse", on=D(2012, 6, 1))
    with pytest.raises(ValidationError):
        with fam.db.session(ACTOR) as s:
            mv.correct_movement(s, moved.movement_ids[0], reason="ката", cancel=True)
    with pytest.raises(ValidationError):
        with fam.db.session(ACTOR) as s:
            mv.correct_movement(s, moved.movement_ids[0], reason="ката", on_date=D(2012, 7, 1))
    with fam.db.session(ACTOR) as s:
        mv.correct_movement(s, moved.movement_ids[0], reason="номер ката", basis=Basis("application", "99"))
    fix = history(fam.db, fam.other)[-1]
    assert (fix.kind, fix.basis_number, fix.on_date) == ("correction", "99", D(2012, 6, 1))
