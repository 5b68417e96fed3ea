"""HubSpot's failures, as the sandbox serves them, through the gateway and the official SDK.

Rate limits, faults and errors arrive over real HTTP; the gateway's waits move
the shared clock instead of sleeping, so a 10-second pause costs nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hubspot import HubSpot
from prometheus_client import REGISTRY

from connector.hubspot import (
    AuthError,
    DailyLimitReached,
    NotFound,
    RetryPolicy,
    Transient,
)
from connector.hubspot.calls import CallRunner
from connector.hubspot.constants import Endpoint
from connector.hubspot.errors import InDoubt
from connector.hubspot.gateway import HubSpotGateway
from connector.hubspot.metrics import CallTally
from connector.hubspot.sdk import build_apis
from connector.sandbox.limits import parse_fault
from tests.integration.hubspot.test_tasks import call_task
from tests.integration.hubspot.world import add_contacts

BATCH_READ = ("POST", "/crm/v3/objects/contacts/batch/read")
TASKS_BATCH = "/crm/v3/objects/tasks/batch/create"
SEARCH = ("POST", "/crm/v3/objects/contacts/search")


def rate_limited_total(policy: str) -> float:
    return REGISTRY.get_sample_value("leadflow_hubspot_rate_limited_total", {"policy": policy}) or 0


def burn(hub, calls: int, search: bool = False) -> None:
    """Another process spends the portal's budget with the same token."""
    client = HubSpot(access_token=hub.token, host=hub.base_url)
    for _ in range(calls):
        if search:
            client.crm.contacts.search_api.do_search({"limit": 1})
        else:
            client.crm.contacts.basic_api.get_page(limit=1)


def test_it_raises_an_auth_error_with_hubspots_message_and_does_not_retry(hub):
    gateway = HubSpotGateway(hub.base_url, "not-the-token", sleep=lambda s: None)
    with pytest.raises(AuthError) as refused:
        gateway.read_contacts(["1"])
    error = refused.value
    assert (error.status, error.category) == (401, "INVALID_AUTHENTICATION")
    assert error.message and error.correlation_id
    assert error.correlation_id in str(error)
    assert "not-the-token" not in str(error)
    assert hub.request_log.count(*BATCH_READ) == 1


def test_it_raises_not_found_with_hubspots_message(hub):
    apis = build_apis(hub.base_url, hub.token, pool_size=1)
    runner = CallRunner({}, retry_policy=RetryPolicy(), tally=CallTally(), sleep=lambda s: None)
    with pytest.raises(NotFound) as missing:
        runner.run(
            Endpoint("tasks.get", "GET /crm/v3/objects/tasks/{id}"),
            apis.tasks_basic.get_by_id_with_http_info,
            "424242",
        )
    assert (missing.value.status, missing.value.category) == (404, "OBJECT_NOT_FOUND")
    assert missing.value.correlation_id


def test_it_learns_the_portals_limit_from_the_headers_and_gets_no_429(start_hub, connect, time_):
    hub = start_hub(rate_limit=10)
    gateway = connect(hub, rate_limit=190)
    ids = add_contacts(hub, 3)
    for _ in range(25):
        gateway.read_contacts(ids)
    assert hub.request_log.count(*BATCH_READ, status=200) == 25
    assert hub.request_log.count(status=429) == 0
    # 90% of 10 per 10 s is 9: 25 calls need two further windows
    assert sum(time_.slept) >= 20


def test_it_waits_a_whole_window_after_a_429_then_succeeds(start_hub, connect, time_):
    hub = start_hub(rate_limit=10)
    gateway = connect(hub)
    ids = add_contacts(hub, 3)
    before = rate_limited_total("TEN_SECONDLY_ROLLING")
    burn(hub, 10)
    assert [c.id for c in gateway.read_contacts(ids).contacts] == ids
    assert hub.request_log.count(*BATCH_READ, status=429) == 1
    assert 10.0 in time_.slept
    assert gateway.tally.rate_limited("TEN_SECONDLY_ROLLING") == 1
    assert rate_limited_total("TEN_SECONDLY_ROLLING") == before + 1


