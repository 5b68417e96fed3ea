"""Webhook events, durable from the moment they are acknowledged until processed."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, select, update

from connector import failpoints
from connector.store import queue
from connector.store.records import ClaimedEvent, InboxEvent, QueueItem
from connector.store.tables import inbox_events
from connector.store.upsert import insert_new

MAX_ATTEMPTS = 8


@contextmanager
def _sqlite_writer_turn(database: str | None) -> Iterator[None]:
    """Wait for this SQLite file's writers ahead, in any thread or process, then go.

    SQLite takes one writer at a time, and a connection that finds the write
    lock held polls for it with sleeps growing to 100 ms: under a burst of
    webhooks that put a 100-300 ms tail on the answers. A writer waiting on
    an flock of a file beside the database wakes as soon as the one before it
    is done (benchmarks/webhook_ingest.py). An in-memory database has no file
    another writer could share.
    """
    if not database or database == ":memory:":
        yield
        return
    descriptor = os.open(f"{database}-writers", os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


class InboxQueries:
    def add_inbox_events(self, events: Sequence[InboxEvent], received_at: datetime) -> int:
        """Store a batch in one transaction; return how many were new (the rest were repeats)."""
        rows = [
            {
                "identity": e.identity,
                "subscription_type": e.subscription_type,
                "object_id": e.object_id,
                "occurred_at": e.occurred_at,
                "payload": e.payload,
                "received_at": received_at,
                "state": "pending",
                "attempts": 0,
                "due_at": received_at,
            }
            for e in events
        ]
        turn = (
            _sqlite_writer_turn(self.engine.url.database)
            if self.dialect == "sqlite"
            else nullcontext()
        )
        with turn, self.writing() as connection:
            new = len(insert_new(connection, inbox_events, rows, ["identity"]))
            failpoints.hit("inbox.before_commit")
        failpoints.hit("inbox.after_commit")
        return new

    def claim_inbox_events(
        self, worker: str, now: datetime, limit: int = 500, lease: timedelta = timedelta(minutes=5)
    ) -> list[ClaimedEvent]:
        with self.writing() as connection:
            rows = queue.claim(connection, inbox_events, ["pending"], worker, now, limit, lease)
        return [
            ClaimedEvent(
                r.id,
                r.identity,
                r.subscription_type,
                r.object_id,
                r.occurred_at,
                r.payload,
                r.attempts,
            )
            for r in rows
        ]

    def finish_inbox_events(
        self, connection: Connection, ids: Sequence[int], state: str = "done"
    ) -> None:
        """Mark claimed events done (or skipped) inside the caller's transaction."""
        if ids:
            connection.execute(
                update(inbox_events)
                .where(inbox_events.c.id.in_(list(ids)))
                .values(state=state, claimed_by=None, claimed_until=None, error=None)
            )

    def fail_inbox_events(self, ids: Sequence[int], error: str, now: datetime) -> None:
        """Push failed events back with back-off; park those that failed MAX_ATTEMPTS times."""
        with self.writing() as connection:
            for row in connection.execute(
                select(inbox_events.c.id, inbox_events.c.attempts).where(
                    inbox_events.c.id.in_(list(ids))
                )
            ):
                attempts = row.attempts + 1
                connection.execute(
                    update(inbox_events)
                    .where(inbox_events.c.id == row.id)
                    .values(
                        attempts=attempts,
                        error=error[:2000],
                        claimed_by=None,
                        claimed_until=None,
                        due_at=now + queue.retry_delay(attempts),
                        state="parked" if attempts >= MAX_ATTEMPTS else "pending",
                    )
                )

    def list_inbox(self, states: Sequence[str], limit: int = 100) -> list[QueueItem]:
        with self.reading() as connection:
            rows = connection.execute(
                select(inbox_events)
                .where(inbox_events.c.state.in_(list(states)))
                .order_by(inbox_events.c.due_at)
                .limit(limit)
            )
            return [
                QueueItem(
                    r.id,
                    r.identity,
                    r.subscription_type,
                    r.object_id,
                    r.state,
                    r.attempts,
                    r.due_at,
                    r.error,
                )
                for r in rows
            ]

    def requeue_inbox(self, now: datetime, ids: Sequence[int] = ()) -> int:
        """Put parked (or the given failed) events back in line; return how many."""
        condition = inbox_events.c.id.in_(list(ids)) if ids else inbox_events.c.state == "parked"
        with self.writing() as connection:
            return connection.execute(
                update(inbox_events)
                .where(condition, inbox_events.c.state != "done")
                .values(
                    state="pending", attempts=0, due_at=now, claimed_by=None, claimed_until=None
                )
            ).rowcount

    def inbox_depth(self) -> dict[str, int]:
        with self.reading() as connection:
            return dict(
                connection.execute(
                    select(inbox_events.c.state, func.count()).group_by(inbox_events.c.state)
                ).all()
            )

    def forget_processed_events(self, received_before: datetime) -> int:
        """Delete finished events older than the retention (identities live ≥ 72 hours)."""
        with self.writing() as connection:
            return connection.execute(
                delete(inbox_events).where(
                    inbox_events.c.state.in_(["done", "skipped"]),
                    inbox_events.c.received_at < received_before,
                )
            ).rowcount
