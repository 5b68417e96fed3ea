"""Dispatch survives a process killed between HubSpot accepting an effect and leadflow
recording it: the effect comes back in doubt and is reconciled, never sent twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import Effect, EffectKind
from connector.hubspot import AuthError
from connector.hubspot.fake import FakeGateway
from connector.hubspot.gateway import HubSpotGateway
from connector.sync import dispatcher as dispatcher_module
from connector.sync.alongside import alongside
from connector.sync.dispatcher import AUTH_PAUSE, EMAIL_SENDERS, UPDATE_BATCH, Dispatcher
from tests.integration.sync.test_pipeline import DECISION_MAKER
from tests.live import Clock, live_connector

LEASE = timedelta(minutes=2)
SINGLE_SEND = "/marketing/v3/transactional/single-email/send"


def plan_emails(live, payloads: dict[str, dict]) -> None:
    """Nurture-like emails due now, one per key, with these payloads."""
    effects = [
        Effect(key, EffectKind.SEND_EMAIL, f"c-{key}", payload, live.clock())
        for key, payload in payloads.items()
    ]
    with live.store.writing() as connection:
        live.store.plan_effects(connection, effects, live.clock())


def dispatch_in_a_process(live, failpoints: str) -> subprocess.CompletedProcess:
    """The real `connector dispatch`, armed to SIGKILL itself at a failpoint."""
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "--env-file", "/dev/null", "dispatch"],
        env=live.connector_environment(LEADFLOW_FAILPOINTS=failpoints),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "failpoint",
    [
        # HubSpot created the task; the process died before recording it
        "dispatch.after_hubspot_accepted:2",
        # the process died after recording, before moving on
        "dispatch.after_mark_sent:2",
        # the process died right after claiming, before any call
        "dispatch.after_claim:1",
    ],
)
def test_a_killed_dispatch_creates_no_second_task(store, failpoint):
    with live_connector(store, Clock()) as live:
        live.submit_form("contact", DECISION_MAKER, page="/site/contact")
        live.hub.webhooks.drain(10)
        live.connector.drain_inbox()
        live.connector.prepare_portal()

        killed = dispatch_in_a_process(live, failpoint)
        live.clock.now = datetime.now(UTC) + LEASE + timedelta(seconds=1)
        live.settle()

        tasks = live.hubspot_tasks()
        contact = live.hubspot_contact("dm@bigco.test", "leadflow_score")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(tasks) == 1
    assert contact["lifecyclestage"] == "salesqualifiedlead"
    assert live.store.outbox_depth().get("sending", 0) == 0


def test_a_daily_limit_pauses_dispatch_until_midnight_and_drops_nothing(store):
    with live_connector(store, Clock()) as live:
        live.submit_form("contact", DECISION_MAKER, page="/site/contact")
        live.hub.webhooks.drain(10)
        live.connector.drain_inbox()
        live.connector.prepare_portal()
        live.hub.sandbox.limiter.daily_limit = 0

        paused = live.connector.dispatcher.run_once()
        waiting = live.store.outbox_depth()
        live.clock.now = paused.paused_until + timedelta(seconds=1)
        live.hub.sandbox.limiter.daily_limit = 1_000
        sent = live.settle()

        tasks = live.hubspot_tasks()
    assert paused.paused_until == datetime(2026, 11, 24, tzinfo=UTC)
    assert (paused.sent, paused.parked, paused.dropped) == (0, 0, 0)
    assert waiting == {"pending": 2}
    # the two waiting effects; by midnight the score has decayed by under a point
    assert sent == 2
    assert len(tasks) == 1


def test_a_malformed_effect_is_parked_alone_and_the_rest_still_goes_out(store):
    with live_connector(store, Clock()) as live:
        live.submit_form("contact", DECISION_MAKER, page="/site/contact")
        live.hub.webhooks.drain(10)
        live.connector.drain_inbox()
        contact_id = live.hubspot_contact("dm@bigco.test")["hs_object_id"]
        broken = Effect("task:broken", EffectKind.CREATE_TASK, contact_id, {}, live.clock())
        with live.store.writing() as connection:
            live.store.plan_effects(connection, [broken], live.clock())

        sent = live.settle()

        (parked,) = live.store.list_outbox(["parked"])
    assert sent == 2
    assert len(live.hubspot_tasks()) == 1
    assert (parked.key, parked.error) == ("task:broken", "malformed payload: KeyError: 'subject'")


def test_it_creates_the_tasks_of_120_sqls_in_two_calls_one_task_each(store):
    # the test's clock stands still, so the portal's 10-second window never rolls
    with live_connector(store, Clock(), rate_limit=100_000, search_rate_limit=1_000) as live:
        for n in range(120):
            live.submit_form("contact", {**DECISION_MAKER, "email": f"dm{n}@bigco.test"})
        live.settle()

        with live.hub.state.lock:
            tasks_per_contact = Counter(
                contact_id
                for task in live.hub.state.tasks.records.values()
                for contact_id in task.associations["contacts"]
            )
        batch_calls = live.hub.request_log.count("POST", "/crm/v3/objects/tasks/batch/create")
        single_calls = live.hub.request_log.count(
            "POST", "/crm/v3/objects/tasks", where=lambda r: r.path == "/crm/v3/objects/tasks"
        )
    assert batch_calls == 2
    assert single_calls == 0
    assert len(tasks_per_contact) == 120
    assert set(tasks_per_contact.values()) == {1}


def test_a_task_for_a_contact_hubspot_lacks_is_parked_alone_not_its_batch(store):
    with live_connector(store, Clock()) as live:
        for n in range(2):
            live.submit_form("contact", {**DECISION_MAKER, "email": f"dm{n}@bigco.test"})
        live.hub.webhooks.drain(10)
        live.connector.drain_inbox()
        payload = {"subject": "Call", "due_at": live.clock().isoformat()}
        ghost = Effect("task:ghost", EffectKind.CREATE_TASK, "424242", payload, live.clock())
        with live.store.writing() as connection:
            live.store.plan_effects(connection, [ghost], live.clock())

        live.settle()

        (parked,) = live.store.list_outbox(["parked"])
        batch_calls = live.hub.request_log.count("POST", "/crm/v3/objects/tasks/batch/create")
    assert batch_calls == 1
    assert len(live.hubspot_tasks()) == 2
    assert parked.key == "task:ghost"
    assert "400" in parked.error


def test_a_claim_of_emails_goes_out_together_each_once_and_is_recorded(store):
    with live_connector(store, Clock()) as live:
        with live.hub.state.lock:
            live.hub.state.contacts.create(
                {"email": "out@x.test", "hs_email_optout": "true"}, live.hub.state.now()
            )
        good = {f"mail-{n}": {"email_id": 7, "to": f"p{n}@x.test"} for n in range(10)}
        plan_emails(live, {**good, "mail-out": {"email_id": 7, "to": "out@x.test"}})
        plan_emails(live, {"mail-broken": {"to": "nobody@x.test"}})

        outcome = live.connector.dispatcher.run_once()

        sends = live.hubspot_sends()
        effects = {
            e["idempotency_key"]: e
            for key in [*good, "mail-out", "mail-broken"]
            for e in live.store.effects_of(f"c-{key}")
        }
    assert (outcome.sent, outcome.dropped, outcome.parked, outcome.deferred) == (10, 1, 1, 0)
    assert sorted(send.send_id for send in sends) == sorted(good)
    assert all(effects[key]["state"] == "sent" and effects[key]["result_id"] for key in good)
    assert effects["mail-out"]["state"] == "cancelled"
    assert effects["mail-out"]["error"] == "HubSpot did not send: PREVIOUSLY_UNSUBSCRIBED_PORTAL"
    assert effects["mail-broken"]["state"] == "parked"


def test_credentials_refused_mid_claim_stop_its_emails_and_hand_the_claim_back(store):
    with live_connector(store, Clock()) as live:
        plan_emails(live, {f"mail-{n}": {"email_id": 7, "to": f"p{n}@x.test"} for n in range(20)})
        revoked = HubSpotGateway(live.hub.base_url, "pat-revoked", now=live.clock)
        dispatcher = Dispatcher(live.store, revoked, live.clock, "w")

        outcome = dispatcher.run_once()

        tried = live.hub.request_log.count("POST", SINGLE_SEND)
        refused = live.hub.request_log.count("POST", SINGLE_SEND, status=401)
        depth = live.store.outbox_depth()
    assert outcome.paused_until == live.clock() + AUTH_PAUSE
    assert (outcome.sent, outcome.dropped, outcome.parked, outcome.deferred) == (0, 0, 0, 0)
    # each sender stops at its first refusal: the rest of the claim is never sent
    assert 1 <= tried == refused <= EMAIL_SENDERS
    assert depth == {"pending": 20}


def test_beside_a_pass_emails_go_at_once_and_write_backs_only_by_whole_batches(store):
    with live_connector(store, Clock()) as live:
        plan_emails(live, {f"mail-{n}": {"email_id": 7, "to": f"p{n}@x.test"} for n in range(5)})
        write_backs = [
            Effect(f"wb-{n}", EffectKind.UPDATE_CONTACT, str(n), {"properties": {}}, live.clock())
            for n in range(UPDATE_BATCH - 1)
        ]
        with live.store.writing() as connection:
            live.store.plan_effects(connection, write_backs, live.clock())

        with alongside(live.connector.dispatcher, tick=0.05) as sent:
            deadline = time.monotonic() + 10
            while sent.sent < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            depth = live.store.outbox_depth()

        emails = live.hubspot_sends()
    assert sent.sent == 5 and len(emails) == 5
    # a partial batch of write-backs waits for the pass's end: no call for 99 of 100
    assert depth == {"sent": 5, "pending": UPDATE_BATCH - 1}
    assert live.hub.request_log.count("POST", "/crm/v3/objects/contacts/batch/update") == 0


class RevokedMidClaim(FakeGateway):
    """Every send of a claim waits until all of them are in flight; then the one to
    `revoked@x.test` meets revoked credentials and the others are accepted."""

    def __init__(self, in_flight: int) -> None:
        super().__init__()
        self._together = threading.Barrier(in_flight, timeout=10)

    def send_email(self, email_id, to, send_id, *properties):
        self._together.wait()
        if to == "revoked@x.test":
            raise AuthError("revoked", status=401)
        return super().send_email(email_id, to, send_id, *properties)


def test_a_pause_among_a_claims_emails_still_records_every_other_result(store, monkeypatch):
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    monkeypatch.setattr(dispatcher_module, "EMAIL_SENDERS", 8)
    payloads = {
        "mail-revoked": {"email_id": 7, "to": "revoked@x.test"},
        "mail-broken": {"to": "broken@x.test"},
        **{f"mail-{n}": {"email_id": 7, "to": f"p{n}@x.test"} for n in range(6)},
    }
    with store.writing() as connection:
        store.plan_effects(
            connection,
            [Effect(k, EffectKind.SEND_EMAIL, "c1", p, now) for k, p in payloads.items()],
            now,
        )
    gateway = RevokedMidClaim(in_flight=7)

    outcome = Dispatcher(store, gateway, lambda: now, "w").run_once()

    states = {e["idempotency_key"]: e["state"] for e in store.effects_of("c1")}
    assert outcome.paused_until == now + AUTH_PAUSE
    # the refusal came first in the claim: what came back after it is recorded all the same
    assert (outcome.sent, outcome.parked) == (6, 1) and len(gateway.sent) == 6
    assert (states["mail-revoked"], states["mail-broken"]) == ("pending", "parked")
