"""Bulk inserts at driver speed: one SQLite executemany or one PostgreSQL COPY, same stored values as Core.

SQLAlchemy's Core executemany spends more time building parameters row by row than SQLite spends
writing them. Here each column's own bind processor (the one Core would use) is looked up once and
applied in a tight loop, so the stored values are exactly those of ``insert(table)``; PostgreSQL
takes the rows through COPY. Every column must be given (Python-side column defaults do not run)
and the rows go in on the caller's connection, inside its transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

#: Rows handed to the driver per executemany call: bounds the memory of the converted parameters.
BATCH = 20_000


def _processors(conn: Connection, table: Table, names: Sequence[str]) -> list:
    dialect = conn.dialect
    return [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]


def map_column(values: list, fn, none=None) -> list:
    """``fn`` of every value (``none`` for None), in order; a column holding one object throughout is converted once.

    Bulk rows often repeat one object in a column (the import's time stamp, its user): ``list.count``
    compares by identity first, so recognising that costs no Python call per row.
    """
    first = values[0]
    if values[-1] is first and values.count(first) == len(values):
        return [none if first is None else fn(first)] * len(values)
    return [none if v is None else fn(v) for v in values]


def driver_rows(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[dict]) -> list[tuple]:
    """``rows`` as the driver's parameter tuples, converted as ``insert(table)`` would convert them.

    Converted column by column: one bind processor applied over a list, not looked up per value.
    """
    if not rows:
        return []
    return driver_columns(conn, table, names, {name: [row[name] for row in rows] for name in names})


def driver_columns(conn: Connection, table: Table, names: Sequence[str], columns: Mapping[str, Sequence],
                   ready: Collection[str] = ()) -> list[tuple]:
    """``driver_rows`` of rows given as one sequence of values per name.

    The columns named in ``ready`` already hold driver values (e.g. a UUID's hex) and are passed as they are.
    """
    converted = []
    for name, process in zip(names, _processors(conn, table, names), strict=True):
        values = columns[name]
        keep = process is None or name in ready or not values
        converted.append(values if keep else map_column(list(values), process))
    return list(zip(*converted))


@contextlib.contextmanager
def _driver_cursor(conn: Connection, statement) -> Iterator:
    """The driver's cursor of ``statement``, compiled and bound by SQLAlchemy as usual, closed afterwards."""
    result = conn.execute(statement)
    try:
        yield result.cursor
    finally:
        result.close()


def fetch(conn: Connection, statement) -> list[tuple]:
    """Every row of ``statement`` as the driver returns it (tuples of SQLite text, psycopg objects …).

    The statement is compiled and its parameters bound by SQLAlchemy as usual; only the result
    skips SQLAlchemy's row objects and value processing, which for a few hundred thousand rows
    cost more than the database's own reading.
    """
    with _driver_cursor(conn, statement) as cursor:
        return cursor.fetchall()


def fetch_slices(conn: Connection, statement, size: int) -> Iterator[list[tuple]]:
    """``fetch`` of ``statement`` in lists of at most ``size`` rows, so a big result is never whole in memory."""
    with _driver_cursor(conn, statement) as cursor:
        while rows := cursor.fetchmany(size):
            yield rows


def fetch_values(conn: Connection, statement) -> list[tuple]:
    """Every row of ``statement`` with the values SQLAlchemy would return, each distinct value converted once.

    ``fetch``, then each selected column's own result processor over the whole column through a
    table of its distinct values: a report's rows repeat the same village, household, street or
    birth date thousands of times, and a lookup costs a fraction of a new UUID object or a parsed
    date. Columns of unhashable values (JSON on PostgreSQL) are converted value by value.
    """
    dialect = conn.dialect
    with _driver_cursor(conn, statement) as cursor:
        rows = cursor.fetchall()
        description = cursor.description
    if not rows:
        return []
    columns = []
    for column, values, described in zip(statement.selected_columns, zip(*rows), description, strict=True):
        process = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
        if process is None:
            columns.append(values)
            continue
        try:
            known = {v: process(v) for v in set(values) if v is not None}
        except TypeError:
            columns.append([None if v is None else process(v) for v in values])
        else:
            columns.append(list(map(known.get, values)))
    return list(zip(*columns))


def _quoted(conn: Connection, table: Table, names: Sequence[str]) -> tuple[str, str]:
    quote = conn.dialect.identifier_preparer.quote
    return quote(table.name), ", ".join(quote(n) for n in names)


def insert(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts with every name in ``names``) into ``table``."""
    if rows:
        # A generator: one batch's converted parameters in memory at a time.
        insert_driver(conn, table, names, (driver_rows(conn, table, names, rows[start:start + BATCH])
                                           for start in range(0, len(rows), BATCH)))


def insert_driver(conn: Connection, table: Table, names: Sequence[str], batches: Iterable[Sequence[tuple]],
                  stream: CopyStream | None = None) -> None:
    """Insert rows already converted to driver values (tuples in ``names`` order), a batch per driver call.

    With a ``stream`` (PostgreSQL) the rows are queued on it, to be stored by the time it is closed.
    """
    if stream is not None:
        stream.copy(table, names, batches)
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, names, batches)
        return
    name, cols = _quoted(conn, table, names)
    sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join('?' for _ in names)})"  # noqa: S608 - names from our models
    for batch in batches:
        conn.exec_driver_sql(sql, batch)


#: Rows per block of COPY text: about 0.5 MB.
COPY_BLOCK = 1000
#: COPY's text format (PostgreSQL docs, "COPY: File Formats"): a null, and the characters a field escapes.
_COPY_NULL = "\\N"
_COPY_SPECIAL = ("\\", "\t", "\n", "\r")
#: How a value of each type is written in COPY's text format, as PostgreSQL's input functions read it
#: back into the same value psycopg's own dumpers would give; a column of any other type (Decimal,
#: float, JSON …) leaves its block to psycopg's ``write_row``.
_COPY_TEXT = {
    str: None,
    int: int.__repr__,
    bool: {True: "t", False: "f"}.__getitem__,
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
    uuid.UUID: str,
}


def _copy_field(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_column(values: Sequence) -> list[str] | None:
    """One column's values as COPY text fields, or None when one of them is of a type not written here."""
    first = values[0]
    if len(values) > 1 and values[-1] is first and values.count(first) == len(values):
        # One object throughout (the import's time stamp, its user): written once.
        field = _copy_column((first,))
        return None if field is None else field * len(values)
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if len(kinds) > 1 or not kinds <= _COPY_TEXT.keys():
        return None
    write = _COPY_TEXT[kinds.pop()] if kinds else None
    if not nulls:
        texts = list(values) if write is None else list(map(write, values))
    else:
        texts = [None if v is None else v if write is None else write(v) for v in values]
    # One scan of the whole column decides whether any field needs escaping (rarely: a JSON line with \").
    joined = "".join(t for t in texts if t is not None) if nulls else "".join(texts)
    if any(char in joined for char in _COPY_SPECIAL):
        texts = [None if t is None else _copy_field(t) for t in texts]
    return [_COPY_NULL if t is None else t for t in texts] if nulls else texts


def copy_text(rows: Sequence[tuple]) -> str | None:
    """``rows`` as one block of COPY text (a line per row), or None when a column holds a type not written here.

    Built column by column with C-level ``map`` and ``join``, and escaped only in the columns that
    hold a special character: for a few hundred thousand rows several times cheaper than psycopg's
    ``write_row``, which formats each value of each row in turn.
    """
    if not rows:
        return ""
    columns = []
    for values in zip(*rows):
        texts = _copy_column(values)
        if texts is None:
            return None
        columns.append(texts)
    return "\n".join(map("\t".join, zip(*columns))) + "\n"


def _copy(conn: Connection, table: Table, names: Sequence[str], batches: Iterable[Sequence[tuple]]) -> None:
    statement = _copy_statement(conn, table, names)
    dbapi = conn.connection.driver_connection
    try:
        with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            for batch in batches:
                for block in _copy_blocks(batch):
                    _write(copy, block)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _as_core_error(conn, statement, exc) from None


def _copy_statement(conn: Connection, table: Table, names: Sequence[str]) -> str:
    name, cols = _quoted(conn, table, names)
    return f"COPY {name} ({cols}) FROM STDIN"


def _copy_blocks(batch: Sequence[tuple]) -> Iterator[str | Sequence[tuple]]:
    """``batch`` in blocks of COPY text, or of rows for ``write_row`` where a column is of a type not written here.

    Small blocks: the server reads one while the next is formatted.
    """
    for start in range(0, len(batch), COPY_BLOCK):
        rows = batch[start:start + COPY_BLOCK]
        block = copy_text(rows)
        yield rows if block is None else block


def _write(copy, block: str | Sequence[tuple]) -> None:
    if isinstance(block, str):
        copy.write(block)
        return
    for values in block:
        copy.write_row(values)


def _as_core_error(conn: Connection, statement: str, exc: BaseException) -> DBAPIError:
    """The same exception class Core would raise (IntegrityError, DataError …), so callers handle a
    refused COPY exactly like a refused INSERT."""
    return DBAPIError.instance(statement, None, exc, conn.dialect.loaded_dbapi.Error)


#: Blocks of COPY text a CopyStream holds waiting for the server: a few tens of MB at most.
STREAM_DEPTH = 64
_END = object()


class CopyStream:
    """COPYs into PostgreSQL written by a thread of their own, so the caller prepares the next rows meanwhile.

    Each ``copy`` formats its rows in the caller's thread and queues them; the writer thread sends
    them and waits for the server, with the interpreter lock released. A district import decodes,
    checks and hashes as much as the server spends storing, and one after the other the two took
    twice as long as either. While the stream is open (``copy_stream``) no other statement may
    run on the connection. A failure of the server is raised by the next ``copy`` or by ``close``, as the
    exception Core would raise; the caller's transaction must then be rolled back.
    """

    def __init__(self, conn: Connection):
        self._conn = conn
        self._dbapi = conn.connection.driver_connection
        self._queue: queue.Queue = queue.Queue(maxsize=STREAM_DEPTH)
        self._failure: tuple[str, BaseException] | None = None
        self._thread = threading.Thread(target=self._run, name="okmot-copy", daemon=True)
        self._thread.start()

    def copy(self, table: Table, names: Sequence[str], batches: Iterable[Sequence[tuple]]) -> None:
        """Queue a COPY of rows already converted to driver values (tuples in ``names`` order)."""
        self._put(_copy_statement(self._conn, table, names))
        for batch in batches:
            for block in _copy_blocks(batch):
                self._put(block)
        self._put(_END)

    def close(self, *, failed: bool = False) -> None:
        """Wait until the server has stored every row queued; ``failed``: abandon what is still queued."""
        if failed and self._failure is None:
            self._failure = ("", _Abandoned())
        self._queue.put(None)
        self._thread.join()
        if self._failure is not None and not failed:
            self._raise()

    def _put(self, item) -> None:
        if self._failure is not None:
            self._raise()
        self._queue.put(item)

    def _raise(self):
        statement, exc = self._failure
        if isinstance(exc, self._conn.dialect.loaded_dbapi.Error):
            raise _as_core_error(self._conn, statement, exc) from None
        raise exc

    def _run(self) -> None:
        statement, stopped = "", False
        try:
            with self._dbapi.cursor() as cursor:
                while (item := self._queue.get()) is not None:
                    statement = item
                    with cursor.copy(statement) as copy:
                        while (block := self._queue.get()) is not _END:
                            stopped = block is None
                            if stopped or self._failure is not None:
                                # The caller gave up part way: the COPY is cancelled, not finished.
                                raise _Abandoned()
                            _write(copy, block)
                stopped = True
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            if self._failure is None:
                self._failure = (statement, exc)
            # Nothing more is written: take what the caller still queues until it closes the stream.
            while not stopped:
                stopped = self._queue.get() is None


class _Abandoned(Exception):
    """Ends a COPY the caller gave up on (its transaction is rolled back)."""


@contextlib.contextmanager
def copy_stream(conn: Connection) -> Iterator[CopyStream | None]:
    """A CopyStream on PostgreSQL for the block, closed (waited for) at its end; None on SQLite."""
    if conn.dialect.name != "postgresql":
        yield None
        return
    stream = CopyStream(conn)
    try:
        yield stream
    except BaseException:
        stream.close(failed=True)
        raise
    stream.close()
