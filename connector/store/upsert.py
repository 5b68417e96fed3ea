"""INSERT that ignores rows whose unique key already exists, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_new(
    connection: Connection, table: Table, rows: Sequence[dict], unique: Sequence[str]
) -> list:
    """Insert `rows`, skipping those that collide on `unique`; return the new rows' keys.

    The database decides duplicates, so two processes inserting the same key at
    once both succeed and exactly one row exists afterwards.
    """
    if not rows:
        return []
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*(table.c[name] for name in unique))
    )
    return list(connection.execute(statement, list(rows)))
