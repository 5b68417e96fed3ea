"""Three replicas' schedulers on one PostgreSQL database run each hourly sync once.

The replicas are simulated, not timed: each has its own `Leadership` (its own
store, holder id and skewed view of one simulated clock) and does what its
APScheduler would do at each moment: renew the lease every 10 s (the `lease`
job, which also starts overdue slots) and fire the sync at the top of each hour
of its own clock, a little late, never while its previous sync still runs
(max_instances=1). A sync takes simulated minutes, during which the other
replicas go on; a replica "killed" stops at once: no renewal, no finish.

The last test runs the real APScheduler from `build_scheduler` for a moment to
check what the simulation assumes of it: a run 30 s late still fires
(misfire grace), missed runs coalesce into one, and a job never runs twice
at once.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.triggers.cron import CronTrigger

from connector.app import create_app
from connector.store import Store
from connector.sync import LeaderJob, Leadership, build_scheduler, hourly_slot
from connector.sync.scheduler import LEASE_TTL

MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
RENEW_EVERY = timedelta(seconds=LEASE_TTL.seconds // 3)
SYNC_TAKES = timedelta(minutes=20)
POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


class Killed(BaseException):
    """The replica's process is gone: nothing it would still do happens."""


class DeadStore:
    def __getattr__(self, name: str):
        raise Killed


@dataclass
class SyncRun:
    replica: str
    slot: str
    started: datetime
    ended: datetime | None = None
    killed: bool = False


@dataclass
class Replica:
    """What one replica's APScheduler does, on its own view of the world's clock."""

    world: World
    name: str
    skew: timedelta
    store: Store
    renew_at: datetime
    late: dict[int, timedelta] = field(default_factory=dict)
    alive: bool = True
    busy: bool = False
    frozen_until: datetime = MIDNIGHT - timedelta(days=1)
    fresh_install: bool = False  # no sync has ever finished: the first one starts at once

    def __post_init__(self) -> None:
        self.leadership = Leadership(self.store, f"{self.name}:{id(self):x}", self.clock)
        never_done = (lambda: not self.world.completed()) if self.fresh_install else None
        trigger = CronTrigger(minute=0, timezone=UTC)
        self.job = LeaderJob("sync", trigger, self.sync, hourly_slot, never_done)
        self.fire_at = self._next_fire(self.clock())

    def clock(self) -> datetime:
        return self.world.now + self.skew

    def next_event(self) -> datetime:
        """When (on the world's clock) this replica next does something."""
        return max(min(self.renew_at, self.fire_at) - self.skew, self.frozen_until)

    def act(self) -> None:
        """The jobs due now; runs missed while frozen coalesce into one."""
        if self.clock() >= self.renew_at:
            while self.renew_at <= self.clock():
                self.renew_at += RENEW_EVERY
            for job in self.leadership.overdue([self.job]):
                self.fire(job)
        if self.alive and self.clock() >= self.fire_at:
            self.fire_at = self._next_fire(self.clock())
            self.fire(self.job)

    def fire(self, job: LeaderJob) -> None:
        if self.busy:
            return  # APScheduler: maximum number of running instances reached
        self.busy = True
        try:
            self.leadership.run_slot(job, self.clock())
        except Killed:
            pass
        finally:
            self.busy = False

    def sync(self) -> None:
        run = SyncRun(self.name, hourly_slot(self.clock()), self.world.now)
        self.world.runs.append(run)
        self.world.advance_to(self.world.now + SYNC_TAKES)
        if not self.alive:
            raise Killed
        run.ended = self.world.now

    def kill(self) -> None:
        self.alive = False
        self.leadership.store = DeadStore()
        for run in self.world.runs:
            if run.replica == self.name and run.ended is None:
                run.ended, run.killed = self.world.now, True

    def freeze(self, seconds: float) -> None:
        """The process stops for `seconds` (a VM paused, a swap storm), then goes on."""
        self.frozen_until = self.world.now + timedelta(seconds=seconds)

    def _next_fire(self, after: datetime) -> datetime:
        top = self.job.trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        jitter = timedelta(seconds=3 * random.Random(f"{self.name}{top}").random())
        return top + self.late.get(top.hour, jitter)


