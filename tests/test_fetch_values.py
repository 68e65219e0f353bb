"""bulk.fetch_values gives exactly the values SQLAlchemy's own result processing gives, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from okmot import demo
from okmot.db import bulk
from okmot.db.engine import Database
from okmot.models import AuditEvent, LandPlot, Person, Village
from okmot.reporting import residents
from okmot.reporting.data import VillageRef


def _statements(session):
    villages = [VillageRef(v.id, v.code, v.name_ky, v.name_ru, v.aimak_id, "", "", "")
                for v in session.scalars(select(Village))]
    yield residents.base_query(villages).where(residents.member_on(dt.date.today()))
    # Date-times; numeric areas, integers, nullable columns; JSON (lists: unhashable as psycopg returns them).
    yield residents.base_query(villages).add_columns(Person.changed_at, Person.social_categories)
    yield select(*LandPlot.__table__.columns)
    yield select(*AuditEvent.__table__.columns)


def _check(db: Database) -> int:
    checked = 0
    with db.session(None) as s:
        for statement in _statements(s):
            want = [tuple(row) for row in s.execute(statement)]
            got = bulk.fetch_values(s.connection(), statement)
            assert got == want
            assert [tuple(map(type, row)) for row in got] == [tuple(map(type, row)) for row in want]
            checked += len(want)
    return checked


def test_fetch_values_on_sqlite(tmp_path):
    path = tmp_path / "demo.sqlite3"
    demo.create_demo_file(path, households=12, seed=5, paperwork=True)
    db = Database(path)
    try:
        assert _check(db) > 100
        with db.session(None) as s:
            assert bulk.fetch_values(s.connection(), select(Person.id).where(Person.id.is_(None))) == []
    finally:
        db.dispose()


@pytest.mark.postgres
def test_fetch_values_on_postgresql(pg_db):
    demo.generate_into(pg_db, households=12, seed=5)
    db = Database(pg_db)
    try:
        assert _check(db) > 100
    finally:
        db.dispose()
