"""PostgreSQL bulk writes: COPY text built column by column stores what Core stores; a CopyStream's errors and aborts."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import time
import uuid

import pytest
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Integer, MetaData, Numeric, Table, Text, Uuid,
                        create_engine, insert, select)
from sqlalchemy.exc import IntegrityError

from okmot.db import bulk

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, 678901)


def test_copy_text_writes_each_type_and_escapes_only_what_copy_needs():
    rows = [("tab\there", None, 5, True, WHEN, dt.date(2026, 1, 2), uuid.UUID(int=1)),
            ("back\\slash new\nline cr\rend", "\\N", -7, False, WHEN.replace(microsecond=0), None, None)]
    assert bulk.copy_text(rows) == (
        "tab\\there\t\\N\t5\tt\t2026-01-02T03:04:05.678901\t2026-01-02\t00000000-0000-0000-0000-000000000001\n"
        "back\\\\slash new\\nline cr\\rend\t\\\\N\t-7\tf\t2026-01-02T03:04:05\t\\N\t\\N\n")
    # One object throughout a column (the import's time stamp) is written once, the same way.
    assert bulk.copy_text([("a", WHEN), ("b", WHEN)]) == "a\t2026-01-02T03:04:05.678901\nb\t2026-01-02T03:04:05.678901\n"
    assert bulk.copy_text([]) == ""


@pytest.mark.parametrize("odd", [1.5, decimal.Decimal("1.5"), {"a": 1}, b"bytes"])
def test_copy_text_leaves_other_types_to_the_driver(odd):
    assert bulk.copy_text([("text", odd)]) is None
    # A column mixing types is no column of one type either.
    assert bulk.copy_text([(1,), ("1",)]) is None


def _probe_tables():
    meta = MetaData()

    def probe(name: str) -> Table:
        return Table(name, meta, Column("id", Integer, primary_key=True), Column("text", Text),
                     Column("number", Integer), Column("flag", Boolean), Column("at", DateTime),
                     Column("day", Date), Column("ref", Uuid), Column("data", JSON), Column("amount", Numeric(12, 2)))

    return meta, probe("probe_core"), probe("probe_copy")


TRICKY = ["plain", "", "tab\tin", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "Ңөү Асан уулу",
          '{"name":"Айгүл \\"Айка\\""}', "trailing space ", None]


@pytest.fixture
def pg_engine(pg_db):
    engine = create_engine(pg_db.replace("postgresql://", "postgresql+psycopg://", 1))
    meta, core, copy = _probe_tables()
    meta.create_all(engine)
    yield engine, core, copy
    engine.dispose()


def _rows(with_json: bool) -> list[dict]:
    """A row per tricky text; with_json adds a JSON and a numeric value (types left to psycopg)."""
    rows = []
    for i, text in enumerate(TRICKY):
        row = {"id": i + 1, "text": text, "number": None if i % 5 == 0 else (-1) ** i * 2 ** (i * 2),
               "flag": None if i % 4 == 0 else i % 2 == 0,
               "at": None if i == 3 else WHEN.replace(microsecond=i * 1000, second=i),
               "day": None if i == 2 else dt.date(2026, 1, 1 + i), "ref": None if i == 1 else uuid.UUID(int=i)}
        if with_json:
            row.update(data={"i": i, "text": text}, amount=decimal.Decimal(f"{i}.25"))
        rows.append(row)
    return rows


@pytest.mark.postgres
@pytest.mark.parametrize("with_json", [False, True], ids=["copy text", "write_row"])
def test_copy_stores_exactly_what_core_stores(pg_engine, with_json, monkeypatch):
    """Text, integers, booleans, date-times, dates and UUIDs go as COPY text; JSON and numerics through psycopg."""
    engine, core, copy = pg_engine
    formatted = []
    real = bulk.copy_text
    monkeypatch.setattr(bulk, "copy_text", lambda rows: formatted.append(real(rows)) or formatted[-1])
    rows = _rows(with_json)
    names = list(rows[0])
    with engine.begin() as conn:
        conn.execute(insert(core), rows)
        bulk.insert(conn, copy, names, rows)
    assert formatted and all((block is None) == with_json for block in formatted)
    with engine.connect() as conn:
        want = conn.execute(select(core).order_by(core.c.id)).all()
        got = conn.execute(select(copy).order_by(copy.c.id)).all()
    assert len(got) == len(TRICKY)
    assert got == want
    assert [row.text for row in got] == TRICKY


def _stream_rows(count: int, start: int = 1) -> list[tuple]:
    return [(i, f"row {i}\twith a tab", i * 3, None, WHEN, None, None, None, None) for i in range(start, start + count)]


@pytest.mark.postgres
def test_a_stream_writes_every_copy_queued_before_it_closes(pg_engine, monkeypatch):
    engine, core, copy = pg_engine
    monkeypatch.setattr(bulk, "STREAM_DEPTH", 2)  # the caller waits for the writer often
    monkeypatch.setattr(bulk, "COPY_BLOCK", 7)
    names = [c.name for c in copy.columns]
    with engine.begin() as conn, bulk.copy_stream(conn) as stream:
        assert stream is not None
        bulk.insert_driver(conn, copy, names, [_stream_rows(100)], stream)
        bulk.insert_driver(conn, core, names, [_stream_rows(30), _stream_rows(20, start=31)], stream)
    with engine.connect() as conn:
        assert conn.scalar(select(copy.c.text).where(copy.c.id == 100)) == "row 100\twith a tab"
        assert [len(conn.execute(select(t)).all()) for t in (copy, core)] == [100, 50]


@pytest.mark.postgres
def test_a_servers_refusal_reaches_the_caller_as_cores_error(pg_engine):
    engine, _core, copy = pg_engine
    names = [c.name for c in copy.columns]
    with pytest.raises(IntegrityError), engine.begin() as conn, bulk.copy_stream(conn) as stream:
        bulk.insert_driver(conn, copy, names, [_stream_rows(50)], stream)
        # The same ids again: the primary key refuses the second COPY.
        bulk.insert_driver(conn, copy, names, [_stream_rows(50)], stream)
        for _ in range(20):  # the refusal may come while later rows are still being queued
            bulk.insert_driver(conn, copy, names, [_stream_rows(5, start=1000)], stream)
    with engine.connect() as conn:
        assert conn.execute(select(copy)).all() == []


@pytest.mark.postgres
@pytest.mark.parametrize("case", ["writer waits for rows", "queue full"])
def test_a_stream_given_up_on_cancels_its_copy_and_returns(pg_engine, monkeypatch, case):
    """The caller fails inside a COPY: no hang, no thread left behind, nothing stored."""
    engine, _core, copy = pg_engine
    monkeypatch.setattr(bulk, "STREAM_DEPTH", 1)
    monkeypatch.setattr(bulk, "COPY_BLOCK", 1)
    names = [c.name for c in copy.columns]
    rows = 1 if case == "writer waits for rows" else 300
    outcome = []

    def rows_then_failure():
        yield _stream_rows(rows, start=10_000)
        if case == "writer waits for rows":
            time.sleep(0.5)  # the writer has taken everything queued and waits inside the COPY
        raise RuntimeError("the caller failed")

    def give_up():
        try:
            with engine.begin() as conn, bulk.copy_stream(conn) as stream:
                bulk.insert_driver(conn, copy, names, [_stream_rows(rows)], stream)
                stream.copy(copy, names, rows_then_failure())
        except RuntimeError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=give_up, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the import hung after giving up"
    assert outcome == ["the caller failed"]
    assert not [t for t in threading.enumerate() if t.name == "okmot-copy"]
    with engine.connect() as conn:
        assert conn.execute(select(copy)).all() == []


def test_no_stream_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    with engine.begin() as conn, bulk.copy_stream(conn) as stream:
        assert stream is None
    engine.dispose()
