"""Insert many rows at once, the fastest way each database offers.

The values are bound by their columns' own types, as an INSERT would bind them, and handed to
the driver in one go: PostgreSQL loads them with COPY, as it answers each row of an
`executemany` as a statement of its own, for several times the cost of loading the row;
SQLite takes an `executemany`, which costs it little a row. Either way the driver gets the
rows without the per-row work SQLAlchemy does for an INSERT of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Column, Connection, Table

Row = dict[str, Any]
# Up to this many rows go in as a plain INSERT.
FEW = 20


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
