"""HubSpot's rate limit as one budget for every replica on the database.

A replica asks for a block of call slots; a grant is a row stamped with the
database's clock (PostgreSQL's `clock_timestamp()`, so replicas' own clocks
never matter; SQLite lives on one host, whose clock every process shares).

`take_rate_slots(budget, want, limit, horizon)` in one transaction:

1. lock the budget's row (created on first use): takers go one at a time;
2. give back what the caller's previous grant left unused, and forget grants
   older than `horizon`;
3. refuse while the budget is paused (a 429), saying how long to wait;
4. grant `min(want, limit - slots granted within the horizon)`, or, when none
   is free, say when the oldest grant leaves the horizon.

So no `horizon` of the database's clock ever sees more than `limit` slots
granted; the limiter (connector/hubspot/shared_budget.py) picks the horizon so
that this bounds HubSpot's own window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, select, text, update

from connector.store.records import RateGrant
from connector.store.tables import rate_budgets, rate_grants
from connector.store.upsert import insert_new


class RateBudgetQueries:
    def take_rate_slots(
        self,
        budget: str,
        want: int,
        limit: int,
        horizon: timedelta,
        give_back: tuple[int, int] | None = None,
        now: datetime | None = None,
    ) -> RateGrant:
        """Up to `want` slots of `budget`, keeping at most `limit` granted per `horizon`.

        `give_back` is `(grant id, slots)` the caller did not use from its last
        grant; `now` replaces the database's clock (tests only).
        """
        with self.writing() as connection:
            paused_until = self._lock_budget(connection, budget)
            now = now or self._database_now(connection)
            if give_back is not None:
                grant_id, unused = give_back
                connection.execute(
                    update(rate_grants)
                    .where(rate_grants.c.id == grant_id, rate_grants.c.slots >= unused)
                    .values(slots=rate_grants.c.slots - unused)
                )
            start = now - horizon
            connection.execute(
                delete(rate_grants).where(
                    rate_grants.c.budget == budget, rate_grants.c.granted_at <= start
                )
            )
            if paused_until is not None and paused_until > now:
                return RateGrant(None, 0, (paused_until - now).total_seconds())
            used, oldest = connection.execute(
                select(
                    func.coalesce(func.sum(rate_grants.c.slots), 0),
                    func.min(rate_grants.c.granted_at),
                ).where(rate_grants.c.budget == budget)
            ).one()
            free = limit - used
            if free <= 0:
                return RateGrant(None, 0, (oldest + horizon - now).total_seconds())
            slots = min(want, free)
            grant_id = connection.execute(
                rate_grants.insert()
                .values(budget=budget, granted_at=now, slots=slots)
                .returning(rate_grants.c.id)
            ).scalar_one()
            return RateGrant(grant_id, slots, 0.0)

    def pause_rate_budget(
        self, budget: str, seconds: float, now: datetime | None = None
    ) -> datetime:
        """Grant no slot of `budget` for `seconds` (HubSpot answered 429); return until when."""
        with self.writing() as connection:
            paused_until = self._lock_budget(connection, budget)
            until = (now or self._database_now(connection)) + timedelta(seconds=seconds)
            if paused_until is None or paused_until < until:
                connection.execute(
                    update(rate_budgets)
                    .where(rate_budgets.c.name == budget)
                    .values(paused_until=until)
                )
            return max(until, paused_until or until)

    def rate_slots_granted(self, budget: str, since: datetime) -> int:
        """Slots of `budget` granted after `since` and not given back."""
        with self.reading() as connection:
            return connection.execute(
                select(func.coalesce(func.sum(rate_grants.c.slots), 0)).where(
                    rate_grants.c.budget == budget, rate_grants.c.granted_at > since
                )
            ).scalar_one()

    def _lock_budget(self, connection: Connection, budget: str) -> datetime | None:
        """Hold the budget's row until the transaction ends; return its pause end."""
        query = select(rate_budgets.c.paused_until).where(rate_budgets.c.name == budget)
        if self.dialect == "postgresql":
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            insert_new(connection, rate_budgets, [{"name": budget, "paused_until": None}], ["name"])
            row = connection.execute(query).one()
        return row.paused_until

    def _database_now(self, connection: Connection) -> datetime:
        if self.dialect == "postgresql":
            return connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        return datetime.now(UTC)
