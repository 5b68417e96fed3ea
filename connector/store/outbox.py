"""Planned effects on HubSpot: each one is sent once, whatever crashes in between.

States: `pending` (planned, due at `due_at`) → `sending` (claimed and possibly
already accepted by HubSpot) → `sent`; or `parked` (a permanent error, waiting
for an admin) and `cancelled` (no longer wanted, e.g. the contact left nurture).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Connection, Update, bindparam, func, select, update

from connector.domain import Effect
from connector.store import queue
from connector.store.records import ClaimedEffect, QueueItem
from connector.store.tables import outbox_effects
from connector.store.upsert import count_new

MAX_ATTEMPTS = 10


class OutboxQueries:
    def plan_effects(self, connection: Connection, effects: Sequence[Effect], now: datetime) -> int:
        """Add effects inside the caller's transaction; a repeated key is ignored. Returns new."""
        rows = [
            {
                "idempotency_key": e.idempotency_key,
                "kind": e.kind,
                "contact_id": e.contact_id,
                "transition_id": e.transition_id,
                "payload": e.payload,
                "created_at": now,
                "due_at": e.due_at,
                "state": "pending",
                "attempts": 0,
            }
            for e in effects
        ]
        return count_new(connection, outbox_effects, rows, ["idempotency_key"])

    def claim_due_effects(
        self,
        worker: str,
        now: datetime,
        limit: int = 100,
        lease: timedelta = timedelta(minutes=2),
        kinds: Sequence[str] | None = None,
        multiple_of: int = 1,
    ) -> list[ClaimedEffect]:
        """Claim due effects (of `kinds`, or all; by whole multiples of `multiple_of`)
        and mark them `sending` before anything reaches HubSpot.

        An effect already `sending` whose lease ran out was claimed by a process
        that died mid-send: it comes back with `in_doubt=True`.
        """
        only = None if kinds is None else outbox_effects.c.kind.in_(list(kinds))
        with self.writing() as connection:
            rows = queue.claim(
                connection,
                outbox_effects,
                ["pending", "sending"],
                worker,
                now,
                limit,
                lease,
                only,
                multiple_of,
            )
            connection.execute(
                update(outbox_effects)
                .where(outbox_effects.c.id.in_([r.id for r in rows]))
                .values(state="sending")
            )
        return [
            ClaimedEffect(
                r.id,
                r.idempotency_key,
                r.kind,
                r.contact_id,
                r.payload,
                r.attempts,
                r.state == "sending",
            )
            for r in rows
        ]

    def mark_effects_sent(
        self, sent: Sequence[tuple[int, str | None]], worker: str, now: datetime
    ) -> int:
        """Record HubSpot's acceptance of claimed effects `(effect id, result id)` in one
        transaction; return how many this worker still owned (a claim lost to another
        worker is left to it)."""
        if not sent:
            return 0
        with self.writing() as connection:
            owned = set(
                connection.execute(
                    _MARK_SENT,
                    {"ids": [effect_id for effect_id, _ in sent], "worker": worker, "now": now},
                ).scalars()
            )
            results = [
                {"b_id": effect_id, "b_result_id": result_id}
                for effect_id, result_id in sent
                if effect_id in owned and result_id is not None
            ]
            if results:
                connection.execute(_RESULT_ID, results)
        return len(owned)

    def mark_updates_sent(
        self, sent: Sequence[tuple[int, str, dict[str, str]]], worker: str, now: datetime
    ) -> int:
        """Record accepted property write-backs `(effect id, contact id, properties)` and
        what HubSpot now holds, in one transaction; return how many this worker still owned."""
        if not sent:
            return 0
        with self.writing() as connection:
            self.lock_contacts(connection, [contact_id for _, contact_id, _ in sent])
            owned = set(
                connection.execute(
                    _MARK_SENT,
                    {"ids": [effect_id for effect_id, _, _ in sent], "worker": worker, "now": now},
                ).scalars()
            )
            written: dict[str, dict[str, str]] = {}
            for effect_id, contact_id, properties in sent:  # claim order: later writes win
                if effect_id in owned:
                    written.setdefault(contact_id, {}).update(properties)
            self.remember_written(connection, written)
        return len(owned)

    def defer_effect(
        self,
        effect_id: int,
        worker: str,
        error: str,
        now: datetime,
        until: datetime | None = None,
        permanent: bool = False,
    ) -> None:
        """Give a failed effect back: retried later with back-off, parked when permanent
        or after MAX_ATTEMPTS. `until` overrides the back-off (e.g. a daily limit's reset)."""
        with self.writing() as connection:
            attempts = (
                connection.execute(
                    select(outbox_effects.c.attempts).where(outbox_effects.c.id == effect_id)
                ).scalar_one()
                + 1
            )
            parked = permanent or attempts >= MAX_ATTEMPTS
            connection.execute(
                update(outbox_effects)
                .where(queue.owned(outbox_effects, effect_id, worker))
                .values(
                    state="parked" if parked else "pending",
                    attempts=attempts,
                    error=error[:2000],
                    claimed_by=None,
                    claimed_until=None,
                    due_at=until or now + queue.retry_delay(attempts),
                )
            )

    def drop_effect(self, effect_id: int, worker: str, reason: str) -> None:
        """HubSpot will never take this effect (e.g. the person unsubscribed): cancel it."""
        with self.writing() as connection:
            connection.execute(
                update(outbox_effects)
                .where(queue.owned(outbox_effects, effect_id, worker))
                .values(state="cancelled", error=reason[:2000], claimed_by=None, claimed_until=None)
            )

    def release_effects(self, effect_ids: Sequence[int], worker: str, until: datetime) -> None:
        """Hand claimed effects back untouched (e.g. the daily limit was reached), due `until`."""
        with self.writing() as connection:
            connection.execute(
                update(outbox_effects)
                .where(
                    outbox_effects.c.id.in_(list(effect_ids)), outbox_effects.c.claimed_by == worker
                )
                .values(state="pending", due_at=until, claimed_by=None, claimed_until=None)
            )

    def cancel_pending_effects(
        self,
        connection: Connection,
        contact_id: str,
        kinds: Sequence[str] | None = None,
        key_prefix: str | None = None,
        keep: Sequence[str] = (),
    ) -> int:
        """Cancel effects not yet sent for a contact (all, or of `kinds`, or keys by prefix),
        except the keys in `keep`: a plan that repeats a pending effect keeps it."""
        statement = _cancel(kinds is not None, key_prefix is not None, bool(keep))
        values = {"b_contact_id": contact_id, "kinds": list(kinds or ()), "prefix": key_prefix}
        return connection.execute(statement, {**values, "keep": list(keep)}).rowcount

    def pending_effect_keys(
        self, connection: Connection, contact_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """The keys of these contacts' effects still pending (what a judgment may cancel)."""
        found: dict[str, list[str]] = defaultdict(list)
        for contact_id, key in connection.execute(_PENDING_KEYS, {"ids": list(contact_ids)}):
            found[contact_id].append(key)
        return found

    def list_outbox(
        self, states: Sequence[str], limit: int = 100, contact_id: str | None = None
    ) -> list[QueueItem]:
        query = select(outbox_effects).where(outbox_effects.c.state.in_(list(states)))
        if contact_id is not None:
            query = query.where(outbox_effects.c.contact_id == contact_id)
        with self.reading() as connection:
            rows = connection.execute(query.order_by(outbox_effects.c.due_at).limit(limit))
            return [
                QueueItem(
                    r.id,
                    r.idempotency_key,
                    r.kind,
                    r.contact_id,
                    r.state,
                    r.attempts,
                    r.due_at,
                    r.error,
                    r.result_id,
                )
                for r in rows
            ]

    def effects_of(self, contact_id: str) -> list[dict]:
        """Every effect planned for a contact, oldest first, as plain dicts."""
        with self.reading() as connection:
            rows = connection.execute(
                select(outbox_effects)
                .where(outbox_effects.c.contact_id == contact_id)
                .order_by(outbox_effects.c.created_at, outbox_effects.c.id)
            )
            return [dict(row._mapping) for row in rows]

    def requeue_effects(self, now: datetime, ids: Sequence[int] = ()) -> int:
        """Put parked effects (all, or the given ids) back in line; return how many."""
        conditions = [outbox_effects.c.state == "parked"]
        if ids:
            conditions.append(outbox_effects.c.id.in_(list(ids)))
        with self.writing() as connection:
            return connection.execute(
                update(outbox_effects)
                .where(*conditions)
                .values(state="pending", attempts=0, due_at=now, error=None)
            ).rowcount

    def outbox_depth(self) -> dict[str, int]:
        with self.reading() as connection:
            return dict(
                connection.execute(
                    select(outbox_effects.c.state, func.count()).group_by(outbox_effects.c.state)
                ).all()
            )

    def next_effect_due(self) -> datetime | None:
        with self.reading() as connection:
            return connection.execute(
                select(func.min(outbox_effects.c.due_at)).where(outbox_effects.c.state == "pending")
            ).scalar()


# Statements run for every write-back batch or every judged contact are built once:
# building one costs more than running it.
_MARK_SENT = (
    update(outbox_effects)
    .where(
        outbox_effects.c.id.in_(bindparam("ids", expanding=True)),
        outbox_effects.c.claimed_by == bindparam("worker"),
    )
    .values(state="sent", sent_at=bindparam("now"), error=None, claimed_by=None, claimed_until=None)
    .returning(outbox_effects.c.id)
)

_RESULT_ID = (
    update(outbox_effects)
    .where(outbox_effects.c.id == bindparam("b_id"))
    .values(result_id=bindparam("b_result_id"))
)

_PENDING_KEYS = select(outbox_effects.c.contact_id, outbox_effects.c.idempotency_key).where(
    outbox_effects.c.contact_id.in_(bindparam("ids", expanding=True)),
    outbox_effects.c.state == "pending",
)


@lru_cache(maxsize=8)
def _cancel(kinds: bool, prefix: bool, keep: bool) -> Update:
    """The cancelling UPDATE for the conditions a caller names (see cancel_pending_effects)."""
    key = outbox_effects.c.idempotency_key
    conditions = [
        outbox_effects.c.contact_id == bindparam("b_contact_id"),
        outbox_effects.c.state == "pending",
    ]
    if kinds:
        conditions.append(outbox_effects.c.kind.in_(bindparam("kinds", expanding=True)))
    if prefix:
        conditions.append(key.startswith(bindparam("prefix")))
    if keep:
        conditions.append(key.not_in(bindparam("keep", expanding=True)))
    return update(outbox_effects).where(*conditions).values(state="cancelled")