@dataclass
class World:
    """One simulated clock, three replicas, and what happens to the leader when."""

    now: datetime = MIDNIGHT - timedelta(minutes=1)
    replicas: list[Replica] = field(default_factory=list)
    to_leader: dict[datetime, Callable[[Replica], None]] = field(default_factory=dict)
    runs: list[SyncRun] = field(default_factory=list)

    def advance_to(self, until: datetime) -> None:
        """Let every live replica act, in time order, up to `until` (re-entered by a sync)."""
        while True:
            live = [r for r in self.replicas if r.alive]
            planned = min((at for at in self.to_leader if at > self.now), default=until)
            moment = min([r.next_event() for r in live] + [planned, until])
            if moment > until:
                return
            self.now = max(self.now, moment)
            if moment in self.to_leader:
                self.to_leader.pop(moment)(self.leader())
            for replica in live:
                if replica.alive and replica.next_event() <= self.now:
                    replica.act()
            if self.now >= until:
                return

    def leader(self) -> Replica:
        """The replica holding the lease (asking renews it, as its next tick would)."""
        return next(r for r in self.replicas if r.alive and r.leadership.is_leader())

    def completed(self) -> list[SyncRun]:
        return [run for run in self.runs if not run.killed]


@pytest.fixture
def world_from(database_url) -> Iterator[Callable[[datetime], World]]:
    """Three replicas whose first lease renewals fall a few seconds apart, from `start`."""
    stores: list[Store] = []

    def make(start: datetime, fresh_install: bool = False) -> World:
        world = World(now=start)
        skews = [timedelta(0), timedelta(seconds=1.5), timedelta(seconds=-2)]
        for index, skew in enumerate(skews):
            stores.append(Store.from_url(database_url))
            first_renewal = start + skew + timedelta(seconds=3 * index)
            name = "abc"[index]
            replica = Replica(
                world, name, skew, stores[-1], first_renewal, fresh_install=fresh_install
            )
            world.replicas.append(replica)
        return world

    yield make
    for store in stores:
        store.close()


def overlaps(runs: list[SyncRun]) -> int:
    ordered = sorted(runs, key=lambda r: r.started)
    return sum(
        1
        for before, after in zip(ordered, ordered[1:], strict=False)
        if after.started < before.ended
    )


def hours(first: int, end: int) -> list[str]:
    return [hourly_slot(MIDNIGHT + timedelta(hours=hour)) for hour in range(first, end)]


@POSTGRES
def test_three_replicas_run_24_hourly_syncs_in_24_hours_never_two_at_once(world_from, figures):
    world = world_from(MIDNIGHT - timedelta(minutes=1))
    world.advance_to(MIDNIGHT + timedelta(hours=24) - timedelta(seconds=1))
    done = world.completed()
    stored = world.replicas[0].store.job_runs("sync")
    figures(
        replicas=3,
        simulated_hours=24,
        slots_run=len(done),
        overlaps=overlaps(world.runs),
        replicas_that_led=len({run.replica for run in done}),
    )
    assert [run.slot for run in done] == hours(0, 24)
    assert [(row["slot"], row["outcome"]) for row in stored] == [(h, "ok") for h in hours(0, 24)]
    assert overlaps(world.runs) == 0


@POSTGRES
def test_a_fresh_install_starts_its_first_sync_at_once_on_one_replica(world_from, figures):
    started = MIDNIGHT + timedelta(hours=1, minutes=30)
    world = world_from(started, fresh_install=True)
    world.advance_to(MIDNIGHT + timedelta(hours=3) - timedelta(seconds=1))
    done = world.completed()
    figures(
        seconds_to_first_sync=(done[0].started - started).total_seconds(),
        slots_run=len(done),
        overlaps=overlaps(world.runs),
    )
    # the 01:00 slot runs at 01:30, not at 02:00; the hourly slots follow as usual
    assert done[0].started - started < RENEW_EVERY
    assert [run.slot for run in done] == hours(1, 3)
    assert overlaps(world.runs) == 0


