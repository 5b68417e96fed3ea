"""Injected faults: 5xx, 429s, dropped connections and timeouts, on matching paths only."""

from __future__ import annotations

import json

import pytest
import urllib3
from hubspot.crm.contacts import ApiException

from connector.sandbox.limits import parse_fault
from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import sdk_client


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        ("503:1:/crm/v3/objects/contacts", 503),  # a plain server error
        ("502:1:GET /crm/v3/objects/*", 502),  # a gateway error on object reads
        ("429:1:/crm/v3/objects/*", 429),  # a burst-limit refusal
    ],
)
def test_it_answers_an_injected_status_on_matching_requests_only(rule, status):
    with running_sandbox(faults=[parse_fault(rule)]) as hub:
        client = sdk_client(hub)
        with pytest.raises(ApiException) as raised:
            client.crm.contacts.basic_api.get_page()
        owners = client.crm.owners.owners_api.get_page()

    assert raised.value.status == status
    assert json.loads(raised.value.body)["status"] == "error"
    assert owners.results == []


def test_it_drops_the_connection_without_an_answer_and_logs_it_once():
    with running_sandbox(faults=[parse_fault("drop:1:/crm/v3/objects/*")]) as hub:
        client = sdk_client(hub, retry=False)
        with pytest.raises(urllib3.exceptions.HTTPError):
            client.crm.contacts.basic_api.get_page()
        client.crm.owners.owners_api.get_page()

        logged = [(entry.path, entry.status) for entry in hub.request_log.entries]
    assert logged == [("/crm/v3/objects/contacts", 0), ("/crm/v3/owners/", 200)]


def test_it_holds_a_response_past_the_clients_timeout():
    with running_sandbox(faults=[parse_fault("timeout:1:/crm/v3/objects/*:0.3")]) as hub:
        client = sdk_client(hub, retry=False)
        with pytest.raises(urllib3.exceptions.ReadTimeoutError):
            client.crm.contacts.basic_api.get_page(_request_timeout=0.05)
