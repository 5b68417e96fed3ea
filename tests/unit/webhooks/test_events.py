"""Webhook bodies become inbox events, or a precise reason to refuse them."""

import json
from datetime import UTC, datetime

import pytest

from connector.webhooks import BadPayload, parse_batch
from connector.webhooks.events import parse_workflow_call

EVENT = {
    "eventId": 1,
    "subscriptionId": 12,
    "portalId": 62515,
    "occurredAt": 1764000000000,
    "subscriptionType": "contact.creation",
    "attemptNumber": 0,
    "objectId": 123,
    "changeSource": "CRM",
    "appId": 54321,
}


def body(*events) -> bytes:
    return json.dumps(list(events)).encode()


def test_it_identifies_an_event_without_its_attempt_number():
    [first] = parse_batch(body(EVENT))
    [retry] = parse_batch(body({**EVENT, "attemptNumber": 3}))
    assert first.identity == retry.identity == "62515:12:1:123:1764000000000"
    assert first.object_id == "123"
    assert first.occurred_at == datetime(2025, 11, 24, 16, 0, tzinfo=UTC)


def test_it_tells_apart_events_that_share_an_event_id():
    one, two = parse_batch(body(EVENT, {**EVENT, "objectId": 124}))
    assert one.identity != two.identity


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "body is not valid JSON"),  # broken JSON
        (b"[" * 100_000, "body is not valid JSON"),  # hostile nesting, refused cheaply
        (b"{}", "body must be a non-empty JSON array of events"),  # an object, not an array
        (b"[]", "body must be a non-empty JSON array of events"),  # nothing in it
        (body("x"), "event 0 is not an object"),  # an array of strings
        (body({k: v for k, v in EVENT.items() if k != "objectId"}), "event 0 lacks objectId"),
        (body(EVENT, {**EVENT, "objectId": "123"}), "event 1 has an invalid objectId"),
        (body({**EVENT, "eventId": True}), "event 0 has an invalid eventId"),  # bool is no id
        (body({**EVENT, "occurredAt": -5}), "event 0 has an invalid occurredAt"),
        (body({**EVENT, "occurredAt": 10**20}), "event 0 has an invalid occurredAt"),
        (body({**EVENT, "subscriptionType": ""}), "event 0 has an invalid subscriptionType"),
        # found by the reliability fuzzer: each was stored on SQLite and answered 503 on
        # PostgreSQL (so retried in vain), where a 400 says at once it will never do
        (body({**EVENT, "eventId": 2**63}), "event 0 has an invalid eventId"),  # past 64 bits
        (body({**EVENT, "objectId": 10**40}), "event 0 has an invalid objectId"),
        (body({**EVENT, "x": float("nan")}), "body is not valid JSON"),  # NaN is not JSON
        (b'[{"x": Infinity}]', "body is not valid JSON"),
        (body({**EVENT, "propertyValue": "a\x00b"}), "body holds a NUL character (\\u0000)"),
    ],
)
def test_it_refuses_bodies_hubspot_would_not_send(raw, reason):
    with pytest.raises(BadPayload) as refused:
        parse_batch(raw)
    assert refused.value.reason == reason


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "payload",
    [
        {"objectId": 123, "properties": {"email": "a@x.com"}},  # CRM object style
        {"vid": 123, "properties": {"email": {"value": "a@x.com"}}},  # legacy contact style
        {"properties": {"hs_object_id": {"value": "123"}}},  # id only among the properties
    ],
)
def test_it_reads_the_contact_of_a_workflow_call(payload):
    event = parse_workflow_call(json.dumps(payload).encode(), NOW)
    assert event.object_id == "123"
    assert event.subscription_type == "workflow.contact"


@pytest.mark.parametrize(
    "payload",
    [
        {"properties": {}},  # no id at all
        {"objectId": "1" * 40},  # more digits than a HubSpot id has
        {"objectId": "²"},  # a digit, but not an ASCII one
        {"objectId": -1},
    ],
)
def test_it_refuses_a_workflow_call_without_a_contact(payload):
    with pytest.raises(BadPayload, match="names no contact"):
        parse_workflow_call(json.dumps(payload).encode(), NOW)
