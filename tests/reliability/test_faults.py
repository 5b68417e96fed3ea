"""An unreliable HubSpot and a database that goes away: leadflow ends where it would
have ended on a good day.

1. The sandbox fails 20% of API calls (429, 500, 503, timeouts that HubSpot
   still carries out, dropped connections); the waves of prospects end with the
   same properties written, the same tasks and the same emails as without faults.
2. The database refuses every connection for 10 seconds in the middle of the
   work; the worker keeps trying and loses nothing.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connector.app import create_app
from connector.hubspot.gateway import HubSpotGateway
from connector.sandbox.limits import FaultRule
from connector.services import build_connector
from tests.live import Clock, Live, live_connector, live_settings
from tests.reliability.conftest import scaled
from tests.reliability.outcome import hubspot_outcome, submit_wave
from tests.reliability.webhooks import post_signed

WAVES = scaled(6, 24)
# Drawn in turn for every API call: together about 21% of calls fail.
FAULTS = [
    FaultRule("*", "429", 0.05),
    FaultRule("*", "503", 0.05),
    FaultRule("*", "500", 0.04),
    FaultRule("*", "drop", 0.05),
    FaultRule("*", "timeout", 0.04, delay_s=0.5),
]
CLIENT_TIMEOUT = (1.0, 0.25)  # shorter than a `timeout` fault: the call is carried out anyway
QUIET_ROUNDS = 60
API = ("/crm/", "/events/", "/email/", "/marketing/")
LATER = timedelta(hours=2)  # retries wait at most an hour; nurture steps wait days
OUTAGE_SECONDS = 10.0
# Webhooks for form activity only: leadflow's own writes send no echo that would
# meet the outage (a refused webhook is retried by HubSpot after 30 s).
FORMS_ONLY = {"webhook_properties": ("num_conversion_events", "recent_conversion_event_name")}


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


def run_waves(store, config, faults=(), waves: int = WAVES, **sandbox) -> tuple:
    """The waves through a patient connector, settled after each; returns the HubSpot
    outcome, the sandbox's request log and the outbox."""
    with live_connector(
        store,
        Clock(datetime.now(UTC).replace(microsecond=0)),
        config_dir=config,
        owners=1,
        faults=list(faults),
        fault_seed=7,
        rate_limit=100_000,
        **sandbox,
    ) as live:
        patient_connector(live, config)
        addresses = []
        for number in range(waves):
            addresses += submit_wave(live, number)
            settle_through_faults(live)
        log = list(live.hub.request_log.entries)
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
    assert sum(faults.values()) + slow >= 0.15 * len(log)
    assert outcome.duplicate_tasks == 0 and outcome.duplicate_emails == 0
    assert outcome == expected
    assert set(depth) <= {"sent", "pending"}, depth


def test_it_creates_a_task_once_when_hubspot_carries_out_a_call_that_timed_out(
    store, round_the_clock, figures
):
    # half the task creations answer after leadflow stopped waiting, yet are carried out
    late = [
        FaultRule(f"POST /crm/v3/objects/tasks{route}", "timeout", 0.5, delay_s=0.5)
        for route in ("", "/batch/create")
    ]
    outcome, log, _ = run_waves(store, round_the_clock, late)
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


