"""Hash chains that make the change journal and the audit trail tamper-evident.

Each row stores the hash of the row before it (``prev_hash``) and its own hash over that and its
content. Editing a row changes its hash; deleting or inserting one breaks the next row's link;
both are found by ``verify``. Rows are appended only through ``append`` so the chain stays whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, select, text
from sqlalchemy.engine import Connection

from okmot.db import bulk

GENESIS = "0" * 64
#: PostgreSQL advisory lock key: two district operators appending at once must not fork the chain.
_PG_LOCK = 7_140_117


#: The text of the common exact types, looked up by type: bulk imports hash hundreds of thousands of rows.
_FAST_TEXT = {str: lambda v: v, int: str, uuid.UUID: lambda v: v.hex,
              dt.datetime: lambda v: v.isoformat(sep=" "), dt.date: lambda v: v.isoformat()}


def _text(value) -> str:
    if value is None:
        return ""
    fast = _FAST_TEXT.get(type(value))
    if fast is not None:
        return fast(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _field_bytes(value) -> bytes:
    data = _text(value).encode("utf-8")
    return len(data).to_bytes(8, "big") + data


#: One field's part of a digest when the field is empty (None hashes as the empty text).
_EMPTY = (0).to_bytes(8, "big")


def digest(prev_hash: str, row: dict, fields: Sequence[str]) -> str:
    """The hash of one row: the previous hash and the row's fields, unambiguously joined."""
    parts = [prev_hash.encode("ascii")]
    for name in fields:
        value = _text(row.get(name)).encode("utf-8")
        parts.append(len(value).to_bytes(8, "big"))
        parts.append(value)
    # One update over the joined bytes hashes the same stream as one update per part, faster.
    return hashlib.sha256(b"".join(parts)).hexdigest()


def _column_bytes(values: list) -> list[bytes]:
    """``_field_bytes`` of each value of one field over many rows."""
    first = values[0]
    # A column of distinct texts (record ids, journal payloads): encoded without a call per value.
    if type(first) is str and values[-1] is not first and set(map(type, values)) == {str}:
        return [len(data).to_bytes(8, "big") + data for data in map(str.encode, values)]
    return bulk.map_column(values, _field_bytes, _EMPTY)


def append(conn: Connection, table: Table, rows: list[dict], fields: Sequence[str]) -> None:
    """Insert ``rows`` at the end of the chain kept in ``table`` (ordered by its ``seq``)."""
    if rows:
        names = [c.name for c in table.columns if c.name not in ("seq", "prev_hash", "hash")]
        append_columns(conn, table, {name: [row.get(name) for row in rows] for name in names}, fields)


@dataclass
class Tail:
    """The last hash of a chain, kept by a writer that appends several times without reading it back."""

    hash: str


def tail(conn: Connection, table: Table) -> Tail:
    """The chain's last hash, with the chain locked for appending until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    # On SQLite the writing transaction already holds the write lock (BEGIN IMMEDIATE).
    return Tail(conn.execute(select(table.c.hash).order_by(table.c.seq.desc()).limit(1)).scalar() or GENESIS)


def append_columns(conn: Connection, table: Table, columns: dict[str, Sequence], fields: Sequence[str],
                   ready: Collection[str] = (), *, after: Tail | None = None,
                   stream: bulk.CopyStream | None = None) -> None:
    """``append`` of rows given column by column: every column of ``table`` but ``seq`` and the hashes.

    ``ready``: columns given as driver values (see ``bulk.driver_columns``); a UUID given as its hex
    hashes like the UUID itself. ``after``: the chain's tail as ``tail`` read it in this transaction,
    moved on to the last row appended here; ``stream``: the rows go to it (``bulk.insert_driver``).
    """
    count = len(columns[fields[0]])
    if not count:
        return
    prev = (after or tail(conn, table)).hash
    # The same bytes as ``digest`` hashes, built field by field over all rows: only the chaining
    # itself (each hash feeds the next) stays a loop per row.
    tails = list(map(b"".join, zip(*(_column_bytes(list(columns[name])) for name in fields))))
    sha256 = hashlib.sha256
    prevs, hashes = [], []
    for row in tails:
        prevs.append(prev)
        prev = sha256(prev.encode("ascii") + row).hexdigest()
        hashes.append(prev)
    if after is not None:
        after.hash = prev
    names = [c.name for c in table.columns if c.name != "seq"]
    rows = bulk.driver_columns(conn, table, names, {**columns, "prev_hash": prevs, "hash": hashes}, ready)
    bulk.insert_driver(conn, table, names, (rows[start:start + bulk.BATCH] for start in range(0, count, bulk.BATCH)),
                       stream)


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str  # "edited" (content does not match its hash) or "link" (a row missing or inserted before it)


def verify(rows: Iterable[dict], fields: Sequence[str]) -> list[Break]:
    """Walk the chain in ``seq`` order and report every place it does not hold."""
    breaks = []
    prev = GENESIS
    for row in rows:
        if row["prev_hash"] != prev:
            breaks.append(Break(row["seq"], "link"))
        if digest(row["prev_hash"] or "", row, fields) != row["hash"]:
            breaks.append(Break(row["seq"], "edited"))
        prev = row["hash"]
    return breaks
