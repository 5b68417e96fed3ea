"""The scheduled jobs of `connector serve`, safe with many replicas.

Every process runs its own APScheduler with an in-memory job store (job stores
are never shared between schedulers). Two kinds of job:

- everywhere jobs (inbox and outbox ticks, config reload check) run in every
  replica: their work is claimed row by row in the database, so replicas share
  it without overlap;
- leader jobs (hourly sync, nightly decay refresh, inbox retention) run only in
  the replica holding the `scheduler` lease, and each schedule slot (the hour
  or the day it is due for) is claimed in `job_runs`, so a slot runs once even
  across a change of leader, and a new leader finishes a slot its dead
  predecessor left half done.

Misfires are coalesced and a job never runs in parallel with itself; a wake-up
up to `MISFIRE_GRACE` late still runs its slot. A leader's cron fires only at
the slot's time, so the `lease` job (at start, then every 10 s) also starts
at once the slot a previous leader left undone (died while running it, or
just before it was due) and a job that has never done its work, such as a
fresh install's first sync (`Leadership.overdue`); a new leader takes over
within two lease periods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector.store import Store

log = structlog.get_logger(__name__)
LEASE = "scheduler"
LEASE_TTL = timedelta(seconds=30)
MISFIRE_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class LeaderJob:
    """A job that runs once per slot across all replicas; `slot` names the slot of a time."""

    name: str
    trigger: CronTrigger
    run: Callable[[], object]
    slot: Callable[[datetime], str]
    # True while the job has never done its work (a fresh install's first sync), so it
    # starts at once rather than at its next slot, an hour away.
    never_done: Callable[[], bool] | None = None


def hourly_slot(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")


def daily_slot(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


class Leadership:
    """Holds (and renews) the scheduler lease; runs a leader job's slot at most once."""

    def __init__(self, store: Store, holder: str, clock: Callable[[], datetime]) -> None:
        self.store, self.holder, self.clock = store, holder, clock

    def is_leader(self) -> bool:
        return self.store.acquire_lease(LEASE, self.holder, self.clock(), LEASE_TTL)

    def run_slot(self, job: LeaderJob, due: datetime) -> bool:
        """Run `job` for the slot of `due` if we lead and nobody finished it; True if run."""
        slot = job.slot(due)
        if not self.is_leader() or not self.store.claim_job_slot(
            job.name, slot, self.holder, self.clock()
        ):
            return False
        log.info("job.started", job=job.name, slot=slot)
        outcome = "failed"
        try:
            job.run()
            outcome = "ok"
        except Exception:
            log.exception("job.failed", job=job.name, slot=slot)
            raise
        finally:
            self.store.finish_job_slot(job.name, slot, self.clock(), outcome)
            log.info("job.finished", job=job.name, slot=slot, outcome=outcome)
        return True

    def overdue(self, jobs: Sequence[LeaderJob]) -> list[LeaderJob]:
        """Renew the lease; while we lead, the jobs whose current slot should start now:
        left unfinished by another holder (a leader that died mid-run), due within the
        misfire grace and never started (one that died just before), or never started
        although the job has never done its work."""
        if not self.is_leader():
            return []
        now = self.clock()
        late = []
        for job in jobs:
            slot = job.slot(now)
            run = self.store.job_slot(job.name, slot)
            if run is None:
                due = job.trigger.get_next_fire_time(None, now - MISFIRE_GRACE)
                missed = due is not None and due <= now and job.slot(due.astimezone(UTC)) == slot
                if missed or (job.never_done is not None and job.never_done()):
                    late.append(job)
            elif run["finished_at"] is None and run["holder"] != self.holder:
                late.append(job)
        return late

    def resign(self) -> None:
        self.store.release_lease(LEASE, self.holder)


def build_scheduler(
    leadership: Leadership,
    leader_jobs: list[LeaderJob],
    everywhere: dict[str, tuple[float, Callable[[], object]]],
) -> BackgroundScheduler:
    """A scheduler with `leader_jobs` (cron) and `everywhere` jobs (name → (seconds, fn))."""
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
        },
    )
    for job in leader_jobs:
        scheduler.add_job(
            lambda job=job: leadership.run_slot(job, leadership.clock()),
            job.trigger,
            id=job.name,
            name=job.name,
        )

    def keep_lease() -> None:
        for job in leadership.overdue(leader_jobs):
            log.info("job.overdue", job=job.name)
            scheduler.modify_job(job.name, next_run_time=datetime.now(UTC))

    scheduler.add_job(
        keep_lease,
        IntervalTrigger(seconds=LEASE_TTL.seconds // 3),
        id="lease",
        name="lease",
        next_run_time=datetime.now(UTC),
    )
    for name, (seconds, run) in everywhere.items():
        scheduler.add_job(run, IntervalTrigger(seconds=seconds), id=name, name=name)
    return scheduler