class DatabaseOutage:
    """Every connection to one PostgreSQL database cut, and new ones refused, for
    `seconds`: what a failover or a network partition does to the connector."""

    def __init__(self, database_url: str, seconds: float) -> None:
        url = make_url(database_url)
        self.name, self.seconds = url.database, seconds
        self.admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.begun, self.over = threading.Event(), threading.Event()

    def begin(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                {"db": self.name},
            )
        self.begun.set()
        threading.Timer(self.seconds, self.end).start()

    def end(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true'))
        self.admin.dispose()
        self.over.set()


class OutageAfterFirstTask:
    """The gateway, except that the database goes away the moment HubSpot has accepted
    the first task (or batch of tasks), before leadflow could record it."""

    def __init__(self, gateway: HubSpotGateway, outage: DatabaseOutage) -> None:
        self._gateway, self._outage = gateway, outage

    def __getattr__(self, name: str):
        return getattr(self._gateway, name)

    def create_task(self, task):
        return self._outage_after(self._gateway.create_task(task))

    def create_tasks(self, tasks):
        return self._outage_after(self._gateway.create_tasks(tasks))

    def _outage_after(self, created):
        if not self._outage.begun.is_set():
            self._outage.begin()
        return created


def wait_until_quiet(store, clock: Clock, seconds: float = 60) -> None:
    """Until the scheduler's jobs have nothing left to do now."""
    deadline = time.monotonic() + seconds
    while True:
        due = store.next_effect_due()
        inbox, outbox = store.inbox_depth(), store.outbox_depth()
        if not inbox.get("pending") and not outbox.get("sending") and not (due and due <= clock()):
            return
        assert time.monotonic() < deadline, f"still busy: inbox {inbox}, outbox {outbox}"
        time.sleep(0.1)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_it_survives_ten_seconds_without_its_database_and_loses_nothing(
    database_url, store, fault_free_store, round_the_clock, figures
):
    expected, _, _ = run_waves(fault_free_store, round_the_clock, waves=2, **FORMS_ONLY)
    outage = DatabaseOutage(database_url, OUTAGE_SECONDS)
    with live_connector(
        store,
        Clock(datetime.now(UTC).replace(microsecond=0)),
        config_dir=round_the_clock,
        owners=1,
        **FORMS_ONLY,
    ) as live:
        gateway = HubSpotGateway(live.hub.base_url, live.hub.token, now=live.clock)
        settings = live_settings(database_url, round_the_clock)
        live.connector = build_connector(
            settings, store, OutageAfterFirstTask(gateway, outage), live.clock
        )
        receiver = create_app(settings, store, live.clock).test_client()
        addresses = submit_wave(live, 0) + submit_wave(live, 1)
        assert live.hub.webhooks.drain(10)
        late_event = [{**live.hub.webhooks.emitted[0], "attemptNumber": 1, "eventId": 10**6}]

        failures: list[str] = []
        scheduler = live.connector.scheduler()
        scheduler.add_listener(lambda event: failures.append(event.job_id), EVENT_JOB_ERROR)
        scheduler.start()
        try:
            assert outage.begun.wait(30), "no task was ever sent"
            started = time.monotonic()
            refused = post_signed(receiver, live.hub.client_secret, late_event, live.clock.ms())
            assert outage.over.wait(OUTAGE_SECONDS + 5)
            lasted = time.monotonic() - started
            accepted = post_signed(receiver, live.hub.client_secret, late_event, live.clock.ms())
            live.clock.advance(minutes=6)  # claims the outage cut short: their leases run out
            wait_until_quiet(store, live.clock)
        finally:
            scheduler.shutdown()
        outcome = hubspot_outcome(live, addresses)
        inbox = store.inbox_depth()
    figures(
        outage_seconds=round(lasted, 1),
        failed_job_runs=len(failures),
        webhook_during_outage=refused.status_code,
        webhook_after=accepted.status_code,
        events=sum(inbox.values()),
        tasks=len(outcome.tasks),
        emails=len(outcome.emails),
        duplicates=outcome.duplicate_tasks + outcome.duplicate_emails,
        losses=sum(
            1
            for item in expected.emails + expected.tasks
            if item not in outcome.emails + outcome.tasks
        ),
    )
    assert failures, "the jobs never met the outage"
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert accepted.status_code == 200 and accepted.json["accepted"] == 1
    assert set(inbox) <= {"done", "skipped"}, inbox
    assert outcome.duplicate_tasks == 0 and outcome.duplicate_emails == 0
    assert outcome == expected
