"""An unreliable HubSpot and a database that goes away: leadflow ends where it would
have ended on a good day.

1. The sandbox fails 20% of API calls (429, 500, 503, timeouts that HubSpot
   still carries out, dropped connections); the waves of prospects end with the
   same properties written, the same tasks and the same emails as without faults.
2. The database refuses every connection for 10 seconds in the middle of the
   work; the worker keeps trying and loses nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from connector.hubspot.gateway import HubSpotGateway
from connector.sandbox.limits import FaultRule
from connector.services import build_connector
from tests.live import Clock, Live, live_connector, live_settings
from tests.reliability.conftest import scaled
from tests.reliability.outcome import hubspot_outcome, submit_wave

WAVES = scaled(4, 16)
FAULTS = [
    FaultRule("*", "429", 0.05),
    FaultRule("*", "503", 0.05),
    FaultRule("*", "500", 0.03),
    FaultRule("*", "drop", 0.05),
    FaultRule("*", "timeout", 0.04, delay_s=0.5),
]
CLIENT_TIMEOUT = (1.0, 0.25)  # shorter than a `timeout` fault: the call is carried out anyway
QUIET_ROUNDS = 60
API = ("/crm/", "/events/", "/email/", "/marketing/")
LATER = timedelta(hours=2)  # retries wait at most an hour; nurture steps wait days


class FakeTime:
    """Monotonic time and sleep for the gateway's rate budget and retries: a back-off
    of 10 s passes at once, so a test meets hundreds of faults in seconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def patient_connector(live: Live, config) -> None:
    """Swap the harness's connector for one whose gateway times out quickly and whose
    retries do not wait in real time."""
    fake = FakeTime()
    gateway = HubSpotGateway(
        live.hub.base_url,
        live.hub.token,
        timeout=CLIENT_TIMEOUT,
        clock=fake,
        sleep=fake.sleep,
        now=live.clock,
    )
    settings = live_settings(live.store.engine.url.render_as_string(hide_password=False), config)
    live.connector = build_connector(settings, live.store, gateway, live.clock)


def wait_for_late_answers(live: Live, seconds: float = 10) -> None:
    """Before the clock jumps over a back-off, let the sandbox finish the calls leadflow
    stopped waiting for (a real back-off of 30 s outlasts them)."""
    deadline = time.monotonic() + seconds
    made = live.connector.gateway.tally.calls()
    while sum(1 for e in live.hub.request_log.entries if e.path.startswith(API)) < made:
        assert time.monotonic() < deadline, "the sandbox never answered"
        time.sleep(0.01)


def settle_through_faults(live: Live) -> None:
    """Deliver, process and dispatch until all is quiet; when work waits for a back-off,
    move the clock to its due time (never past LATER, where nurture steps wait)."""
    store = live.store
    for _ in range(QUIET_ROUNDS):
        assert live.hub.webhooks.drain(10)
        busy = live.connector.drain_inbox() + live.connector.dispatch_due()
        if busy:
            continue
        waiting = [item.due_at for item in store.list_inbox(["pending"])]
        effect_due = store.next_effect_due()
        if effect_due is not None and effect_due < live.clock() + LATER:
            waiting.append(effect_due)
        if not waiting:
            return
        wait_for_late_answers(live)
        live.clock.now = max(live.clock.now, min(waiting))
    raise AssertionError(f"still busy after {QUIET_ROUNDS} rounds")


def run_waves(store, config, faults=()) -> tuple:
    with live_connector(
        store,
        Clock(datetime.now(UTC).replace(microsecond=0)),
        config_dir=config,
        owners=1,
        faults=list(faults),
        fault_seed=7,
        rate_limit=100_000,
    ) as live:
        patient_connector(live, config)
        addresses = []
        for number in range(WAVES):
            addresses += submit_wave(live, number)
            settle_through_faults(live)
        log = list(live.hub.request_log.entries)
        live.hub.sandbox.faults.rules.clear()  # the test's own look, not leadflow's
        return hubspot_outcome(live, addresses), log, store.outbox_depth()


def injected(log) -> dict[str, int]:
    """Faults the sandbox answered with, by kind (a timeout answers late: counted apart)."""
    counts = {"429": 0, "5xx": 0, "drop": 0}
    for entry in log:
        if entry.status == 429:
            counts["429"] += 1
        elif entry.status >= 500:
            counts["5xx"] += 1
        elif entry.status == 0:
            counts["drop"] += 1
    return counts


def test_it_ends_with_the_same_hubspot_state_when_a_fifth_of_calls_fail(
    store, fault_free_store, round_the_clock, figures
):
    expected, _, _ = run_waves(fault_free_store, round_the_clock)
    outcome, log, depth = run_waves(store, round_the_clock, FAULTS)
    faults = injected(log)
    slow = sum(1 for entry in log if entry.duration_ms >= 400)
    figures(
        api_calls=len(log),
        faults_injected=sum(faults.values()) + slow,
        fault_share=f"{(sum(faults.values()) + slow) / len(log):.0%}",
        **{f"faults_{kind}": n for kind, n in faults.items()},
        faults_timeout=slow,
        tasks=len(outcome.tasks),
        emails=len(outcome.emails),
        duplicates=outcome.duplicate_tasks + outcome.duplicate_emails,
        losses=sum(1 for item in expected.emails if item not in outcome.emails)
        + sum(1 for item in expected.tasks if item not in outcome.tasks),
    )
    assert outcome.duplicate_tasks == 0 and outcome.duplicate_emails == 0
    assert outcome == expected
    assert set(depth) <= {"sent", "pending"}, depth


def test_it_creates_a_task_once_when_hubspot_carries_out_a_call_that_timed_out(
    store, round_the_clock, figures
):
    # half the task creations answer after leadflow stopped waiting, yet are carried out
    late = FaultRule("POST /crm/v3/objects/tasks", "timeout", 0.5, delay_s=0.5)
    outcome, log, _ = run_waves(store, round_the_clock, [late])
    timed_out = sum(1 for e in log if "/objects/tasks" in e.path and e.duration_ms >= 400)
    figures(
        sqls=WAVES,
        task_calls_timed_out=timed_out,
        tasks=len(outcome.tasks),
        duplicates=outcome.duplicate_tasks,
    )
    assert timed_out > 0
    assert outcome.duplicate_tasks == 0
    assert len(outcome.tasks) == WAVES
