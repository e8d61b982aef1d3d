"""Insert many rows at once, the fastest way each database offers.

The values are bound by their columns' own types, as an INSERT would bind them, and handed to
the driver in one go: PostgreSQL loads them with COPY, as it answers each row of an
`executemany` as a statement of its own, for several times the cost of loading the row;
SQLite takes an `executemany`, which costs it little a row. Either way the driver gets the
rows without the per-row work SQLAlchemy does for an INSERT of its own.

`loading` wraps a large load: on SQLite, its tables' secondary indexes are built once after
it rather than row by row, and the pages it writes are held in memory; `loads_together`
makes the loads of its block (an import's files) build them once, at its end.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, text
from sqlalchemy.orm import Session

# Up to this many rows go in as a plain INSERT.
FEW = 20
# A load of fewer rows than this is written as any other write.
LARGE_LOAD = 10_000
# SQLite's page cache while it loads, in KiB (its default is 2 MiB): the indexes a load grows
# are written all over, and each page that misses the cache is read again from the file.
LOAD_CACHE_KIB = 256 * 1024
# Where `loads_together` keeps, for its block, the definitions of the indexes loads dropped.
DEFERRED = "tracker.bulk.deferred_indexes"


def insert_rows(connection: Connection, table: Table, columns: Mapping[str, Sequence[Any]]) -> None:
    """Insert rows given a column at a time: each of `columns` a list of one value a row, all
    of one length; the table's other columns take their defaults."""
    count = len(next(iter(columns.values()), ()))
    if not count:
        return
    if count <= FEW:  # one INSERT costs less than setting up a bulk load
        connection.execute(table.insert(), rows_of(columns))
        return
    names, values = bound(connection, table, columns, count)
    quote = connection.dialect.identifier_preparer
    into = f"{quote.format_table(table)} ({', '.join(map(quote.format_column, names))})"
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {into} FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:  # SQLite
        marks = ", ".join("?" for _ in names)
        connection.exec_driver_sql(f"INSERT INTO {into} VALUES ({marks})", list(values))


def rows_of(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The rows that columns of values make, as mappings of names to values."""
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def bound(
    connection: Connection, table: Table, columns: Mapping[str, Sequence[Any]], count: int
) -> tuple[list[Column[Any]], Iterator[tuple[Any, ...]]]:
    """The columns to write, the given ones then those with a default, and each row's values
    for them, converted for the driver.

    Converted a column at a time: a column's distinct values once each when it repeats them
    (a status, a date, a default), each value by `map` otherwise, so the loop runs in C.
    """
    defaulted = [
        column for column in table.columns if column.name not in columns and column.default
    ]
    names = [table.columns[name] for name in columns] + defaulted
    values: list[Iterable[Any]] = [
        converted(bind_processor(connection, table.columns[name]), column)
        for name, column in columns.items()
    ]
    for column in defaulted:
        convert = bind_processor(connection, column)
        value = default_of(column)
        values.append(repeat(value if convert is None else convert(value), count))
    return names, zip(*values, strict=True)


def converted(convert: Callable[[Any], Any] | None, column: Sequence[Any]) -> Sequence[Any]:
    """A column's values converted for the driver, each distinct value once if it repeats."""
    if convert is None:
        return column
    try:
        distinct = set(column)
    except TypeError:  # values that cannot be hashed (JSON's objects) are converted each
        return list(map(convert, column))
    if 2 * len(distinct) > len(column):
        return list(map(convert, column))
    conversions = {value: convert(value) for value in distinct}
    return list(map(conversions.__getitem__, column))


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
def loading(
    session: Session, tables: Sequence[Table], rows: int, *, keep: Collection[str] = ()
) -> Iterator[None]:
    """Load about `rows` rows into each of `tables`, in the session's transaction; fewer than
    `LARGE_LOAD` are written as any other write.

    The load runs in a savepoint, so one that fails leaves the transaction as it was. On
    SQLite, a table the load adds at least half again to has its secondary indexes dropped
    first and built again once at the end, from their own definitions: building an index from
    all its rows costs a fraction of growing it a row at a time. Unique indexes stay, as they
    check the rows as they come. Within `loads_together`, the indexes wait for the end of its
    block, but for those named in `keep`: the ones the caller's writes after the load read.
    Readers keep their snapshot of the database, indexes and all, until the commit. SQLite
    keeps up to `LOAD_CACHE_KIB` of pages in memory for the length of the load.

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
        deferred: list[str] | None = session.info.get(DEFERRED)
        kept = () if deferred is None else keep
        dropped = [
            (name, definition)
            for table in tables
            if 2 * rows >= (connection.scalar(select(func.max(table.c.id))) or 0)
            for name, definition in secondary_indexes(connection, table)
            if name not in kept
        ]
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        quote = connection.dialect.identifier_preparer.quote
        try:
            for name, _ in dropped:
                connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
            yield
            if deferred is None:
                build_indexes(connection, [definition for _, definition in dropped])
            else:
                deferred += [definition for _, definition in dropped]
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {cache}")


@contextmanager
def loads_together(session: Session) -> Iterator[None]:
    """Let the large loads in the block (`loading`) build the indexes they drop once, at its end.

    For an import of many files, each a load of its own: on SQLite, the indexes the first load
    drops stay dropped for the loads after it, which would otherwise grow them a row at a time
    once the tables hold more than twice what each adds, and are built from all the rows when
    the block ends. When the block raises, its transaction is to be rolled back, the drops
    with it, and nothing is built.
    """
    deferred: list[str] = []
    session.info[DEFERRED] = deferred
    try:
        yield
    finally:
        del session.info[DEFERRED]
    if deferred:
        build_indexes(session.connection(), deferred)


def build_indexes(connection: Connection, definitions: Iterable[str]) -> None:
    """Create indexes from their definitions, as SQLite holds them."""
    for definition in definitions:
        connection.exec_driver_sql(definition)


def secondary_indexes(connection: Connection, table: Table) -> list[tuple[str, str]]:
    """The name and definition of each of SQLite's indexes of `table` that is not unique, as
    the database holds them."""
    query = text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %' ORDER BY name"
    )
    return [(name, sql) for name, sql in connection.execute(query, {"table": table.name})]
