"""Bulk inserts at driver speed: one SQLite executemany or one PostgreSQL COPY, same stored values as Core.

SQLAlchemy's Core executemany spends more time building parameters row by row than SQLite spends
writing them. Here each column's own bind processor (the one Core would use) is looked up once and
applied in a tight loop, so the stored values are exactly those of ``insert(table)``; PostgreSQL
takes the rows through COPY. Every column must be given (Python-side column defaults do not run)
and the rows go in on the caller's connection, inside its transaction.
"""

from __future__ import annotations

import contextlib
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


def insert_driver(conn: Connection, table: Table, names: Sequence[str], batches: Iterable[Sequence[tuple]]) -> None:
    """Insert rows already converted to driver values (tuples in ``names`` order), a batch per driver call."""
    if conn.dialect.name == "postgresql":
        _copy(conn, table, names, batches)
        return
    name, cols = _quoted(conn, table, names)
    sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join('?' for _ in names)})"  # noqa: S608 - names from our models
    for batch in batches:
        conn.exec_driver_sql(sql, batch)


def _copy(conn: Connection, table: Table, names: Sequence[str], batches: Iterable[Sequence[tuple]]) -> None:
    name, cols = _quoted(conn, table, names)
    statement = f"COPY {name} ({cols}) FROM STDIN"
    dbapi = conn.connection.driver_connection
    try:
        with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            for batch in batches:
                for values in batch:
                    copy.write_row(values)
    except conn.dialect.loaded_dbapi.Error as exc:
        # The same exception class Core would raise (IntegrityError, DataError …), so callers
        # handle a refused COPY exactly like a refused INSERT.
        raise DBAPIError.instance(statement, None, exc, conn.dialect.loaded_dbapi.Error) from None
