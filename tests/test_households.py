"""Services of the household book: territory, households and members, PIN rules, history, farm sections, stats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import select

from okmot.db.engine import Actor, Database
from okmot.errors import ConflictError, NotFoundError, ValidationError
from okmot.identity.pin import encode
from okmot.models import LandPlot, LivestockCount, Membership, Person
from okmot.services import farm, households, persons, settings, stats, territory
from okmot.services.farm import DwellingData, MachineData, PlotData
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData, PinMismatch

ACTOR = Actor(user_id=uuid.UUID("11111111-2222-3333-4444-555555555555"), username="aigul")
TODAY = dt.date.today()


@dataclass
class Place:
    office: uuid.UUID
    village: uuid.UUID
    village2: uuid.UUID
    street: uuid.UUID
    street2: uuid.UUID


@pytest.fixture
def place(db: Database) -> Place:
    with db.session(ACTOR) as s:
        office = territory.create_office(s, code="417001", name_ky="Ак-Суу айыл аймагы",
                                         name_ru="Ак-Суйский айыльный аймак", rayon_ky="Ак-Суу району",
                                         rayon_ru="Ак-Суйский район")
        v1 = territory.create_village(s, aimak_id=office.id, code="01", name_ky="Теплоключенка",
                                      name_ru="Теплоключенка")
        v2 = territory.create_village(s, aimak_id=office.id, code="02", name_ky="Ак-Булуң", name_ru="Ак-Булун")
        s1 = territory.create_street(s, village_id=v1.id, name_ky="Токтогул", name_ru="Токтогула")
        s2 = territory.create_street(s, village_id=v2.id, name_ky="Манас", name_ru="Манаса")
    return Place(office.id, v1.id, v2.id, s1.id, s2.id)


def head_data(**kw) -> PersonData:
    base = dict(surname="Асанов", given_name="Бакыт", sex="M", father_name="Асан",
                birth_date=dt.date(1970, 5, 12))
    base.update(kw)
    return PersonData(**base)


def new_household(db: Database, place: Place, account: str = "0001", *, head: PersonData | None = None,
                  opened_on: dt.date | None = dt.date(2010, 1, 1), **kw) -> uuid.UUID:
    with db.session(ACTOR) as s:
        hid, _changes = households.create_household(
            s, HouseholdData(account_number=account, village_id=kw.pop("village_id", place.village),
                             street_id=kw.pop("street_id", place.street), opened_on=opened_on, **kw),
            head=head)
    return hid


def add(db: Database, hid: uuid.UUID, data: PersonData, relation: str, from_date: dt.date | None = None):
    with db.session(ACTOR) as s:
        return households.add_member(s, hid, data, relation=relation, from_date=from_date)


def card(db: Database, hid: uuid.UUID) -> households.HouseholdCard:
    with db.session() as s:
        return households.get_card(s, hid)


# --------------------------------------------------------------------------- territory


def test_territory_created_and_listed(db, place):
    with db.session() as s:
        office = territory.home_office(s)
        assert office is not None and office.id == place.office
        assert office.name("ky") == "Ак-Суу айыл аймагы"
        assert office.name("ru") == "Ак-Суйский айыльный аймак"
        assert settings.get(s, "office_id") == str(place.office)
        villages = territory.list_villages(s)
        assert [(v.code, v.name_ky, v.name_ru) for v in villages] == [
            ("01", "Теплоключенка", "Теплоключенка"), ("02", "Ак-Булуң", "Ак-Булун")]
        assert all(v.parent_id == place.office for v in villages)
        assert [st.name_ky for st in territory.list_streets(s, place.village)] == ["Токтогул"]
        assert [st.name_ru for st in territory.list_streets(s, place.village2)] == ["Манаса"]
        assert sorted(st.name_ky for st in territory.list_streets(s)) == ["Манас", "Токтогул"]


def test_territory_validation(db, place):
    with db.session(ACTOR) as s:
        with pytest.raises(ValidationError) as exc:
            territory.create_office(s, code="417001", name_ky="Башка", name_ru="Другой")
        assert set(exc.value.fields) == {"code"}
        assert "417001" in exc.value.fields["code"]
        with pytest.raises(ValidationError) as exc:
            territory.create_village(s, aimak_id=place.office, code="03", name_ky=" ", name_ru="")
        assert set(exc.value.fields) == {"name_ky", "name_ru"}
        with pytest.raises(NotFoundError):
            territory.create_street(s, village_id=uuid.uuid4(), name_ky="Ленин", name_ru="Ленина")


def test_village_code_required_and_unique_in_the_aimak(db, place):
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            territory.create_village(s, aimak_id=place.office, code=" 01 ", name_ky="Башка", name_ru="Другое")
    assert set(exc.value.fields) == {"code"} and "01" in exc.value.fields["code"]
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            territory.create_village(s, aimak_id=place.office, code="  ", name_ky="Башка", name_ru="Другое")
    assert set(exc.value.fields) == {"code"}
    with db.session(ACTOR) as s:
        other = territory.create_office(s, code="417002", name_ky="Башка", name_ru="Другой", make_home=False)
        # The same code in another aimak is fine.
        assert territory.create_village(s, aimak_id=other.id, code="01", name_ky="Башка", name_ru="Другое").code == "01"
    with db.session() as s:
        assert [v.code for v in territory.list_villages(s)] == ["01", "01", "02"]


def test_village_name_lookalikes_fixed(db, place):
    with db.session(ACTOR) as s:
        v = territory.create_village(s, aimak_id=place.office, code="03", name_ky="Кoчкор", name_ru="Кочкoрка")
        assert (v.name_ky, v.name_ru) == ("Кочкор", "Кочкорка")


# --------------------------------------------------------------------------- households and members


def test_create_household_with_head(db, place):
    hid = new_household(db, place, "0001", head=head_data(), house_number=" 12 ", address_note="мектептин жанында")
    c = card(db, hid)
    assert c.data.account_number == "0001"
    assert c.data.village_id == place.village and c.data.street_id == place.street
    assert c.data.house_number == "12"
    assert c.data.opened_on == dt.date(2010, 1, 1)
    assert c.status == "open"
    assert (c.village_ky, c.street_ky, c.street_ru) == ("Теплоключенка", "Токтогул", "Токтогула")
    assert c.address("ky") == "Токтогул 12, мектептин жанында"
    assert c.address("ru") == "Токтогула 12, мектептин жанында"
    assert len(c.members) == 1
    head = c.head
    assert head is not None and head.relation == "head"
    assert head.from_date == dt.date(2010, 1, 1) and head.to_date is None
    assert head.person.data.surname == "Асанов"
    assert head.person.data.father_name == "Асан"
    assert head.person.full_name("ky") == "Асанов Бакыт Асан уулу"
    assert head.person.full_name("ru") == "Асанов Бакыт Асанович"


def test_opened_on_defaults_to_today(db, place):
    hid = new_household(db, place, "0002", opened_on=None)
    assert card(db, hid).data.opened_on == TODAY


def test_add_members(db, place):
    hid = new_household(db, place, head=head_data())
    add(db, hid, PersonData(surname="Асанова", given_name="Гүлнара", sex="F", father_name="Токтосун кызы",
                            birth_date=dt.date(1974, 2, 3)), "spouse")
    pid, check = add(db, hid, PersonData(surname="Бакыт уулу", given_name="Эрлан", sex="M",
                                         father_name="Бакытович", birth_date=dt.date(1999, 9, 9)), "son")
    assert check.errors == {} and check.warnings == {}
    c = card(db, hid)
    assert [m.relation for m in c.members] == ["head", "spouse", "son"]
    assert len(c.current_members) == 3
    spouse, son = c.members[1].person.data, c.members[2].person.data
    assert spouse.father_name == "Токтосун"
    assert son.father_name == "Бакыт"
    assert c.members[2].person.id == pid
    # A "… уулу" surname already says whose son he is: no second patronymic in either language.
    assert c.members[2].person.full_name("ru") == "Бакыт уулу Эрлан"
    with db.session() as s:
        assert households.count_open_members(s, hid) == 3


def test_update_member_changes_relation_and_data(db, place):
    hid = new_household(db, place, head=head_data())
    pid, _ = add(db, hid, PersonData(surname="Асанова", given_name="Айгүл", sex="F"), "daughter")
    with db.session(ACTOR) as s:
        rec = persons.get_person(s, pid)
        households.update_member(s, hid, pid, replace(rec.data, occupation=" мугалим "), relation="daughter_in_law",
                                 expected_version=rec.version)
    c = card(db, hid)
    m = next(m for m in c.members if m.person.id == pid)
    assert m.relation == "daughter_in_law"
    assert m.person.data.occupation == "мугалим"
    assert m.person.version == 2


def test_duplicate_account_in_the_aimak_refused(db, place):
    new_household(db, place, "0001")
    with pytest.raises(ValidationError) as exc:
        new_household(db, place, " 0001 ", village_id=place.village2, street_id=None)
    assert set(exc.value.fields) == {"account_number"}
    assert "0001" in exc.value.fields["account_number"]


def test_same_account_in_another_aimak_allowed(db, place):
    new_household(db, place, "0001")
    with db.session(ACTOR) as s:
        other = territory.create_office(s, code="417002", name_ky="Башка", name_ru="Другой", make_home=False)
        v = territory.create_village(s, aimak_id=other.id, code="01", name_ky="Жылуу-Булак", name_ru="Жылуу-Булак")
    hid = new_household(db, place, "0001", village_id=v.id, street_id=None)
    assert card(db, hid).data.account_number == "0001"


def test_update_household_keeps_its_own_account(db, place):
    hid = new_household(db, place, "0001")
    c = card(db, hid)
    with db.session(ACTOR) as s:
        households.update_household(s, hid, replace(c.data, house_number="5а"), expected_version=c.version)
    c2 = card(db, hid)
    assert c2.data.house_number == "5а" and c2.data.account_number == "0001" and c2.version == c.version + 1
    with pytest.raises(ConflictError):
        with db.session(ACTOR) as s:
            households.update_household(s, hid, replace(c.data, house_number="6"), expected_version=c.version)
    assert card(db, hid).data.house_number == "5а"


def test_street_of_another_village_refused(db, place):
    with pytest.raises(ValidationError) as exc:
        new_household(db, place, "0001", village_id=place.village, street_id=place.street2)
    assert set(exc.value.fields) == {"street_id"}


def test_missing_village_refused(db, place):
    with pytest.raises(ValidationError) as exc:
        new_household(db, place, "0001", village_id=None, street_id=None)
    assert "village_id" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        new_household(db, place, "0001", village_id=uuid.uuid4(), street_id=None)
    assert "village_id" in exc.value.fields


def test_empty_account_and_future_opening_refused(db, place):
    with pytest.raises(ValidationError) as exc:
        new_household(db, place, "  ", opened_on=TODAY + dt.timedelta(days=1))
    assert set(exc.value.fields) == {"account_number", "opened_on"}


def test_future_birth_date_refused(db, place):
    hid = new_household(db, place, head=head_data())
    with pytest.raises(ValidationError) as exc:
        add(db, hid, PersonData(surname="Асанов", given_name="Бала", sex="M",
                                birth_date=TODAY + dt.timedelta(days=1)), "son")
    assert set(exc.value.fields) == {"birth_date"}
    assert len(card(db, hid).members) == 1


def test_missing_names_and_sex_refused(db, place):
    hid = new_household(db, place)
    with pytest.raises(ValidationError) as exc:
        add(db, hid, PersonData(surname=" ", given_name="", sex="X"), "son")
    assert set(exc.value.fields) == {"surname", "given_name", "sex"}


def test_second_head_refused(db, place):
    hid = new_household(db, place, head=head_data())
    with pytest.raises(ValidationError) as exc:
        add(db, hid, head_data(given_name="Экинчи"), "head")
    assert set(exc.value.fields) == {"relation"}
    with pytest.raises(ValidationError) as exc:
        add(db, hid, head_data(given_name="Экинчи"), "cousin_of_neighbour")
    assert set(exc.value.fields) == {"relation"}
    assert len(card(db, hid).members) == 1


def test_failed_add_member_leaves_nothing(db, place):
    hid = new_household(db, place, head=head_data())
    with db.session() as s:
        n_persons = len(s.scalars(select(Person.id)).all())
    with pytest.raises(ValidationError):
        add(db, hid, head_data(given_name="Экинчи"), "head")
    with db.session() as s:
        assert len(s.scalars(select(Person.id)).all()) == n_persons


# --------------------------------------------------------------------------- PIN rules


def test_pin_of_living_resident_refused_naming_them(db, place):
    pin = encode("M", dt.date(1970, 5, 12), 12345)
    new_household(db, place, "0042", head=head_data(pin=pin))
    other = new_household(db, place, "0043")
    with pytest.raises(ValidationError) as exc:
        add(db, other, PersonData(surname="Бекович", given_name="Азамат", sex="M", birth_date=dt.date(1970, 5, 12),
                                  pin=pin[:5] + " " + pin[5:]), "head")
    assert not isinstance(exc.value, PinMismatch)
    assert exc.value.fields["pin"] == "This PIN already belongs to Асанов Бакыт (household 0042)."


def test_own_pin_not_a_duplicate_on_update(db, place):
    pin = encode("M", dt.date(1970, 5, 12), 12345)
    hid = new_household(db, place, "0042", head=head_data(pin=pin))
    pid = card(db, hid).head.person.id
    with db.session(ACTOR) as s:
        rec = persons.get_person(s, pid)
        persons.update_person(s, pid, replace(rec.data, phone="0555 123 456"))
    assert card(db, hid).head.person.data.pin == pin


def test_pin_of_deceased_person_can_be_reused(db, place):
    pin = encode("F", dt.date(1950, 1, 1), 1)
    hid = new_household(db, place, "0001", head=head_data(surname="Токтогулова", given_name="Бүбү", sex="F",
                                                          birth_date=dt.date(1950, 1, 1), pin=pin))
    pid = card(db, hid).head.person.id
    with db.session(ACTOR) as s:
        rec = persons.get_person(s, pid)
        persons.update_person(s, pid, replace(rec.data, residence_status="deceased",
                                              status_date=dt.date(2020, 2, 2)))
    other = new_household(db, place, "0002")
    new_id, _ = add(db, other, PersonData(surname="Токтогулова", given_name="Бүбүсара", sex="F",
                                          birth_date=dt.date(1950, 1, 1), pin=pin), "head")
    with db.session() as s:
        assert persons.get_person(s, new_id).data.pin == pin
        holders = s.scalars(select(Person).where(Person.pin == pin)).all()
        assert sorted(p.residence_status for p in holders) == ["deceased", "living"]


def test_pin_disagreeing_with_sex_raises_pin_mismatch(db, place):
    hid = new_household(db, place)
    female_pin = encode("F", dt.date(1970, 5, 12), 5)
    with pytest.raises(PinMismatch) as exc:
        add(db, hid, head_data(pin=female_pin), "head")
    assert isinstance(exc.value, ValidationError)
    assert set(exc.value.fields) == {"pin"}
    assert "female" in exc.value.fields["pin"] and "male" in exc.value.fields["pin"]
    assert card(db, hid).members == ()


def test_pin_disagreeing_with_birth_date_raises_pin_mismatch(db, place):
    hid = new_household(db, place)
    with pytest.raises(PinMismatch) as exc:
        add(db, hid, head_data(pin=encode("M", dt.date(1971, 5, 12), 5)), "head")
    assert "12.05.1971" in exc.value.fields["pin"] and "12.05.1970" in exc.value.fields["pin"]


def test_pin_mismatch_kept_with_reason(db, place):
    hid = new_household(db, place)
    pin = encode("M", dt.date(1971, 5, 12), 5)
    pid, check = add(db, hid, head_data(pin=pin, pin_override_reason="  Паспортто ушундай жазылган  "), "head")
    assert check.warnings == {}
    with db.session() as s:
        data = persons.get_person(s, pid).data
        assert data.pin == pin
        assert data.pin_override_reason == "Паспортто ушундай жазылган"
        assert data.birth_date == dt.date(1970, 5, 12)


def test_invalid_pin_is_an_error_not_a_mismatch(db, place):
    hid = new_household(db, place)
    with pytest.raises(ValidationError) as exc:
        add(db, hid, head_data(pin="2120519701234", pin_override_reason="any"), "head")
    assert not isinstance(exc.value, PinMismatch)
    assert exc.value.fields["pin"] == "A PIN has 14 digits; this one has 13."


# --------------------------------------------------------------------------- names


def test_lookalikes_fixed_on_save_and_reported(db, place):
    hid = new_household(db, place)
    pid, check = add(db, hid, PersonData(surname="Асанoв", given_name="Бакыт", sex="M", father_name="Аcан"),
                     "head")
    assert check.notices == ("Surname: Latin letters replaced with Cyrillic (o→о).",
                             "Father's name: Latin letters replaced with Cyrillic (c→с).")
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.surname == "Асанов" and p.father_name == "Асан"
        assert p.surname_key == "асанов" and p.given_name_key == "бакыт"


def test_search_keys_follow_rename(db, place):
    hid = new_household(db, place, head=head_data())
    pid = card(db, hid).head.person.id
    with db.session(ACTOR) as s:
        rec = persons.get_person(s, pid)
        persons.update_person(s, pid, replace(rec.data, surname="ӨМҮРОВ", given_name="Ёлкин"),
                              expected_version=rec.version)
    with db.session() as s:
        p = s.get(Person, pid)
        assert (p.surname, p.given_name) == ("ӨМҮРОВ", "Ёлкин")
        assert (p.surname_key, p.given_name_key) == ("өмүров", "елкин")
        assert p.version == 2


def test_update_with_stale_version_conflicts(db, place):
    hid = new_household(db, place, head=head_data())
    pid = card(db, hid).head.person.id
    with db.session() as s:
        opened = persons.get_person(s, pid)  # clerk A opens the form
    with db.session(ACTOR) as s:
        persons.update_person(s, pid, replace(opened.data, phone="0700 000 001"), expected_version=opened.version)
    with pytest.raises(ConflictError):
        with db.session(ACTOR) as s:
            persons.update_person(s, pid, replace(opened.data, phone="0700 000 002"),
                                  expected_version=opened.version)
    with db.session() as s:
        assert persons.get_person(s, pid).data.phone == "0700 000 001"


def test_update_of_unknown_person_not_found(db, place):
    with pytest.raises(NotFoundError):
        with db.session(ACTOR) as s:
            persons.update_person(s, uuid.uuid4(), head_data())


# --------------------------------------------------------------------------- closing


def test_close_and_reopen(db, place):
    hid = new_household(db, place, head=head_data())
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            households.close_household(s, hid, on=dt.date(2024, 1, 1), reason="   ")
    assert set(exc.value.fields) == {"close_reason"}
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            households.close_household(s, hid, on=TODAY + dt.timedelta(days=1), reason="көчүп кетишти")
    assert set(exc.value.fields) == {"closed_on"}
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            households.close_household(s, hid, on=dt.date(2009, 12, 31), reason="көчүп кетишти")
    assert set(exc.value.fields) == {"closed_on"}
    assert card(db, hid).status == "open"

    with db.session(ACTOR) as s:
        households.close_household(s, hid, on=dt.date(2024, 3, 1), reason=" көчүп кетишти ")
    c = card(db, hid)
    assert (c.status, c.closed_on, c.close_reason) == ("closed", dt.date(2024, 3, 1), "көчүп кетишти")

    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            households.close_household(s, hid, on=dt.date(2024, 3, 2), reason="дагы")
    assert "status" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        add(db, hid, PersonData(surname="Жаңы", given_name="Адам", sex="M"), "son")
    assert set(exc.value.fields) == {"status"}

    with db.session(ACTOR) as s:
        households.reopen_household(s, hid)
    c = card(db, hid)
    assert (c.status, c.closed_on, c.close_reason) == ("open", None, "")
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            households.reopen_household(s, hid)
    assert set(exc.value.fields) == {"status"}


def test_closing_on_the_opening_day_allowed(db, place):
    hid = new_household(db, place)
    with db.session(ACTOR) as s:
        households.close_household(s, hid, on=dt.date(2010, 1, 1), reason="ката ачылган")
    assert card(db, hid).closed_on == dt.date(2010, 1, 1)


# --------------------------------------------------------------------------- members over time


def _names_on(db: Database, hid: uuid.UUID, on: dt.date) -> list[str]:
    with db.session() as s:
        return [m.person.data.given_name for m in households.members_as_of(s, hid, on)]


def test_members_as_of(db, place):
    hid = new_household(db, place, head=head_data(given_name="Башчы"))
    joiner, _ = add(db, hid, PersonData(surname="Асанова", given_name="Келин", sex="F",
                                        birth_date=dt.date(1995, 1, 1)), "daughter_in_law",
                    from_date=dt.date(2020, 3, 1))
    add(db, hid, PersonData(surname="Асанов", given_name="Бала", sex="M", birth_date=dt.date(2022, 1, 5)), "grandson")
    with db.session(ACTOR) as s:
        m = s.scalar(select(Membership).where(Membership.person_id == joiner))
        m.to_date, m.end_reason = dt.date(2023, 6, 10), "moved_out"

    assert _names_on(db, hid, dt.date(2019, 12, 31)) == ["Башчы"]
    assert _names_on(db, hid, dt.date(2020, 2, 29)) == ["Башчы"]
    assert _names_on(db, hid, dt.date(2020, 3, 1)) == ["Башчы", "Келин"]
    assert _names_on(db, hid, dt.date(2021, 1, 1)) == ["Башчы", "Келин"]
    assert _names_on(db, hid, dt.date(2022, 1, 4)) == ["Башчы", "Келин"]
    # Sorted head first, then by relation in the book's order (grandson before daughter-in-law).
    assert _names_on(db, hid, dt.date(2022, 1, 5)) == ["Башчы", "Бала", "Келин"]
    assert _names_on(db, hid, dt.date(2023, 6, 9)) == ["Башчы", "Бала", "Келин"]
    assert _names_on(db, hid, dt.date(2023, 6, 10)) == ["Башчы", "Бала"]
    assert _names_on(db, hid, TODAY) == ["Башчы", "Бала"]

    # The card keeps the one who left, after the current members, with the dates.
    c = card(db, hid)
    assert [m.person.data.given_name for m in c.members] == ["Башчы", "Бала", "Келин"]
    left = c.members[-1]
    assert not left.current
    assert (left.from_date, left.to_date, left.end_reason) == (dt.date(2020, 3, 1), dt.date(2023, 6, 10), "moved_out")
    assert [m.person.data.given_name for m in c.current_members] == ["Башчы", "Бала"]


def test_members_as_of_other_household_not_mixed(db, place):
    a = new_household(db, place, "0001", head=head_data(given_name="Биринчи"))
    b = new_household(db, place, "0002", head=head_data(given_name="Экинчи", pin=""))
    assert _names_on(db, a, TODAY) == ["Биринчи"]
    assert _names_on(db, b, TODAY) == ["Экинчи"]


# --------------------------------------------------------------------------- the card


def test_card_sections(db, place):
    hid = new_household(db, place, head=head_data(given_name="Башчы"))
    # Added out of order on purpose: the card sorts head, spouse, children (older first).
    add(db, hid, PersonData(surname="Асанов", given_name="Кичүү", sex="M", birth_date=dt.date(2005, 1, 1)), "son")
    add(db, hid, PersonData(surname="Асанова", given_name="Кыз", sex="F", birth_date=dt.date(1999, 1, 1)), "daughter")
    add(db, hid, PersonData(surname="Асанов", given_name="Улуу", sex="M", birth_date=dt.date(1996, 1, 1)), "son")
    add(db, hid, PersonData(surname="Асанова", given_name="Аял", sex="F", birth_date=dt.date(1972, 1, 1)), "spouse")

    dwelling = DwellingData(kind="house", year_built=1985, wall_material="adobe", rooms=4,
                            living_area_dm2=6_500, total_area_dm2=9_000, has_water=True, owner="Асанов Бакыт")
    with db.session(ACTOR) as s:
        farm.save_dwelling(s, hid, dwelling)
        farm.save_land(s, hid, 2023, [PlotData("household_plot", 1_200), PlotData("irrigated_arable", 5_000)])
        farm.save_land(s, hid, 2024, [PlotData("household_plot", 1_200, document="Акт №5")])
        farm.save_livestock(s, hid, 2022, {"cattle": 1, "sheep": 10})
        farm.save_livestock(s, hid, 2023, {"cattle": 3, "cows": 2, "sheep": 15, "poultry": 20})
        farm.save_livestock(s, hid, 2024, {"cattle": 4, "cows": 2, "horses": 1})
        farm.save_machinery(s, hid, [MachineData("tractor", "МТЗ-80", 1988), MachineData("car", "Lada 2107", 2001,
                                                                                        " 02 123 ABC ")])
    c = card(db, hid)
    assert [m.person.data.given_name for m in c.members] == ["Башчы", "Аял", "Улуу", "Кичүү", "Кыз"]
    assert [m.relation for m in c.members] == ["head", "spouse", "son", "son", "daughter"]
    assert c.head.person.data.given_name == "Башчы"
    assert c.dwelling == dwelling
    assert sorted(c.land) == [2023, 2024]
    assert [(p.category, p.area_m2) for p in c.land[2023]] == [("household_plot", 1_200), ("irrigated_arable", 5_000)]
    assert [(p.category, p.area_m2, p.document) for p in c.land[2024]] == [("household_plot", 1_200, "Акт №5")]
    assert c.land[2023][1].area_ha == 0.5
    assert list(c.livestock) == [2022, 2023, 2024]
    assert c.livestock[2022] == {"cattle": 1, "sheep": 10}
    assert c.livestock[2023] == {"cattle": 3, "cows": 2, "sheep": 15, "poultry": 20}
    assert c.livestock[2024] == {"cattle": 4, "cows": 2, "horses": 1}
    # Species come in the book's order, whatever order they were given in.
    assert list(c.livestock[2023]) == ["cattle", "cows", "sheep", "poultry"]
    assert [(m.kind, m.model, m.year_made, m.registration_number) for m in c.machinery] == [
        ("car", "Lada 2107", 2001, "02 123 ABC"), ("tractor", "МТЗ-80", 1988, "")]


def test_card_of_unknown_household(db, place):
    with pytest.raises(NotFoundError):
        card(db, uuid.uuid4())


def test_dwelling_validation_and_update(db, place):
    hid = new_household(db, place)
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_dwelling(s, hid, DwellingData(kind="castle", living_area_dm2=10_000, total_area_dm2=5_000,
                                                    rooms=-1, year_built=TODAY.year + 1))
    assert set(exc.value.fields) == {"kind", "living_area_dm2", "rooms", "year_built"}
    with db.session(ACTOR) as s:
        farm.save_dwelling(s, hid, DwellingData(rooms=3))
        farm.save_dwelling(s, hid, DwellingData(rooms=5))
    assert card(db, hid).dwelling.rooms == 5


# --------------------------------------------------------------------------- land


def test_save_land_for_one_year_leaves_the_previous_year(db, place):
    hid = new_household(db, place)
    with db.session(ACTOR) as s:
        farm.save_land(s, hid, 2023, [PlotData("household_plot", 1_000), PlotData("hayfield", 20_000)])
    before = card(db, hid).land[2023]
    assert [p.category for p in before] == ["hayfield", "household_plot"]
    hay, yard = before
    # The January walk: last year's plots are copied (ids included) into the new year, then edited.
    with db.session(ACTOR) as s:
        farm.save_land(s, hid, 2024, [replace(yard, area_m2=1_100), hay])
    c = card(db, hid)
    assert c.land[2023] == before
    assert [(p.category, p.area_m2) for p in c.land[2024]] == [("hayfield", 20_000), ("household_plot", 1_100)]
    assert not ({p.id for p in c.land[2024]} & {p.id for p in before})
    with db.session() as s:
        rows_2023 = s.scalars(select(LandPlot).where(LandPlot.year == 2023)).all()
        assert len(rows_2023) == 2
        assert {r.version for r in rows_2023} == {1}
        assert all(r.deleted_at is None for r in rows_2023)


def test_removed_plots_become_tombstones(db, place):
    hid = new_household(db, place)
    with db.session(ACTOR) as s:
        farm.save_land(s, hid, 2024, [PlotData("household_plot", 1_000), PlotData("pasture", 50_000),
                                      PlotData("garden", 800)])
    plots = card(db, hid).land[2024]
    garden = next(p for p in plots if p.category == "garden")
    pasture = next(p for p in plots if p.category == "pasture")
    kept = [p for p in plots if p.category != "pasture"]
    with db.session(ACTOR) as s:
        farm.save_land(s, hid, 2024, [replace(garden, area_m2=900), *[p for p in kept if p is not garden]])
    c = card(db, hid)
    assert [(p.category, p.area_m2) for p in c.land[2024]] == [("garden", 900), ("household_plot", 1_000)]
    assert next(p for p in c.land[2024] if p.category == "garden").id == garden.id  # edited in place
    with db.session() as s:
        row = s.get(LandPlot, pasture.id)
        assert row is not None  # still present ...
        assert row.deleted_at is not None  # ... as a tombstone
        assert row.area_m2 == 50_000
        assert len(s.scalars(select(LandPlot).where(LandPlot.household_id == hid)).all()) == 3


def test_land_validation(db, place):
    hid = new_household(db, place)
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_land(s, hid, 2024, [PlotData("moon", 10), PlotData("garden", 0)])
    assert set(exc.value.fields) == {"plots[0].category", "plots[1].area_m2"}
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_land(s, hid, 1950, [PlotData("garden", 10)])
    assert set(exc.value.fields) == {"year"}


# --------------------------------------------------------------------------- livestock


def test_livestock_more_cows_than_cattle_refused(db, place):
    hid = new_household(db, place)
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_livestock(s, hid, 2024, {"cattle": 2, "cows": 3})
    assert set(exc.value.fields) == {"cows"}
    with pytest.raises(ValidationError):
        with db.session(ACTOR) as s:
            farm.save_livestock(s, hid, 2024, {"cows": 1})
    assert card(db, hid).livestock == {}


def test_livestock_negative_refused(db, place):
    hid = new_household(db, place)
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_livestock(s, hid, 2024, {"sheep": -1, "cattle": 1})
    assert set(exc.value.fields) == {"sheep"}
    assert "negative" in exc.value.fields["sheep"]
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_livestock(s, hid, 2024, {"dragons": 1})
    assert set(exc.value.fields) == {"dragons"}
    assert card(db, hid).livestock == {}


def test_livestock_zero_kept_when_it_was_not_zero(db, place):
    hid = new_household(db, place)
    with db.session(ACTOR) as s:
        farm.save_livestock(s, hid, 2024, {"cattle": 5, "cows": 3, "sheep": 0})
    assert card(db, hid).livestock == {2024: {"cattle": 5, "cows": 3}}  # a zero never recorded makes no row
    with db.session(ACTOR) as s:
        farm.save_livestock(s, hid, 2024, {"cattle": 5, "cows": 0})
    assert card(db, hid).livestock == {2024: {"cattle": 5, "cows": 0}}
    with db.session() as s:
        rows = {r.species: r for r in s.scalars(select(LivestockCount).where(LivestockCount.household_id == hid))}
    assert set(rows) == {"cattle", "cows"}
    assert rows["cows"].heads == 0 and rows["cows"].deleted_at is None and rows["cows"].version == 2
    assert rows["cattle"].version == 1  # unchanged, not rewritten
    # A species left out counts as zero too.
    with db.session(ACTOR) as s:
        farm.save_livestock(s, hid, 2024, {})
    assert card(db, hid).livestock == {2024: {"cattle": 0, "cows": 0}}


def test_livestock_years_independent(db, place):
    hid = new_household(db, place)
    with db.session(ACTOR) as s:
        farm.save_livestock(s, hid, 2023, {"sheep": 30})
        farm.save_livestock(s, hid, 2024, {"sheep": 12})
        farm.save_livestock(s, hid, 2024, {"sheep": 14})
    assert card(db, hid).livestock == {2023: {"sheep": 30}, 2024: {"sheep": 14}}


# --------------------------------------------------------------------------- machinery


def test_machinery_edit_and_remove(db, place):
    hid = new_household(db, place)
    with db.session(ACTOR) as s:
        farm.save_machinery(s, hid, [MachineData("tractor", "МТЗ-80"), MachineData("truck", "ГАЗ-53")])
    tractor, truck = card(db, hid).machinery
    with db.session(ACTOR) as s:
        farm.save_machinery(s, hid, [replace(truck, year_made=1979)])
    assert [(m.kind, m.year_made, m.id) for m in card(db, hid).machinery] == [("truck", 1979, truck.id)]
    with pytest.raises(ValidationError) as exc:
        with db.session(ACTOR) as s:
            farm.save_machinery(s, hid, [MachineData("spaceship"), MachineData("car", year_made=1800)])
    assert set(exc.value.fields) == {"machinery[0].kind", "machinery[1].year_made"}


# --------------------------------------------------------------------------- stats


def test_book_stats(db, place):
    a = new_household(db, place, "0001", head=head_data())
    add(db, a, PersonData(surname="Асанова", given_name="Аял", sex="F"), "spouse")
    grandma, _ = add(db, a, PersonData(surname="Асанова", given_name="Чоң эне", sex="F"), "mother")
    b = new_household(db, place, "0002", village_id=place.village2, street_id=place.street2,
                      head=head_data(given_name="Эркин"))
    add(db, b, PersonData(surname="Эркинов", given_name="Жолдош", sex="M", residence_status="temporarily_absent"),
        "son")
    c = new_household(db, place, "0003", head=head_data(given_name="Кеткен", residence_status="left"))
    with db.session(ACTOR) as s:
        rec = persons.get_person(s, grandma)
        persons.update_person(s, grandma, replace(rec.data, residence_status="deceased"))
        households.close_household(s, c, on=dt.date(2022, 1, 1), reason="көчүп кетишти")
        farm.save_land(s, a, 2023, [PlotData("household_plot", 99_999)])
        farm.save_land(s, a, 2024, [PlotData("household_plot", 1_500), PlotData("irrigated_arable", 10_000)])
        farm.save_land(s, b, 2024, [PlotData("household_plot", 2_500), PlotData("garden", 777)])
        farm.save_livestock(s, a, 2023, {"sheep": 1_000})
        farm.save_livestock(s, a, 2024, {"cattle": 3, "cows": 2, "sheep": 10})
        farm.save_livestock(s, b, 2024, {"cattle": 1, "cows": 1, "horses": 2})
    with db.session(ACTOR) as s:
        # A removed plot is not counted.
        plots_b = farm.land_by_year(s, b)[2024]
        farm.save_land(s, b, 2024, [p for p in plots_b if p.category != "garden"])
    with db.session() as s:
        st = stats.book_stats(s)
    assert st.villages == 2
    assert st.households == {"open": 2, "closed": 1}
    assert st.persons == {"living": 3, "temporarily_absent": 1, "left": 1, "deceased": 1}
    assert (st.land_year, st.land_plots, st.land_area_m2) == (2024, 3, 14_000)
    assert st.livestock_year == 2024
    assert st.livestock["cattle"] == 4 and st.livestock["cows"] == 3
    assert st.livestock["sheep"] == 10 and st.livestock["horses"] == 2
    assert st.livestock["goats"] == 0
    assert st.as_json()["land"] == {"year": 2024, "plots": 3, "area_ha": 1.4}


def test_book_stats_of_an_empty_book(db):
    with db.session() as s:
        st = stats.book_stats(s)
    assert st.villages == 0
    assert st.households == {"open": 0, "closed": 0}
    assert set(st.persons.values()) == {0}
    assert (st.land_year, st.land_plots, st.land_area_m2, st.livestock_year) == (None, 0, 0, None)
    assert set(st.livestock.values()) == {0}


def test_marking_deceased_or_left_ends_the_stay_and_frees_the_head(db, place):
    hid = new_household(db, place, head=head_data())
    head = card(db, hid).head.person
    with db.session(ACTOR) as s:
        households.update_member(s, hid, head.id, dataclasses.replace(
            head.data, residence_status="deceased", status_date=dt.date(2024, 3, 2)), relation="head")
    after = card(db, hid)
    assert after.head is None and after.current_members == ()
    ended = after.members[0]
    assert (ended.to_date, ended.end_reason) == (dt.date(2024, 3, 2), "died")
    with db.session() as s:
        assert households.members_as_of(s, hid, dt.date(2024, 3, 1))[0].person.id == head.id
        assert households.members_as_of(s, hid, dt.date(2024, 3, 2)) == []
    add(db, hid, head_data(given_name="Нурлан", birth_date=dt.date(1995, 1, 1)), "head")  # a new head is allowed
    # Correcting a mistaken status reopens the stay.
    with db.session(ACTOR) as s:
        households.update_member(s, hid, head.id, dataclasses.replace(head.data, residence_status="living"),
                                 relation="father")
    assert {m.person.data.given_name for m in card(db, hid).current_members} == {"Бакыт", "Нурлан"}
