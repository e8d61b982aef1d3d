"""Insert many rows at once, the fastest way each database offers.

The values are bound by their columns' own types, as an INSERT would bind them, and handed to
the driver in one go: PostgreSQL loads them with COPY, as it answers each row of an
`executemany` as a statement of its own, for several times the cost of loading the row;
SQLite takes an `executemany`, which costs it little a row. Either way the driver gets the
rows without the per-row work SQLAlchemy does for an INSERT of its own.

`loading` wraps a large load: on SQLite, its tables' secondary indexes are built once after
it rather than row by row, and the pages it writes are held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, text
from sqlalchemy.orm import Session

Row = dict[str, Any]
# Up to this many rows go in as a plain INSERT.
FEW = 20
# A load of fewer rows than this is written as any other write.
LARGE_LOAD = 10_000
# SQLite's page cache while it loads, in KiB (its default is 2 MiB): the indexes a load grows
# are written all over, and each page that misses the cache is read again from the file.
LOAD_CACHE_KIB = 256 * 1024


def insert_rows(connection: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Insert rows that all give the same columns; the others take their defaults."""
    if not rows:
        return
    if len(rows) <= FEW:  # one INSERT costs less than setting up a bulk load
        connection.execute(table.insert(), list(rows))
        return
    columns, values = bound(connection, table, rows)
    quote = connection.dialect.identifier_preparer
    into = f"{quote.format_table(table)} ({', '.join(map(quote.format_column, columns))})"
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {into} FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:  # SQLite
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {into} VALUES ({marks})", list(values))


def bound(
    connection: Connection, table: Table, rows: Sequence[Row]
) -> tuple[list[Column[Any]], Iterator[tuple[Any, ...]]]:
    """The columns to write, the given ones then those with a default, and each row's values
    for them, converted for the driver.

    Converted a column at a time, by `map`: the loop over the rows runs in C, and a default
    is converted once for them all.
    """
    given = list(rows[0])
    defaulted = [column for column in table.columns if column.name not in given and column.default]
    columns = [table.columns[name] for name in given] + defaulted
    values: list[Iterable[Any]] = []
    for name in given:
        convert = bind_processor(connection, table.columns[name])
        column_values = [row[name] for row in rows]
        values.append(column_values if convert is None else list(map(convert, column_values)))
    for column in defaulted:
        convert = bind_processor(connection, column)
        value = default_of(column)
        values.append(repeat(value if convert is None else convert(value), len(rows)))
    return columns, zip(*values, strict=True)


def bind_processor(connection: Connection, column: Column[Any]) -> Callable[[Any], Any] | None:
    """The column type's conversion of a value for the driver, as an INSERT applies it."""
    dialect = connection.dialect
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def default_of(column: Column[Any]) -> Any:
    """The value of a column's Python-side default: a constant, or a function called now."""
    default = column.default
    assert default is not None
    if default.is_scalar:
        return default.arg  # type: ignore[attr-defined]
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    raise ValueError(f"{column} has a default that only an INSERT can compute.")


@contextmanager
def loading(session: Session, tables: Sequence[Table], rows: int) -> Iterator[None]:
    """Load about `rows` rows into each of `tables`, in the session's transaction; fewer than
    `LARGE_LOAD` are written as any other write.

    The load runs in a savepoint, so one that fails leaves the transaction as it was. On
    SQLite, a table the load adds at least half again to has its secondary indexes dropped
    first and built again once at the end, from their own definitions: building an index from
    all its rows costs a fraction of growing it a row at a time. Unique indexes stay, as they
    check the rows as they come. Readers keep their snapshot of the database, indexes and
    all, until the commit. SQLite keeps up to `LOAD_CACHE_KIB` of pages in memory for the
    length of the load.

    Not on PostgreSQL: dropping an index locks its table against every reader until the
    commit, and building the full-text indexes again over the whole table cost what loading
    into them saved (benchmarks/RESULTS.md).
    """
    if rows < LARGE_LOAD:
        yield
        return
    with session.begin_nested():
        connection = session.connection()  # the savepoint, taken here
        if connection.dialect.name != "sqlite":
            yield
            return
        dropped = [
            index
            for table in tables
            if 2 * rows >= (connection.scalar(select(func.max(table.c.id))) or 0)
            for index in secondary_indexes(connection, table)
        ]
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        quote = connection.dialect.identifier_preparer.quote
        try:
            for name, _ in dropped:
                connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
            yield
            for _, definition in dropped:
                connection.exec_driver_sql(definition)
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {cache}")


def secondary_indexes(connection: Connection, table: Table) -> list[tuple[str, str]]:
    """The name and definition of each of SQLite's indexes of `table` that is not unique, as
    the database holds them."""
    query = text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %' ORDER BY name"
    )
    return [(name, sql) for name, sql in connection.execute(query, {"table": table.name})]
