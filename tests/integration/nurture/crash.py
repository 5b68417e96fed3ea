"""Two weeks of nurture replayed through real `connector worker --once` processes,
each run armed to SIGKILL itself at a failpoint drawn at random.

The sandbox and leadflow's webhook endpoint run in the caller's process, on
the replayed clock; every inbox pass and every dispatch runs in a child
`connector` process whose clock LEADFLOW_NOW holds at the replayed instant.
A run is armed with one failpoint it will reach (connector/failpoints.py),
at a random one of its hits, and dies there as a power cut would stop it.
After a kill the replay waits out the dead worker's leases, and the next run
picks up its work, as a supervisor restarting it would. Hourly syncs and the
decay pass are left out: webhooks carry every change here (the in-process
scenario tests beside this module replay them).

Used by test_crash_replay.py (one seed) and benchmarks/nurture_crash_replay.py
(many seeds, more kills).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from connector.store import Store
from tests.integration.nurture.replay import REPLAY_LIMITS, ny, replaying, unsubscribe
from tests.integration.sync.test_pipeline import DECISION_MAKER
from tests.live import SHIPPED_CONFIG, Live
from tests.reliability.processes import Runner, environment

START = ny("2026-11-23 10:00")
END = START + timedelta(days=14)
MAX_RUNS_PER_MOMENT = 50
# The inbox lease (5 minutes) outlasts the outbox's (2): after a kill, both ran out.
LEASES_RUN_OUT = timedelta(minutes=5, seconds=1)
# Failpoints a worker reaches once per inbox batch, and at least once per kind of due
# effect (a claim holds one kind, sends it and records it together).
INBOX_POINTS = ("inbox.after_claim", "refresh.after_evaluation", "refresh.after_commit")
EFFECT_POINTS = (
    "dispatch.after_claim",
    "dispatch.after_hubspot_accepted",
    "dispatch.before_mark_sent",
    "dispatch.after_mark_sent",
)


def prospect(name: str, **properties: str) -> dict[str, str]:
    return {"email": f"{name}@crash.test", "firstname": name.title(), **properties}


ASKS_FOR_A_CALL = {
    key: DECISION_MAKER[key] for key in ("jobtitle", "hs_buying_role", "budget", "challenge")
}
# New leads arrive in three waves, a day apart, so emails fall due on many days.
WAVES = [[prospect(f"nelly{day}{n}") for n in range(2)] for day in range(3)]
CONVERTS = prospect("carl")
RECYCLED = prospect("rita")
UNSUBSCRIBES = prospect("ursula")
TASKED = (CONVERTS["email"], RECYCLED["email"])


@dataclass(frozen=True)
class CrashFigures:
    """What a replay with kills left in HubSpot, against what it should have."""

    runs: int
    kills: Counter
    emails: int
    tasks: int
    duplicates: int
    missing: int
    refused_webhooks: int
    outbox_states: frozenset[str]

    def line(self) -> str:
        return (
            f"runs={self.runs} kills={sum(self.kills.values())} "
            f"kill_points_hit={len(self.kills)} duplicates={self.duplicates} "
            f"missing={self.missing} emails={self.emails} tasks={self.tasks}"
        )


@dataclass
class CrashReplay:
    """Moves the replayed clock and lets killable worker processes do all the work."""

    live: Live
    runner: Runner
    kills_per_moment: int
    draw: random.Random
    kills: Counter = field(default_factory=Counter)

    def until(self, end: datetime) -> None:
        """Jump from one due effect to the next until `end`, settling at each."""
        self.settle()
        while (due := self.live.store.next_effect_due()) is not None and due <= end:
            self.live.clock.now = max(due, self.live.clock.now)
            self.settle()
        self.live.clock.now = max(end, self.live.clock.now)

    def settle(self) -> None:
        """Run workers until the inbox is empty and nothing is due; the first
        `kills_per_moment` runs that die count, the later ones run unarmed."""
        killed_here = 0
        for _ in range(MAX_RUNS_PER_MOMENT):
            self._deliver()
            if not self._events_waiting() and not self._kinds_due():
                return
            failpoint = self._arm() if killed_here < self.kills_per_moment else None
            self.runner.env["LEADFLOW_NOW"] = self.live.clock.now.isoformat()
            run = self.runner.run("worker", "--once", failpoint=failpoint)
            if run.killed:
                self.kills[failpoint.partition(":")[0]] += 1
                killed_here += 1
                self._deliver()  # signed at the kill's time, before the clock moves on
                self.live.clock.advance(LEASES_RUN_OUT)
        raise AssertionError(f"still busy after {MAX_RUNS_PER_MOMENT} worker runs")

    def _deliver(self) -> None:
        assert self.live.hub.webhooks.drain(10), "the sandbox could not deliver its webhooks"

    def _arm(self) -> str:
        """A failpoint this run will reach, at a random one of its hits."""
        kinds = len(self._kinds_due())
        points = (INBOX_POINTS if self._events_waiting() else ()) + (EFFECT_POINTS if kinds else ())
        name = self.draw.choice(points)
        return f"{name}:{self.draw.randint(1, max(kinds, 1)) if name in EFFECT_POINTS else 1}"

    def _events_waiting(self) -> int:
        return self.live.store.inbox_depth().get("pending", 0)

    def _kinds_due(self) -> set[str]:
        waiting = self.live.store.list_outbox(("pending", "sending"), limit=10_000)
        return {effect.kind for effect in waiting if effect.due_at <= self.live.clock.now}


def expected_sends(ids: dict[str, str]) -> Counter:
    """Every new lead's three emails, the welcome alone for who converted or left, and
    the recycled lead's invite and news in its second episode."""
    return Counter(
        [
            f"nurture:{ids[p['email']]}:0:{step}"
            for wave in WAVES
            for p in wave
            for step in (1, 2, 3)
        ]
        + [f"nurture:{ids[p['email']]}:0:1" for p in (CONVERTS, UNSUBSCRIBES)]
        + [f"nurture:{ids[RECYCLED['email']]}:1:{step}" for step in (2, 3)]
    )


