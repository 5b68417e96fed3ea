"""INSERTs that skip or update rows whose unique key already exists, on SQLite and
PostgreSQL, as one statement for many rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    JSON,
    Connection,
    String,
    Table,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def insert_new(
    connection: Connection, table: Table, rows: Sequence[dict], unique: Sequence[str]
) -> list:
    """Insert `rows`, skipping those that collide on `unique`; return the new rows' keys.

    The database decides duplicates, so two processes inserting the same key at
    once both succeed and exactly one row exists afterwards. Every row names
    the same columns.
    """
    if not rows:
        return []
    return list(_execute(connection, table, rows, tuple(unique), update=False))


def count_new(
    connection: Connection, table: Table, rows: Sequence[dict], unique: Sequence[str]
) -> int:
    """`insert_new` for a caller that only needs how many rows were new."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        return len(insert_new(connection, table, rows, unique))
    return _sqlite_many(connection, table, rows, tuple(unique), update=False)


def upsert(connection: Connection, table: Table, rows: Sequence[dict], key: str) -> None:
    """Insert `rows`; where `key` is already stored, update only the columns a row names.

    Every row names the same columns; a key given twice keeps its last row (one
    statement may not change a row twice).
    """
    if not rows:
        return
    rows = list({row[key]: row for row in rows}.values())
    if connection.dialect.name == "postgresql":
        _execute(connection, table, rows, (key,), update=True)
    else:
        _sqlite_many(connection, table, rows, (key,), update=True)


def _execute(
    connection: Connection,
    table: Table,
    rows: Sequence[dict],
    unique: tuple[str, ...],
    update: bool,
):
    postgres = connection.dialect.name == "postgresql"
    statement = _statement(table, tuple(rows[0]), unique, postgres, update)
    if postgres:
        return connection.execute(statement, {"rows": _as_json(rows)})
    return connection.execute(statement, list(rows))


@lru_cache(maxsize=64)
def _statement(
    table: Table, names: tuple[str, ...], unique: tuple[str, ...], postgres: bool, update: bool
):
    """One statement per table and set of columns, built once (building costs more than
    a one-row insert)."""
    insert = _from_json_rows(table, names) if postgres else sqlite.insert(table)
    if update:
        changed = {name: insert.excluded[name] for name in names if name not in unique}
        return insert.on_conflict_do_update(index_elements=list(unique), set_=changed)
    return insert.on_conflict_do_nothing(index_elements=list(unique)).returning(
        *(table.c[name] for name in unique)
    )


def _sqlite_many(
    connection: Connection,
    table: Table,
    rows: Sequence[dict],
    unique: tuple[str, ...],
    update: bool,
) -> int:
    """One `executemany` on SQLite, its parameters converted column by column by the
    columns' own bind processors; returns the rows inserted or updated. SQLAlchemy's
    per-row bookkeeping cost more than the statement for a sync's pages of activity.
    Columns a row leaves out get the database's defaults, not SQLAlchemy's."""
    names = tuple(rows[0])
    sql, processors = _sqlite_text(table, names, unique, update, connection.dialect)
    columns = (
        [row[name] for row in rows] if process is None else [process(row[name]) for row in rows]
        for name, process in zip(names, processors, strict=True)
    )
    return connection.exec_driver_sql(sql, list(zip(*columns, strict=True))).rowcount


@lru_cache(maxsize=64)
def _sqlite_text(
    table: Table, names: tuple[str, ...], unique: tuple[str, ...], update: bool, dialect
) -> tuple[str, tuple]:
    """The INSERT ... ON CONFLICT text (DO NOTHING, or DO UPDATE of the named columns)
    and each column's bind processor."""
    quote = dialect.identifier_preparer.quote
    changed = [f"{quote(n)} = excluded.{quote(n)}" for n in names if n not in unique]
    action = f"DO UPDATE SET {', '.join(changed)}" if update else "DO NOTHING"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))})"
        f" VALUES ({', '.join('?' for _ in names)})"
        f" ON CONFLICT ({', '.join(map(quote, unique))}) {action}"
    )
    columns = [table.c[name] for name in names]
    return sql, tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


def _from_json_rows(table: Table, names: tuple[str, ...]) -> Insert:
    """`INSERT ... SELECT ... FROM json_populate_recordset(NULL::<table>, :rows)`.

    A multi-row VALUES list has a placeholder per row and column, and psycopg
    parses anew, without caching, a statement with more than 50 of them: for a
    webhook batch of 100 that parse took longer than the insert. One JSON
    parameter keeps the statement the same whatever the number of rows, and
    PostgreSQL converts each field to its column's type.
    """
    source = func.json_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam("rows", type_=String), JSON)
    ).table_valued(*names)
    return postgresql.insert(table).from_select(list(names), select(*source.c))


def _as_json(rows: Sequence[dict]) -> str:
    return json.dumps(list(rows), default=_utc_iso)


def _utc_iso(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"{type(value).__name__} cannot be stored in a JSON row")
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC time")
    return value.isoformat()
