"""Duplicate persons: candidates by PIN, by name and birth date, by similar name; merges keep both histories."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from okmot.errors import ValidationError
from okmot.models import ChangeLog, Membership, Movement, Person
from okmot.services import duplicates, households
from okmot.services.persons import PersonData
from tests import village


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=4)
    yield context
    context.close()


def _hid(s, account):
    return households.household_id_by_account(s, account)


def test_candidates_with_reasons(ctx):
    born = dt.date(1990, 7, 1)
    with ctx.write() as s:
        # Entered twice in one household, once with a Latin "a" (fixed at save) and a typo in the name.
        a, _c = households.add_member(s, _hid(s, "0001"), PersonData("Асанов", "Тимур", "M", birth_date=born),
                                      relation="son")
        b, _c = households.add_member(s, _hid(s, "0001"), PersonData("Асанов", "Тимур", "M", birth_date=born),
                                      relation="son")
        c, _c = households.add_member(s, _hid(s, "0002"), PersonData("Асанов", "Тимурр", "M", birth_date=born),
                                      relation="other_relative")
        # Same birth date, a different person: not listed.
        households.add_member(s, _hid(s, "0003"), PersonData("Үсөнова", "Жамила", "F", birth_date=born),
                              relation="daughter")
        # Same PIN: a left person and a living one (the living-PIN rule lets this in).
        d, _c = households.add_member(s, _hid(s, "0003"), PersonData(
            "Токтогулов", "Эрмек", "M", birth_date=dt.date(1980, 1, 2), pin="20201198000042",
            residence_status="left", status_date=dt.date(2020, 1, 1)), relation="son")
        e, _c = households.add_member(s, _hid(s, "0004"), PersonData(
            "Токтогулов", "Эрмек", "M", birth_date=dt.date(1980, 1, 2), pin="20201198000042"), relation="son")
    with ctx.read() as s:
        found = duplicates.find_candidates(s)
    pairs = {frozenset((f.first.id, f.second.id)): f for f in found}
    assert pairs[frozenset((d, e))].reason == "same_pin"
    assert pairs[frozenset((a, b))].reason == "same_name_birth"
    assert pairs[frozenset((a, c))].reason == "similar_name_birth"
    assert 85 <= pairs[frozenset((a, c))].score < 100
    assert pairs[frozenset((a, c))].reason_text == "similar name, same birth date"
    assert len(found) == 4  # (a, b), (a, c), (b, c), (d, e)
    assert [f.reason for f in found][0] == "same_pin"
    with ctx.write() as s:
        duplicates.dismiss(s, a, c)
    with ctx.read() as s:
        assert frozenset((a, c)) not in {frozenset((f.first.id, f.second.id)) for f in duplicates.find_candidates(s)}


def test_merge_keeps_both_histories_and_records_it(ctx):
    with ctx.write() as s:
        h1, h2 = _hid(s, "0001"), _hid(s, "0002")
        keep, _c = households.add_member(s, h1, PersonData("Асанов", "Тимур", "M", birth_date=dt.date(1990, 7, 1)),
                                         relation="son", from_date=dt.date(2015, 1, 1))
        dup, _c = households.add_member(s, h2, PersonData("Асанов", "Тимур", "M", birth_date=dt.date(1990, 7, 1),
                                                          pin="20107199000005", occupation="айдоочу"),
                                        relation="other_relative", from_date=dt.date(2001, 1, 1))
        s.add(Movement(kind="arrival", on_date=dt.date(2001, 1, 1), household_id=h2, person_id=dup, place="Ош"))
    with ctx.write() as s:
        result = duplicates.merge_persons(s, keep_id=keep, merge_id=dup, note="same passport")
    assert result.moved_memberships == 1 and result.joined_memberships == 0 and result.moved_movements == 1
    assert set(result.filled_fields) == {"pin", "occupation"}
    assert any("2 households" in w for w in result.warnings)
    with ctx.read() as s:
        kept = s.get(Person, keep)
        gone = s.get(Person, dup)
        assert kept.pin == "20107199000005" and kept.occupation == "айдоочу"
        assert gone.merged_into_id == keep and gone.deleted_at is not None
        stays = s.scalars(select(Membership).where(Membership.person_id == keep)).all()
        assert {m.household_id for m in stays} == {h1, h2}
        arrival = s.scalar(select(Movement).where(Movement.kind == "arrival"))
        assert arrival.person_id == keep
        merge = s.scalar(select(Movement).where(Movement.kind == "merge"))
        assert (merge.person_id, merge.other_person_id, merge.basis_text) == (keep, dup, "same passport")
        assert "1 stays moved" in merge.note
        assert duplicates.merged_into(s, dup) == keep
        # The journal shows the tombstone and the moved stay.
        log = s.scalars(select(ChangeLog).where(ChangeLog.record_id == dup, ChangeLog.op == "delete")).all()
        assert json.loads(log[-1].changes)["merged_into_id"][1] == str(keep)
        # Only the kept record is a candidate any more.
        assert all(dup not in (c.first.id, c.second.id) for c in duplicates.find_candidates(s))


def test_same_stay_twice_is_joined_not_doubled(ctx):
    with ctx.write() as s:
        h1 = _hid(s, "0001")
        keep, _c = households.add_member(s, h1, PersonData("Асанов", "Тимур", "M"), relation="son",
                                         from_date=dt.date(2015, 1, 1))
        dup, _c = households.add_member(s, h1, PersonData("Асанов", "Тимур", "M"), relation="son",
                                        from_date=dt.date(2010, 1, 1))
    with ctx.write() as s:
        result = duplicates.merge_persons(s, keep_id=keep, merge_id=dup)
        assert (result.moved_memberships, result.joined_memberships) == (0, 1)
    with ctx.read() as s:
        live = s.scalars(select(Membership).where(Membership.person_id.in_([keep, dup]),
                                                  Membership.deleted_at.is_(None))).all()
        assert len(live) == 1 and live[0].from_date == dt.date(2010, 1, 1) and live[0].person_id == keep
        assert households.count_open_members(s, h1) == 3


def test_merge_refuses_nonsense(ctx):
    with ctx.write() as s:
        keep, _c = households.add_member(s, _hid(s, "0001"), PersonData("Асанов", "Тимур", "M"), relation="son")
        dup, _c = households.add_member(s, _hid(s, "0001"), PersonData("Асанов", "Тимур", "M"), relation="son")
    with ctx.write() as s:
        with pytest.raises(ValidationError, match="two different"):
            duplicates.merge_persons(s, keep_id=keep, merge_id=keep)
        duplicates.merge_persons(s, keep_id=keep, merge_id=dup)
    with ctx.write() as s:
        with pytest.raises(Exception, match="merged or removed"):
            duplicates.merge_persons(s, keep_id=keep, merge_id=dup)