@POSTGRES
@pytest.mark.parametrize(
    "dies_at",
    [
        # five minutes into the 03:00 sync
        timedelta(hours=3, minutes=5),
        # just before the hour: nobody started the 03:00 sync
        timedelta(hours=2, minutes=59, seconds=55),
    ],
)
def test_a_new_leader_runs_the_slot_of_a_dead_leader_within_two_lease_periods(
    world_from, figures, dies_at
):
    world = world_from(MIDNIGHT + timedelta(hours=2) - timedelta(minutes=1))
    killed_at = MIDNIGHT + dies_at
    world.to_leader[killed_at] = Replica.kill
    world.advance_to(MIDNIGHT + timedelta(hours=5) - timedelta(seconds=1))
    done = world.completed()
    taken_over = next(run for run in done if run.slot == hourly_slot(MIDNIGHT.replace(hour=3)))
    figures(
        killed_at=killed_at.time().isoformat(),
        seconds_to_take_over=(taken_over.started - killed_at).total_seconds(),
        lease_seconds=LEASE_TTL.seconds,
        slots_run=len(done),
        overlaps=overlaps(world.runs),
    )
    assert taken_over.started - killed_at <= 2 * LEASE_TTL
    assert [run.slot for run in done] == hours(2, 5)
    assert overlaps(world.runs) == 0


@POSTGRES
@pytest.mark.parametrize(
    "frozen",
    [
        # the leader stops from 01:59:59 to 02:00:29 (a paused VM): its lease runs out
        "leader",
        # every replica stops from 01:59:59 to 02:00:30 (their host was suspended)
        "host",
    ],
)
def test_a_wake_up_30_seconds_late_still_runs_the_slot_once(world_from, figures, frozen):
    world = world_from(MIDNIGHT + timedelta(hours=1, minutes=30))

    def freeze(leader: Replica) -> None:
        for replica in [leader] if frozen == "leader" else world.replicas:
            replica.freeze(30 if frozen == "leader" else 31)

    world.to_leader[MIDNIGHT + timedelta(hours=1, minutes=59, seconds=59)] = freeze
    world.advance_to(MIDNIGHT + timedelta(hours=3) - timedelta(seconds=1))
    late = next(run for run in world.runs if run.slot == hourly_slot(MIDNIGHT.replace(hour=2)))
    delay = late.started - MIDNIGHT.replace(hour=2)
    figures(
        frozen=frozen,
        slot_run_by=late.replica,
        slot_started_after_s=delay.total_seconds(),
        slots_run=len(world.runs),
    )
    assert timedelta(seconds=28) <= delay <= timedelta(seconds=30) + 2 * LEASE_TTL
    assert [run.slot for run in world.completed()] == hours(2, 3)
    assert overlaps(world.runs) == 0


@POSTGRES
def test_apscheduler_fires_a_late_run_coalesces_misses_and_never_runs_a_job_twice_at_once(
    store, figures
):
    ran, released, refused = threading.Event(), threading.Event(), threading.Event()
    entries = {"sync": 0, "blocker": 0, "tick": 0}

    def count(name: str, then=None):
        def run() -> None:
            entries[name] += 1
            if then is not None:
                then()

        return run

    sync = LeaderJob("sync", CronTrigger(minute=0), count("sync", ran.set), hourly_slot)
    everywhere = {
        "blocker": (3600.0, count("blocker", lambda: released.wait(10))),
        "tick": (60.0, count("tick")),
    }
    leadership = Leadership(store, "only", lambda: datetime.now(UTC))
    scheduler = build_scheduler(leadership, [sync], everywhere)
    scheduler.add_listener(lambda _: refused.set(), EVENT_JOB_MAX_INSTANCES)
    scheduler.start(paused=True)
    try:
        now = datetime.now(UTC)
        scheduler.modify_job("sync", next_run_time=now - timedelta(seconds=30))
        scheduler.modify_job("tick", next_run_time=now - timedelta(seconds=270))
        scheduler.modify_job("blocker", next_run_time=now)
        scheduler.resume()
        assert ran.wait(10), "a run 30 s late was dropped"
        scheduler.modify_job("blocker", next_run_time=datetime.now(UTC))
        assert refused.wait(10), "a second blocker run was not refused"
        released.set()
    finally:
        released.set()
        scheduler.shutdown(wait=True)
    figures(late_run_fired=entries["sync"], missed_ticks_run=entries["tick"], blocker_runs=1)
    assert store.job_runs("sync")[0]["outcome"] == "ok"
    assert entries == {"sync": 1, "blocker": 1, "tick": 1}


def test_the_web_app_starts_no_scheduler_of_its_own(settings):
    """gunicorn imports connector.wsgi in every worker: none may run jobs."""
    before = {thread.name for thread in threading.enumerate()}
    create_app(settings)
    started = {thread.name for thread in threading.enumerate()} - before
    assert not [name for name in started if "APScheduler" in name]
