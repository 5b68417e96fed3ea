"""Crash anywhere, restart, and nothing is lost or done twice.

The real processes run against the sandbox over loopback: `connector serve`
takes HubSpot's webhooks, `connector worker --once` processes the inbox and
`connector dispatch` sends the outbox. Armed failpoints (connector/failpoints.py)
make each SIGKILL itself at a chosen commit or HubSpot call: around the inbox
commit, after the claim, after evaluation, after the verdict+outbox commit, after
HubSpot accepted an effect that is not yet marked sent, after marking. After
every kill the process is started again, as a supervisor would. At the end the
sandbox must hold exactly what a run without any kill leaves.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.sandbox.testing import running_sandbox
from connector.store import Store
from tests.live import Clock, live_connector
from tests.reliability.conftest import scaled
from tests.reliability.outcome import (
    acknowledged_identities,
    hubspot_outcome,
    inbox_rows,
    portal,
    submit_wave,
)
from tests.reliability.processes import (
    Runner,
    Server,
    deliver_webhooks,
    environment,
    expire_claims_of,
    free_port,
)

WAVES = scaled(4, 12)
QUIET_ROUNDS = 30
# The fault-free run's sandbox lives on a clock that stands still: its ten-second
# window would never empty, so it gets no rate limit (rate limits are not under test).
UNLIMITED = {"rate_limit": 100_000}
# Each start of `connector serve` takes the next arm: the Nth inbox commit kills it.
SERVE_ARMS = [
    "inbox.before_commit:1",
    "inbox.after_commit:1",
    "inbox.before_commit:2",
    "inbox.after_commit:2",
    "inbox.before_commit:3",
    "inbox.after_commit:3",
    "inbox.before_commit:1",
    "inbox.after_commit:1",
    "inbox.before_commit:2",
    "inbox.after_commit:2",
] * (WAVES // 4)
# Worker runs of one wave, in order. A wave plans U (three write-backs, one batch
# call), then T (the CALL task), E1 and E2 (welcome emails, sent together and
# recorded in one transaction); claims are by kind, in that order. The Nth hit of a
# failpoint counts within one process, over what is left to send.
WAVE_ARMS = [
    [
        ("worker", "inbox.after_claim:1"),
        ("worker", "refresh.after_evaluation:1"),
        ("worker", "refresh.after_commit:1"),
        ("dispatch", "dispatch.after_claim:1"),  # U claimed, none sent
        ("dispatch", "dispatch.after_hubspot_accepted:2"),  # U again, marked; T created, unmarked
        ("dispatch", "dispatch.before_mark_sent:2"),  # T found again, marked; E1 E2 sent
        ("dispatch", "dispatch.after_mark_sent:1"),  # E1 E2 sent again (same sendIds), marked
    ],
    [
        ("worker", "refresh.after_evaluation:1"),
        ("worker", "refresh.after_commit:1"),
        ("dispatch", "dispatch.after_hubspot_accepted:1"),  # U written, unmarked
        ("dispatch", "dispatch.after_hubspot_accepted:2"),  # U again, marked; T unmarked
        ("dispatch", "dispatch.after_mark_sent:1"),  # T found again, marked
        ("dispatch", "dispatch.after_hubspot_accepted:1"),  # E1 E2 sent, unmarked
    ],
    [
        ("worker", "inbox.after_claim:1"),
        ("worker", "refresh.after_commit:1"),
        ("dispatch", "dispatch.before_mark_sent:1"),  # U written, unmarked
        ("dispatch", "dispatch.after_hubspot_accepted:2"),  # U again, marked; T unmarked
        ("dispatch", "dispatch.after_hubspot_accepted:2"),  # T found, marked; E1 E2 unmarked
        ("dispatch", "dispatch.after_claim:1"),  # E1 E2 claimed again
    ],
    [
        ("worker", "refresh.after_evaluation:1"),
        ("worker", "inbox.after_claim:1"),
        ("worker", "dispatch.after_hubspot_accepted:2"),  # processed; U marked; T unmarked
        ("dispatch", "dispatch.before_mark_sent:2"),  # T found, marked; E1 E2 sent, unmarked
        ("dispatch", "dispatch.after_mark_sent:1"),  # E1 E2 again, marked
    ],
]


def fault_free_outcome(store: Store, config: Path):
    """The same waves with no kill: one in-process connector, settled after each wave."""
    clock = Clock(datetime.now(UTC))
    with live_connector(store, clock, config_dir=config, owners=1, **UNLIMITED) as live:
        addresses = []
        for number in range(WAVES):
            addresses += submit_wave(live, number)
            live.settle()
        return hubspot_outcome(live, addresses)


def settle(hub, server: Server, runner: Runner, database_url: str, arms) -> None:
    """Run workers (armed with `arms` first) until the inbox and the due outbox are empty;
    after each kill, the dead worker's leases run out."""
    pending = list(arms)
    for _ in range(QUIET_ROUNDS):
        deliver_webhooks(hub, server)
        command, failpoint = pending.pop(0) if pending else ("worker", None)
        args = ("worker", "--once") if command == "worker" else ("dispatch",)
        run = runner.run(*args, failpoint=failpoint)
        if run.killed:
            expire_claims_of(database_url, run.pid)
            continue
        quiet = run.stdout.startswith("processed 0 events, sent 0 effects")
        if not pending and quiet and hub.webhooks.drain(0):
            return
    raise AssertionError(f"still busy after {QUIET_ROUNDS} worker runs")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_it_loses_nothing_and_repeats_nothing_when_processes_are_killed_anywhere(
    database_url, fault_free_store, round_the_clock, tmp_path, figures
):
    expected = fault_free_outcome(fault_free_store, round_the_clock)
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    with running_sandbox(
        webhook_url=f"http://127.0.0.1:{port}/webhooks/hubspot", webhook_backoff_s=0.05
    ) as hub:
        with hub.state.lock:
            hub.state.add_owner("rep0@demo.test", "Rep0", "Sales")
        runner = Runner(environment(hub, database_url, round_the_clock), logs)
        server = Server(runner, port, SERVE_ARMS)
        store = Store.from_url(database_url)
        live = portal(hub, store)
        try:
            addresses = []
            for number in range(WAVES):
                server.ensure_up()
                addresses += submit_wave(live, number)
                settle(hub, server, runner, database_url, WAVE_ARMS[number % len(WAVE_ARMS)])
            outcome = hubspot_outcome(live, addresses)
            acknowledged, deliveries = acknowledged_identities(hub)
            rows = inbox_rows(store)
        finally:
            server.stop()
            store.close()
    logs_text = runner.logs()
    kills = Counter(run.failpoint.split(":")[0] for run in runner.kills)
    identities = Counter(key for key, _ in rows)
    processed = {key for key, state in rows if state in ("done", "skipped")}
    figures(
        events=len(acknowledged),
        deliveries=deliveries,
        kill_points=len(kills),
        kill_runs=len(runner.kills),
        process_starts=len(runner.runs),
        in_doubt_reconciled=logs_text.count('"outbox.reconciled"'),
        tasks=len(outcome.tasks),
        emails=len(outcome.emails),
        duplicates=outcome.duplicate_tasks + outcome.duplicate_emails,
        losses=len(acknowledged - processed),
    )
    figures(kills_by_point=dict(kills))
    assert len(runner.kills) >= 30
    assert len(kills) == 9, kills
    assert acknowledged - processed == set(), "acknowledged events never processed"
    assert all(count == 1 for count in identities.values()), "an event stored twice"
    assert set(identities) == acknowledged
    assert outcome.duplicate_tasks == 0 and outcome.duplicate_emails == 0
    assert outcome == expected
    # one task per wave was created in HubSpot by a process killed before recording it
    assert logs_text.count('"outbox.reconciled"') == WAVES