def test_it_waits_a_second_after_searchs_secondly_limit(start_hub, connect, frozen, time_):
    hub = start_hub(search_rate_limit=1)
    gateway = connect(hub)
    start = datetime.fromtimestamp(frozen() / 1000, UTC)
    ids = add_contacts(hub, 3)
    burn(hub, 1, search=True)
    assert [c.id for page in gateway.changed_contacts(start) for c in page] == ids
    assert hub.request_log.count(*SEARCH, status=429) == 1
    assert gateway.tally.rate_limited("SECONDLY") == 1
    assert 1.0 in time_.slept


def test_it_stops_at_the_daily_limit_until_it_resets(start_hub, connect, frozen):
    hub = start_hub(daily_limit=2)
    gateway = connect(hub)
    ids = add_contacts(hub, 1)
    gateway.read_contacts(ids)
    gateway.read_contacts(ids)
    with pytest.raises(DailyLimitReached) as stopped:
        gateway.read_contacts(ids)
    assert stopped.value.resets_at == datetime(2026, 1, 2, tzinfo=UTC)
    assert not stopped.value.transient
    with pytest.raises(DailyLimitReached):
        gateway.read_contacts(ids)
    # the last call never left the process
    assert hub.request_log.count(*BATCH_READ) == 3


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        # HubSpot's servers fail now and then
        ("503:0.4:/crm/v3/objects/contacts/batch/*", "503"),
        ("500:0.4:/crm/v3/objects/contacts/batch/*", "500"),
        ("502:0.4:/crm/v3/objects/contacts/batch/*", "502"),
        # the connection is cut mid-request
        ("drop:0.4:/crm/v3/objects/contacts/batch/*", "connection"),
        # the answer takes longer than the gateway waits
        ("timeout:0.3:/crm/v3/objects/contacts/batch/*:0.5", "timeout"),
        # a 429 that the budget could not foresee
        ("429:0.4:/crm/v3/objects/contacts/batch/*", "429"),
    ],
)
def test_it_retries_transient_failures_until_the_work_is_done(start_hub, connect, fault, outcome):
    hub = start_hub(faults=[parse_fault(fault)], fault_seed=3)
    gateway = connect(hub, timeout=(1.0, 0.2))
    ids = add_contacts(hub, 450)
    batch = gateway.read_contacts(ids)
    assert sorted(c.id for c in batch.contacts) == sorted(ids)
    assert batch.missing == []
    assert gateway.tally.calls("contacts.batch_read", outcome) > 0
    # five batches of at most 100, each answered once in the end
    assert gateway.tally.calls("contacts.batch_read", "200") == 5


def test_it_gives_up_with_the_last_error_after_its_attempts(start_hub, connect):
    hub = start_hub(faults=[parse_fault("503:1.0:/crm/v3/objects/contacts/batch/*")])
    gateway = connect(hub, retry_policy=RetryPolicy(attempts=4))
    with pytest.raises(Transient) as failed:
        gateway.read_contacts(add_contacts(hub, 1))
    assert failed.value.status == 503
    assert hub.request_log.count(*BATCH_READ) == 4
    assert gateway.tally.calls("contacts.batch_read", "503") == 4


def create_one(gateway, contact_id: str) -> None:
    gateway.create_task(call_task(contact_id))


def create_batch(gateway, contact_id: str) -> None:
    gateway.create_tasks([call_task(contact_id)])


@pytest.mark.parametrize(
    ("fault", "outcome", "endpoint", "create"),
    [
        # HubSpot created the task but answered after the gateway stopped waiting
        ("timeout:1.0:POST /crm/v3/objects/tasks:0.5", "timeout", "tasks.create", create_one),
        # a server error that may come after the task was created
        ("503:1.0:POST /crm/v3/objects/tasks", "503", "tasks.create", create_one),
        # the same two for a batch of tasks
        (f"timeout:1.0:POST {TASKS_BATCH}:0.5", "timeout", "tasks.batch_create", create_batch),
        (f"503:1.0:POST {TASKS_BATCH}", "503", "tasks.batch_create", create_batch),
    ],
)
def test_it_never_repeats_a_task_creation_that_may_have_been_carried_out(
    start_hub, connect, fault, outcome, endpoint, create
):
    hub = start_hub(faults=[parse_fault(fault)])
    gateway = connect(hub, timeout=(1.0, 0.2))
    [contact_id] = add_contacts(hub, 1)
    with pytest.raises(InDoubt):
        create(gateway, contact_id)
    assert gateway.tally.calls(endpoint, outcome) == 1
    assert sum(gateway.tally.calls(endpoint, o) for o in ("timeout", "503", "200", "201")) == 1
