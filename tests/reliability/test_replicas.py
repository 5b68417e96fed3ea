"""Three `connector worker` processes on one PostgreSQL database share the work and the
HubSpot budget: every event is processed once, every effect reaches HubSpot once, and
together they never pass the portal's limit (the sandbox's request log says so)."""

from __future__ import annotations

import pytest

from connector.sandbox.testing import running_sandbox
from connector.store import Store
from tests.reliability.conftest import scaled
from tests.reliability.processes import Runner, environment
from tests.reliability.replicas import queue_events, replicas_result, run_replicas

EVENTS = scaled(5_000, 50_000)
CONTACTS = scaled(60, 1_000)
PORTAL_LIMIT = 1_000  # per 10 s: more than HubSpot's 190, so the test takes seconds
SEARCH_LIMIT = 5
BUDGET, SEARCH_BUDGET = int(PORTAL_LIMIT * 0.9), SEARCH_LIMIT


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_replicas_process_each_event_once_and_keep_to_one_budget(
    database_url, store: Store, round_the_clock, tmp_path, figures
):
    with running_sandbox(contacts=CONTACTS, seed=3, rate_limit=PORTAL_LIMIT) as hub:
        queued = queue_events(store, hub, EVENTS)
        runner = Runner(
            environment(hub, database_url, round_the_clock, HUBSPOT_RATE_LIMIT=str(PORTAL_LIMIT)),
            tmp_path,
        )
        result = replicas_result(store, hub, run_replicas(runner, 3), queued)
    figures(replicas=3, **result.figures(BUDGET, SEARCH_BUDGET))
    assert queued == EVENTS
    assert result.inbox == {"done": EVENTS}
    assert result.processed == EVENTS
    assert set(result.outbox) <= {"sent", "pending", "cancelled"}
    assert result.sent == result.outbox["sent"]
    assert (result.tasks_in_hubspot, result.duplicate_tasks) == (result.tasks_planned, 0)
    assert (result.emails_in_hubspot, result.duplicate_emails) == (result.emails_planned, 0)
    assert result.stages_differing == 0
    assert result.rate_limited == 0
    assert result.busiest_10s <= BUDGET
    assert result.busiest_search_1s <= SEARCH_BUDGET
