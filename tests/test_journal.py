"""The change journal: every write is stamped and logged in the same transaction, or not at all."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from okmot.db import journal
from okmot.db.engine import Actor, Database
from okmot.db.journal import JournalError, tombstone
from okmot.models import AiylAimak, ChangeLog, Household, Membership, Person, User, Village
from okmot.services import auth, persons

ACTOR = Actor(user_id=uuid.UUID("11111111-2222-3333-4444-555555555555"), username="aigul")
OTHER = Actor(user_id=uuid.UUID("99999999-2222-3333-4444-555555555555"), username="bakyt")


def _person(surname: str = "Асанов", given: str = "Бакыт", sex: str = "M") -> Person:
    return persons.new_person(persons.PersonData(surname=surname, given_name=given, sex=sex,
                                                 birth_date=dt.date(1980, 4, 1)))


def _log(db: Database, record_id: uuid.UUID | None = None) -> list[ChangeLog]:
    with db.session() as s:
        q = select(ChangeLog).order_by(ChangeLog.seq)
        if record_id is not None:
            q = q.where(ChangeLog.record_id == record_id)
        return list(s.scalars(q))


def _count(db: Database, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _add_person(db: Database, actor: Actor = ACTOR) -> uuid.UUID:
    with db.session(actor) as s:
        p = _person()
        s.add(p)
    return p.id


def _territory(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with db.session(ACTOR) as s:
        aimak = AiylAimak(code="AA1", name_ky="Ак-Суу", name_ru="Ак-Суу")
        s.add(aimak)
        s.flush()
        village = Village(aimak_id=aimak.id, code="01", name_ky="Ак-Суу", name_ru="Ак-Суу", name_key="ак-суу")
        s.add(village)
    return aimak.id, village.id


# --------------------------------------------------------------------------- insert / update / delete


def test_insert_is_journalled_with_actor_table_id_op_version(db):
    pid = _add_person(db)
    rows = _log(db)
    assert len(rows) == 1
    row = rows[0]
    assert row.user_name == "aigul"
    assert row.user_id == ACTOR.user_id
    assert row.table_name == "person"
    assert row.record_id == pid
    assert row.op == "insert"
    assert row.version == 1
    values = json.loads(row.changes)
    assert values["surname"] == "Асанов"
    assert values["given_name"] == "Бакыт"
    assert values["birth_date"] == "1980-04-01"
    assert values["id"] == str(pid)
    # Bookkeeping columns are in the row itself, not repeated in the values.
    assert "version" not in values and "changed_by" not in values and "changed_at" not in values


def test_insert_stamps_sync_columns(db):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    pid = _add_person(db)
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.version == 1
        assert p.changed_by == ACTOR.user_id
        assert before <= p.changed_at <= dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=1)
        assert p.deleted_at is None


def test_update_increments_version_and_logs_old_and_new(db):
    pid = _add_person(db)
    with db.session(OTHER) as s:
        p = s.get(Person, pid)
        p.surname = "Асанова"
        p.occupation = "мугалим"
    rows = _log(db, pid)
    assert [r.op for r in rows] == ["insert", "update"]
    assert [r.version for r in rows] == [1, 2]
    upd = rows[1]
    assert upd.user_name == "bakyt"
    assert upd.user_id == OTHER.user_id
    assert upd.table_name == "person"
    assert json.loads(upd.changes) == {"surname": ["Асанов", "Асанова"], "occupation": ["", "мугалим"]}
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.version == 2
        assert p.changed_by == OTHER.user_id


def test_setting_the_same_value_writes_nothing(db):
    pid = _add_person(db)
    with db.session(ACTOR) as s:
        p = s.get(Person, pid)
        p.surname = "Асанов"
    assert [r.op for r in _log(db, pid)] == ["insert"]
    with db.session() as s:
        assert s.get(Person, pid).version == 1


def test_tombstone_is_journalled_as_delete(db):
    pid = _add_person(db)
    with db.session(ACTOR) as s:
        p = s.get(Person, pid)
        p.surname = "Асанова"
    with db.session(ACTOR) as s:
        tombstone(s.get(Person, pid))
    rows = _log(db, pid)
    assert [(r.op, r.version) for r in rows] == [("insert", 1), ("update", 2), ("delete", 3)]
    changes = json.loads(rows[-1].changes)
    assert list(changes) == ["deleted_at"]
    old, new = changes["deleted_at"]
    assert old is None
    assert dt.datetime.fromisoformat(new)  # an ISO timestamp
    with db.session() as s:
        p = s.get(Person, pid)
        assert p is not None and p.is_deleted and p.version == 3


def test_tombstone_twice_changes_nothing(db):
    pid = _add_person(db)
    with db.session(ACTOR) as s:
        tombstone(s.get(Person, pid))
    with db.session(ACTOR) as s:
        tombstone(s.get(Person, pid))
    assert [r.op for r in _log(db, pid)] == ["insert", "delete"]


def test_one_unit_of_work_logs_every_record_it_touches(db):
    aimak_id, village_id = _territory(db)
    seq_before = len(_log(db))
    with db.session(ACTOR) as s:
        hh = Household(aimak_id=aimak_id, village_id=village_id, account_number="0001")
        p = _person()
        s.add_all([hh, p])
        s.flush()
        s.add(Membership(household_id=hh.id, person_id=p.id, relation="head"))
    rows = _log(db)[seq_before:]
    assert sorted(r.table_name for r in rows) == ["household", "membership", "person"]
    assert {r.op for r in rows} == {"insert"}
    assert {r.user_name for r in rows} == {"aigul"}
    seqs = [r.seq for r in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


# --------------------------------------------------------------------------- refusals


def test_session_without_actor_refuses_to_write(db):
    with pytest.raises(JournalError):
        with db.session() as s:
            s.add(_person())
    assert _count(db, Person) == 0
    assert _count(db, ChangeLog) == 0


def test_session_without_actor_refuses_to_update(db):
    pid = _add_person(db)
    with pytest.raises(JournalError):
        with db.session(None) as s:
            s.get(Person, pid).surname = "Чужой"
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.surname == "Асанов" and p.version == 1
    assert len(_log(db)) == 1


def test_session_without_actor_may_read(db):
    pid = _add_person(db)
    with db.session() as s:
        assert s.get(Person, pid).surname == "Асанов"
    assert len(_log(db)) == 1


def test_physical_delete_refused(db):
    pid = _add_person(db)
    with pytest.raises(JournalError, match="physical delete of Person"):
        with db.session(ACTOR) as s:
            s.delete(s.get(Person, pid))
    with db.session() as s:
        p = s.get(Person, pid)
        assert p is not None and p.deleted_at is None
    assert [r.op for r in _log(db)] == ["insert"]


# --------------------------------------------------------------------------- atomicity


class Boom(Exception):
    pass


def test_unit_of_work_that_raises_leaves_nothing(db):
    pid = _add_person(db)
    persons_before, log_before = _count(db, Person), _count(db, ChangeLog)
    with pytest.raises(Boom):
        with db.session(ACTOR) as s:
            s.add(_person("Бекова", "Айжан", "F"))
            s.get(Person, pid).surname = "Өзгөртүлгөн"
            s.flush()  # the journal rows are written by now, inside the transaction
            assert s.scalar(select(func.count()).select_from(ChangeLog)) == log_before + 2
            raise Boom
    assert _count(db, Person) == persons_before
    assert _count(db, ChangeLog) == log_before
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.surname == "Асанов" and p.version == 1


def test_unique_violation_leaves_no_journal_rows(db):
    aimak_id, village_id = _territory(db)
    with db.session(ACTOR) as s:
        s.add(Household(aimak_id=aimak_id, village_id=village_id, account_number="0007"))
    households_before, persons_before = _count(db, Household), _count(db, Person)
    log_before = _count(db, ChangeLog)
    with pytest.raises(IntegrityError):
        with db.session(ACTOR) as s:
            s.add(_person())
            s.flush()  # succeeds and journals the person...
            # ... then the same account number in the same aiyl aimak breaks the unique constraint.
            s.add(Household(aimak_id=aimak_id, village_id=village_id, account_number="0007"))
            s.flush()
    assert _count(db, Household) == households_before
    assert _count(db, Person) == persons_before
    assert _count(db, ChangeLog) == log_before


def test_foreign_key_violation_leaves_no_journal_rows(db):
    pid = _add_person(db)
    log_before = _count(db, ChangeLog)
    with pytest.raises(IntegrityError):
        with db.session(ACTOR) as s:
            s.get(Person, pid).note = "изменено"
            s.add(Membership(household_id=uuid.uuid4(), person_id=pid, relation="head"))
    assert _count(db, Membership) == 0
    assert _count(db, ChangeLog) == log_before
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.note == "" and p.version == 1


# --------------------------------------------------------------------------- secrets


def test_password_hash_never_in_journal(db):
    with db.session(ACTOR) as s:
        admin = auth.create_first_admin(s, username="admin", full_name="Админ", password="Toktogul-1889")
    with db.session(ACTOR) as s:
        user = s.get(User, admin.id)
        first_hash = user.password_hash
        user.password_hash = auth._hasher.hash("Another-password-2")
        second_hash = user.password_hash
        user.full_name = "Жаңы аты"
    rows = _log(db, admin.id)
    assert [r.op for r in rows] == ["insert", "update"]
    assert first_hash.startswith("$argon2") and second_hash.startswith("$argon2")
    with db.session() as s:
        everything = "\n".join(s.scalars(select(ChangeLog.changes)))
    assert first_hash not in everything
    assert second_hash not in everything
    assert "$argon2" not in everything
    assert "Toktogul-1889" not in everything
    assert json.loads(rows[0].changes)["password_hash"] == "***"
    assert json.loads(rows[0].changes)["username"] == "admin"
    assert json.loads(rows[1].changes) == {"password_hash": ["***", "***"], "full_name": ["Админ", "Жаңы аты"]}


# --------------------------------------------------------------------------- optimistic concurrency


def test_stale_update_raises(db):
    pid = _add_person(db)
    # Two clerks open the same person (the sessions end; the objects stay in memory).
    with db.session(ACTOR) as s:
        first = s.get(Person, pid)
    with db.session(OTHER) as s:
        second = s.get(Person, pid)
    assert first is not second and first.version == second.version == 1
    # The second clerk saves first.
    with db.session(OTHER) as s:
        s.add(second)
        second.surname = "Бакытов"
    assert second.version == 2
    # The first clerk's save is based on version 1: it must not silently overwrite.
    with pytest.raises(StaleDataError):
        with db.session(ACTOR) as s:
            s.add(first)
            first.surname = "Асанбеков"
    with db.session() as s:
        p = s.get(Person, pid)
        assert p.surname == "Бакытов" and p.version == 2
    assert [(r.op, r.version, r.user_name) for r in _log(db, pid)] == [("insert", 1, "aigul"),
                                                                      ("update", 2, "bakyt")]


# --------------------------------------------------------------------------- helpers


def test_jsonable():
    u = uuid.uuid4()
    assert journal.jsonable(u) == str(u)
    assert journal.jsonable(dt.date(2024, 1, 2)) == "2024-01-02"
    assert journal.jsonable(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert journal.jsonable(decimal.Decimal("1.50")) == "1.50"
    assert journal.jsonable(["a", 1]) == ["a", 1]
    assert journal.jsonable(None) is None
