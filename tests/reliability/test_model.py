"""The whole loop as a state machine: whatever happens, in any order, leadflow keeps
its promises (hypothesis `RuleBasedStateMachine` over tests/live.py, on PostgreSQL).

Things that happen: three people fill in forms, HubSpot delivers webhooks again,
time passes, the hourly sync and the dispatcher run, the sandbox fails a third
of leadflow's calls for a while, a person in HubSpot moves a stage on, sales
rejects a lead (hs_lead_status UNQUALIFIED), a contact is erased for privacy,
and the worker dies after HubSpot accepted an effect but before it was
recorded (a new Connector then starts on the same store).

What always holds: a stage never moves back (in leadflow or in HubSpot), one
CALL task at most per SQL episode, one outbox row per planned effect, nothing
pending for an erased contact; and once all is quiet, HubSpot holds exactly
what leadflow sent, every stage at least what the forms earned.
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack, suppress
from datetime import timedelta

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete

from connector.domain import Stage, stage_rank
from connector.hubspot import HubSpotError, RetryPolicy
from connector.hubspot.bodies import task_marker
from connector.hubspot.gateway import HubSpotGateway
from connector.sandbox.limits import FaultRule
from connector.services import build_connector
from connector.store import Store
from connector.store.tables import metadata
from tests.live import Clock, Live, live_connector, live_settings
from tests.reliability.conftest import scaled

PEOPLE = 3
FORMS = {"contact": Stage.SQL, "ebook": Stage.MQL, "newsletter": Stage.LEAD}
LEADFLOWS_CALLS = (  # faults hit leadflow's calls, never the test's own look-ups
    "POST /crm/v3/objects/contacts/batch/*",
    "POST /crm/v3/objects/*/search",
    "POST /crm/v3/objects/tasks",
    "POST /crm/v3/objects/tasks/batch/create",
    "GET /events/v3/*",
    "GET /email/public/v1/*",
    "POST /marketing/*",
)
FAULTS = [FaultRule(pattern, "503", 0.3) for pattern in LEADFLOWS_CALLS]
UNLIMITED = {"rate_limit": 100_000, "search_rate_limit": 10_000}
POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def fields(person: int, form: str) -> dict[str, str]:
    email = f"person{person}@model.test"
    if form == "contact":
        return {
            "email": email,
            "firstname": f"Dana{person}",
            "jobtitle": "VP Marketing",
            "company": "BigCo",
            "hs_buying_role": "DECISION_MAKER",
            "budget": "50k_250k",
            "challenge": "We cannot see which campaigns produce pipeline.",
        }
    if form == "ebook":
        return {"email": email, "firstname": f"Eli{person}", "company": "MidCo"}
    return {"email": email}


class Crash(BaseException):
    """The worker died here (after HubSpot accepted, before leadflow recorded it)."""


class DiesBeforeRecording:
    """The store as a worker sees it that dies right after HubSpot's first acceptance."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str):
        if name in ("mark_effects_sent", "mark_updates_sent"):
            raise Crash
        return getattr(self._store, name)


def wipe(store: Store) -> None:
    with store.writing() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))


