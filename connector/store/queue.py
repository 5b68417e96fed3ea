"""Claiming rows from a work queue (inbox or outbox) safely across processes.

1. Pick due rows: state in the claimable states, `due_at <= now`, and no live
   claim (`claimed_until` empty or past).
2. On PostgreSQL, lock them with `FOR UPDATE SKIP LOCKED` so replicas never
   wait on or take each other's rows; SQLite has one writer at a time anyway.
3. Stamp them with the claimer and a lease end in the same transaction. A
   claimer that dies leaves rows whose lease simply runs out.

A claimer may narrow the pick (`only`, e.g. one kind of effect) and take rows
only by whole multiples of `multiple_of` (full batches), leaving the rest due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Table, and_, or_, select, update


def claim(
    connection: Connection,
    table: Table,
    states: Sequence[str],
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    only: ColumnElement[bool] | None = None,
    multiple_of: int = 1,
) -> list:
    """Claim up to `limit` due rows of `table` (those `only` admits, by whole multiples
    of `multiple_of`); return them as rows, oldest due first."""
    due = (
        select(table.c.id)
        .where(
            table.c.state.in_(states),
            table.c.due_at <= now,
            or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
            *([] if only is None else [only]),
        )
        .order_by(table.c.due_at, table.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = connection.execute(due).scalars().all()
    ids = ids[: len(ids) // multiple_of * multiple_of]
    if not ids:
        return []
    connection.execute(
        update(table)
        .where(table.c.id.in_(ids))
        .values(claimed_by=worker, claimed_until=now + lease)
    )
    return connection.execute(
        select(table).where(table.c.id.in_(ids)).order_by(table.c.due_at, table.c.id)
    ).all()


def owned(table: Table, row_id: int, worker: str):
    """A WHERE clause true only while `worker` still holds its claim on the row."""
    return and_(table.c.id == row_id, table.c.claimed_by == worker)


def retry_delay(
    attempts: int, base: timedelta = timedelta(seconds=30), ceiling: timedelta = timedelta(hours=1)
) -> timedelta:
    """Exponential back-off for the `attempts`-th failure, capped at `ceiling`."""
    return min(ceiling, base * (2 ** max(0, attempts - 1)))