def replay_with_kills(store: Store, logs: Path, seed: int, kills_per_moment: int) -> CrashFigures:
    """Day 1: a wave of new leads, a lead who will convert, one who will unsubscribe,
    and an SQL. Day 2: another wave; the lead converts, sales recycles the SQL, the
    other unsubscribes. Day 3: a last wave. Then the clock runs to day 14."""
    url = store.engine.url.render_as_string(hide_password=False)
    with replaying(store, START) as replay:
        live = replay.live
        env = environment(
            live.hub,
            url,
            SHIPPED_CONFIG,
            HUBSPOT_RATE_LIMIT=str(REPLAY_LIMITS["rate_limit"]),
            HUBSPOT_SEARCH_RATE_LIMIT=str(REPLAY_LIMITS["search_rate_limit"]),
        )
        crash = CrashReplay(live, Runner(env, logs), kills_per_moment, random.Random(seed))
        for person in (*WAVES[0], CONVERTS, UNSUBSCRIBES):
            live.submit_form("ebook", person, page="/site/ebook")
        live.submit_form("contact", {**RECYCLED, **ASKS_FOR_A_CALL}, page="/site/contact")
        crash.until(START + timedelta(days=1))
        for person in WAVES[1]:
            live.submit_form("ebook", person, page="/site/ebook")
        live.submit_form("contact", {**CONVERTS, **ASKS_FOR_A_CALL}, page="/site/contact")
        recycled = live.hubspot_contact(RECYCLED["email"])["hs_object_id"]
        live.hubspot_update(recycled, hs_lead_status="BAD_TIMING")
        unsubscribe(live, UNSUBSCRIBES["email"])
        crash.until(START + timedelta(days=2))
        for person in WAVES[2]:
            live.submit_form("ebook", person, page="/site/ebook")
        crash.until(END)
        return _outcome(crash)


def _outcome(crash: CrashReplay) -> CrashFigures:
    """Emails by send id and CALL tasks by contact, against the expected ones."""
    live = crash.live
    people = [*(p for wave in WAVES for p in wave), CONVERTS, RECYCLED, UNSUBSCRIBES]
    ids = {p["email"]: live.hubspot_contact(p["email"])["hs_object_id"] for p in people}
    sent = Counter(send.send_id for send in live.hubspot_sends())
    tasks = live.hubspot_tasks()
    tasked = Counter(
        email for task in tasks for email in TASKED if f"\n{email}\n" in task["hs_task_body"]
    )
    expected = expected_sends(ids)
    return CrashFigures(
        runs=len(crash.runner.runs),
        kills=crash.kills,
        emails=sum(sent.values()),
        tasks=len(tasks),
        duplicates=sum((sent - expected).values()) + sum(n - 1 for n in tasked.values()),
        missing=sum((expected - sent).values()) + sum(1 for e in TASKED if not tasked[e]),
        refused_webhooks=sum(
            1 for d in live.hub.webhooks.deliveries if d.status and 400 <= d.status < 500
        ),
        outbox_states=frozenset(live.store.outbox_depth()),
    )