class Loop(RuleBasedStateMachine):
    """One run of the whole loop; `tally` adds up what every run drove."""

    store: Store
    config_dir = None
    tally: Counter

    def __init__(self) -> None:
        super().__init__()
        wipe(self.store)
        self.clock = Clock()
        self.stack = ExitStack()
        self.live: Live = self.stack.enter_context(
            live_connector(self.store, self.clock, config_dir=self.config_dir, **UNLIMITED)
        )
        self.restart()
        self.ids: dict[int, str] = {}  # person → HubSpot id, while the contact exists
        self.earned: dict[int, int] = {}  # person → rank of the stage the forms earned
        self.moved: dict[int, int] = {}  # person → rank of the stage a person set in HubSpot
        self.rejected: set[int] = set()  # people sales sent back
        self.seen: dict[int, int] = {}  # person → rank in HubSpot at the last quiet check
        self.erased: set[str] = set()
        self.stages: dict[str, int] = {}  # contact id (or hubspot:id) → rank last seen
        self.recycles: dict[str, int] = {}  # contact id → recycles recorded
        self.tally["runs"] += 1

    def restart(self) -> None:
        """A new worker process on the same store (a fresh gateway, a new worker id)."""
        gateway = HubSpotGateway(
            self.live.hub.base_url,
            self.live.hub.token,
            now=self.clock,
            retry_policy=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01),
            rate_limit=UNLIMITED["rate_limit"],
        )
        url = self.store.engine.url.render_as_string(hide_password=False)
        settings_ = live_settings(url, self.config_dir)
        self.live.connector = build_connector(settings_, self.store, gateway, self.clock)

    def teardown(self) -> None:
        try:
            self.quiet()
            self.tally["tasks"] += len(self.live.hubspot_tasks())
            self.tally["emails"] += len(self.live.hubspot_sends())
        finally:
            self.stack.close()

    # What happens

    @rule(person=st.integers(0, PEOPLE - 1), form=st.sampled_from(sorted(FORMS)))
    def submit(self, person: int, form: str) -> None:
        self.live.submit_form(form, fields(person, form), page=f"/site/{form}")
        self.ids[person] = self.live.hubspot_contact(fields(person, form)["email"])["hs_object_id"]
        # after a rejection only activity since leadflow noticed it counts (lifecycle.yaml),
        # which may come after this form: what it earns is then unknown
        earned = -1 if person in self.rejected else stage_rank(FORMS[form])
        self.earned[person] = max(self.earned.get(person, -1), earned)
        self.tally["forms"] += 1

    @rule()
    def redeliver(self) -> None:
        """HubSpot retries every webhook it ever sent (as after a timeout)."""
        sender = self.live.hub.webhooks
        again = [{**event, "attemptNumber": event["attemptNumber"] + 1} for event in sender.emitted]
        sender.emit(again)
        self.tally["redelivered"] += len(again)

    @rule(hours=st.sampled_from([0.05, 1, 6, 25]))
    def advance(self, hours: float) -> None:
        self.advance_after_webhooks(timedelta(hours=hours))

    def advance_after_webhooks(self, delta: timedelta) -> None:
        """Time moves on once HubSpot's webhooks are delivered (they are signed with
        the time they were sent, and leadflow refuses one five minutes old)."""
        assert self.live.hub.webhooks.drain(10), "the sandbox could not deliver its webhooks"
        self.clock.advance(delta)

    @rule()
    def settle(self) -> None:
        self.live.settle()

    @rule()
    def sync(self) -> None:
        try:
            self.live.connector.puller.run()
        except HubSpotError:
            self.tally["syncs_failed"] += 1  # the next hour's sync resumes it

    @rule()
    def dispatch(self) -> None:
        self.live.connector.dispatch_due()

    @rule()
    def toggle_faults(self) -> None:
        faults = self.live.hub.sandbox.faults
        faults.rules = [] if faults.rules else list(FAULTS)
        self.tally["fault_periods"] += bool(faults.rules)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), stage=st.sampled_from([Stage.OPPORTUNITY, Stage.CUSTOMER]))
    def person_moves_the_stage_on(self, data, stage: str) -> None:
        person = data.draw(st.sampled_from(sorted(self.ids)))
        self.live.hubspot_update(self.ids[person], lifecyclestage=stage)
        self.earned[person] = max(self.earned[person], stage_rank(stage))
        self.moved[person] = max(self.moved.get(person, -1), stage_rank(stage))
        self.tally["human_stage_changes"] += 1

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def sales_rejects(self, data) -> None:
        person = data.draw(st.sampled_from(sorted(self.ids)))
        self.live.hubspot_update(self.ids[person], hs_lead_status="UNQUALIFIED")
        # a rejection may come before leadflow judged the forms (then they never count);
        # only a stage already seen in HubSpot, or set there by a person, stays for sure
        self.earned[person] = max(self.seen.get(person, -1), self.moved.get(person, -1))
        self.rejected.add(person)
        self.tally["rejections"] += 1

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def privacy_deletion(self, data) -> None:
        person = data.draw(st.sampled_from(sorted(self.ids)))
        contact_id = self.ids.pop(person)
        self.live.hubspot_privacy_delete(contact_id)
        self.earned.pop(person)
        self.moved.pop(person, None)
        self.rejected.discard(person)
        self.seen.pop(person, None)
        self.erased.add(contact_id)
        self.tally["privacy_deletions"] += 1

    @rule()
    def crash_after_hubspot_accepted(self) -> None:
        """A worker claims what is due, HubSpot accepts its first effect, and it dies;
        a new worker starts once the dead one's claims have run out."""
        connector = self.live.connector
        with suppress(HubSpotError):
            connector.drain_inbox()
        connector.prepare_portal()  # as dispatch_due does before any write-back
        dying = type(connector.dispatcher)(
            DiesBeforeRecording(self.store), connector.gateway, self.clock, "dead:0:x"
        )
        try:
            dying.run_once()
        except Crash:
            self.tally["crashes_in_doubt"] += 1
        except HubSpotError:
            pass
        self.restart()
        self.advance_after_webhooks(timedelta(minutes=3))

    # What always holds

    @invariant()
    def stages_never_move_back(self) -> None:
        for contact_id, contact in self._stored().items():
            moves = self.store.transitions_of(contact_id)
            recycles = sum(1 for move in moves if move.kind == "recycle")
            recycled = recycles > self.recycles.get(contact_id, 0)
            self.recycles[contact_id] = recycles
            self._never_back(contact_id, contact.stage, unless=recycled)
            for move in moves:
                if move.kind == "advance":
                    assert stage_rank(move.to_stage) > stage_rank(move.from_stage), move
        for person, contact_id in self.ids.items():
            found = self.live.hubspot_contact(fields(person, "newsletter")["email"])
            self._never_back(f"hubspot:{contact_id}", found["lifecyclestage"])

    def _never_back(self, key: str, stage: str | None, unless: bool = False) -> None:
        rank = stage_rank(stage or None)
        assert unless or rank >= self.stages.get(key, -1), f"{key} moved back to {stage}"
        self.stages[key] = rank

    @invariant()
    def one_call_task_per_sql_episode_and_one_row_per_effect(self) -> None:
        effects = [e for contact_id in self._known() for e in self.store.effects_of(contact_id)]
        assert len({e["idempotency_key"] for e in effects}) == len(effects)
        tasks = Counter(e["transition_id"] for e in effects if e["kind"] == "create_task")
        assert all(n == 1 for key, n in tasks.items() if key), tasks
        in_hubspot = Counter(
            task["hs_task_body"].rsplit("\n", 1)[-1] for task in self.live.hubspot_tasks()
        )
        assert all(n == 1 for n in in_hubspot.values()), "a task was created twice"
        for contact_id in set(self.ids.values()):
            episodes = 1 + sum(
                1 for t in self.store.transitions_of(contact_id) if t.kind == "recycle"
            )
            calls = [
                e
                for e in self.store.effects_of(contact_id)
                if e["payload"].get("purpose") == "sql_call"
                and in_hubspot[task_marker(e["idempotency_key"])]
            ]
            assert len(calls) <= episodes, f"{contact_id}: {len(calls)} calls, {episodes} episodes"

    @invariant()
    def an_erased_contact_has_nothing_pending(self) -> None:
        stored = self._stored()
        for contact_id in self.erased - set(stored):
            pending = [
                e for e in self.store.effects_of(contact_id) if e["state"] in ("pending", "sending")
            ]
            assert not pending, f"{contact_id} was erased but has {len(pending)} effects to send"

    # Quiet: HubSpot equals what leadflow decided

    @rule()
    def quiet(self) -> None:
        """Faults stop, claims and back-offs run out, everything due is done; then
        HubSpot holds exactly what leadflow sent, and every stage what was earned."""
        self.live.hub.sandbox.faults.rules = []
        for _ in range(3):
            self.advance_after_webhooks(timedelta(hours=1, minutes=5))
            self.live.settle()
        store, now = self.store, self.clock()
        assert set(store.inbox_depth()) <= {"done", "skipped"}, store.inbox_depth()
        unsent = store.list_outbox(["pending", "sending", "parked"], limit=10_000)
        assert [e for e in unsent if e.state != "pending" or e.due_at <= now] == []
        sent = store.list_outbox(["sent"], limit=10_000)
        tasks = Counter(t["hs_task_body"].rsplit("\n", 1)[-1] for t in self.live.hubspot_tasks())
        sent_tasks = Counter(task_marker(e.key) for e in sent if e.kind == "create_task")
        assert tasks == sent_tasks
        sends = Counter(
            send.send_id
            for send in self.live.hubspot_sends()
            if not send.send_result.startswith("IDEMPOTENT")
        )
        assert {e.key for e in sent if e.kind == "send_email"} <= set(sends)
        assert all(n == 1 for n in sends.values()), "an email was sent twice"
        stored = self._stored()
        for person, contact_id in self.ids.items():
            hubspot = self.live.hubspot_contact(fields(person, "newsletter")["email"])
            self.seen[person] = stage_rank(hubspot["lifecyclestage"] or None)
            assert self.seen[person] >= self.earned[person], f"person {person}"
            assert stored[contact_id].stage == hubspot["lifecyclestage"], contact_id
        self.tally["quiet_checks"] += 1

    def _known(self) -> set[str]:
        return set(self.ids.values()) | self.erased

    def _stored(self) -> dict:
        with self.store.reading() as connection:
            return self.store.stored_contacts(connection, sorted(self._known()))


@POSTGRES
def test_the_loop_keeps_its_promises_whatever_happens_in_any_order(
    database_url, round_the_clock, figures
):
    store = Store.from_url(database_url)
    tally: Counter = Counter()
    machine = type("LeadflowLoop", (Loop,), {"store": store, "config_dir": round_the_clock})
    machine.tally = tally
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=scaled(25, 300),
                stateful_step_count=scaled(20, 40),
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                phases=[Phase.generate],  # CI: no shrinking (a failure prints its steps)
                database=None,
            ),
        )
    finally:
        store.close()
    figures(**tally)
