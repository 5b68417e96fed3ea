"""429s as HubSpot sends them: body, policy name, and headers only where HubSpot sends them."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import FrozenClock, sdk_client


def test_it_refuses_the_request_past_the_ten_second_window_with_headers():
    with running_sandbox(clock=FrozenClock(), rate_limit=3) as hub:
        client = sdk_client(hub)
        ok = [client.crm.contacts.basic_api.get_page_with_http_info() for _ in range(3)]
        with pytest.raises(ApiException) as raised:
            client.crm.contacts.basic_api.get_page()

    headers = ok[0][2]
    assert headers["X-HubSpot-RateLimit-Max"] == "3"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert [r[2]["X-HubSpot-RateLimit-Remaining"] for r in ok] == ["2", "1", "0"]
    assert raised.value.status == 429
    assert json.loads(raised.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
    assert raised.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_it_admits_again_once_the_window_has_rolled_on():
    clock = FrozenClock()
    with running_sandbox(clock=clock, rate_limit=1) as hub:
        client = sdk_client(hub)
        client.crm.contacts.basic_api.get_page()
        clock.advance(10_000)

        assert client.crm.contacts.basic_api.get_page().results == []


def test_it_limits_search_per_second_without_rate_limit_headers():
    with running_sandbox(clock=FrozenClock(), search_rate_limit=2, rate_limit=1) as hub:
        client = sdk_client(hub)
        answers = [
            client.crm.contacts.search_api.do_search_with_http_info(PublicObjectSearchRequest())
            for _ in range(2)
        ]
        with pytest.raises(ApiException) as raised:
            client.crm.contacts.search_api.do_search(PublicObjectSearchRequest())

    assert all("X-HubSpot-RateLimit-Max" not in headers for _, _, headers in answers)
    assert json.loads(raised.value.body)["policyName"] == "SECONDLY"
    assert json.loads(raised.value.body)["message"] == "You have reached your secondly limit."
    assert "X-HubSpot-RateLimit-Max" not in raised.value.headers


def test_it_refuses_past_the_daily_limit_and_reports_what_is_left():
    with running_sandbox(clock=FrozenClock(), daily_limit=2) as hub:
        client = sdk_client(hub)
        first = client.crm.contacts.basic_api.get_page_with_http_info()
        client.crm.contacts.basic_api.get_page()
        with pytest.raises(ApiException) as raised:
            client.crm.contacts.basic_api.get_page()

    assert first[2]["X-HubSpot-RateLimit-Daily"] == "2"
    assert first[2]["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
    assert json.loads(raised.value.body)["policyName"] == "DAILY"
