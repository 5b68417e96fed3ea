"""Who does what, across replicas: sync cursors, leader leases and scheduled job slots."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select, update

from connector.store.tables import job_runs, leases, sync_cursors
from connector.store.upsert import insert_new


class CoordinationQueries:
    def cursor(self, name: str) -> str | None:
        with self.reading() as connection:
            return connection.execute(
                select(sync_cursors.c.value).where(sync_cursors.c.name == name)
            ).scalar()

    def save_cursor(self, connection: Connection, name: str, value: str, now: datetime) -> None:
        """Move a cursor inside the caller's transaction, so it moves only with the data."""
        moved = connection.execute(
            update(sync_cursors)
            .where(sync_cursors.c.name == name)
            .values(value=value, updated_at=now)
        ).rowcount
        if not moved:
            connection.execute(sync_cursors.insert().values(name=name, value=value, updated_at=now))

    def cursor_updated_at(self, name: str) -> datetime | None:
        with self.reading() as connection:
            return connection.execute(
                select(sync_cursors.c.updated_at).where(sync_cursors.c.name == name)
            ).scalar()

    def acquire_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease `name`; True while `holder` is its only holder.

        A conditional update wins only if the lease is free, expired or already
        ours; a first-ever lease is created by an insert that ignores a racer's row.
        The racer may be another thread of the same holder (a job and the lease
        renewal starting together), so a lost insert tries the update once more.
        """
        take = (
            update(leases)
            .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.expires_at < now))
            .values(holder=holder, expires_at=now + ttl)
        )
        row = {"name": name, "holder": holder, "expires_at": now + ttl}
        with self.writing() as connection:
            return bool(
                connection.execute(take).rowcount
                or insert_new(connection, leases, [row], ["name"])
                or connection.execute(take).rowcount
            )

    def release_lease(self, name: str, holder: str) -> None:
        with self.writing() as connection:
            connection.execute(
                delete(leases).where(leases.c.name == name, leases.c.holder == holder)
            )

    def claim_job_slot(self, job: str, slot: str, holder: str, now: datetime) -> bool:
        """True for one caller per (job, slot) across every replica: the first, or the
        leader that takes over a slot whose previous holder died before finishing it.
        Callers must hold the scheduler lease, so at most one of them is alive."""
        with self.writing() as connection:
            row = {"job": job, "slot": slot, "holder": holder, "started_at": now}
            if insert_new(connection, job_runs, [row], ["job", "slot"]):
                return True
            return (
                connection.execute(
                    update(job_runs)
                    .where(
                        job_runs.c.job == job,
                        job_runs.c.slot == slot,
                        job_runs.c.finished_at.is_(None),
                        job_runs.c.holder != holder,
                    )
                    .values(holder=holder, started_at=now)
                ).rowcount
                == 1
            )

    def finish_job_slot(self, job: str, slot: str, now: datetime, outcome: str) -> None:
        with self.writing() as connection:
            connection.execute(
                update(job_runs)
                .where(job_runs.c.job == job, job_runs.c.slot == slot)
                .values(finished_at=now, outcome=outcome)
            )

    def job_slot(self, job: str, slot: str) -> dict | None:
        """The run of one slot (holder, started_at, finished_at, outcome), None if never run."""
        with self.reading() as connection:
            row = connection.execute(
                select(job_runs).where(job_runs.c.job == job, job_runs.c.slot == slot)
            ).first()
            return dict(row._mapping) if row else None

    def job_runs(self, job: str) -> list[dict]:
        with self.reading() as connection:
            rows = connection.execute(
                select(job_runs).where(job_runs.c.job == job).order_by(job_runs.c.slot)
            )
            return [dict(row._mapping) for row in rows]
