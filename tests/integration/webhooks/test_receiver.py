"""POST /webhooks/hubspot stores what HubSpot signed, once, and refuses the rest."""

import json
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from connector.app import create_app
from connector.settings import Settings
from connector.store import Store
from connector.webhooks import expected_signature

SECRET = "test-client-secret"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
URL = "http://localhost/webhooks/hubspot"
EVENT = {
    "eventId": 1,
    "subscriptionId": 12,
    "portalId": 62515,
    "occurredAt": 1764000000000,
    "subscriptionType": "contact.creation",
    "attemptNumber": 0,
    "objectId": 123,
}


def make_client(database_url, **env):
    settings = Settings.from_environment(
        {
            "LEADFLOW_DEMO": "true",
            "DATABASE_URL": database_url,
            "HUBSPOT_CLIENT_SECRET": SECRET,
            **env,
        },
        dotenv_path=None,
    )
    store = Store.from_url(database_url)
    return create_app(settings, store, clock=lambda: NOW).test_client(), store


@pytest.fixture
def receiver(database_url):
    client, store = make_client(database_url)
    yield client, store
    store.close()


def signed(body: bytes, url: str = URL) -> dict:
    timestamp = str(int(NOW.timestamp() * 1000))
    return {
        "X-HubSpot-Signature-v3": expected_signature("v3", SECRET, "POST", url, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def post(client, events, headers=None, path="/webhooks/hubspot"):
    body = json.dumps(events).encode() if not isinstance(events, bytes) else events
    return client.post(path, data=body, headers=signed(body) if headers is None else headers)


def rejections(reason: str) -> float:
    return REGISTRY.get_sample_value("leadflow_webhook_rejections_total", {"reason": reason}) or 0


def test_it_stores_a_signed_batch_and_answers_200(receiver):
    client, store = receiver
    response = post(client, [EVENT, {**EVENT, "eventId": 2}])
    assert response.status_code == 200
    assert response.json == {"status": "ok", "accepted": 2, "duplicates": 0}
    assert store.inbox_depth() == {"pending": 2}


def test_it_acknowledges_a_retry_without_storing_it_again(receiver):
    client, store = receiver
    post(client, [EVENT])
    response = post(client, [{**EVENT, "attemptNumber": 1}])
    assert response.status_code == 200
    assert response.json["duplicates"] == 1
    assert store.inbox_depth() == {"pending": 1}


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        # signed with another secret
        (
            json.dumps([EVENT]).encode(),
            {**signed(b"[]"), "X-HubSpot-Signature-v3": "forged"},
            401,
            "signature",
        ),
        # no signature at all
        (json.dumps([EVENT]).encode(), {}, 401, "signature"),
        # signed, but not JSON
        (b"not json", None, 400, "malformed"),
        # signed, but an event lacks its contact
        (
            json.dumps([{k: v for k, v in EVENT.items() if k != "objectId"}]).encode(),
            None,
            400,
            "malformed",
        ),
        # larger than the 1 MB limit
        (b"[" + b" " * (1024 * 1024 + 10) + b"]", None, 413, "too_large"),
    ],
)
def test_it_refuses_bad_input_and_stores_nothing(receiver, body, headers, status, reason):
    client, store = receiver
    before = rejections(reason)
    response = post(client, body, headers=signed(body) if headers is None else headers)
    assert response.status_code == status
    assert response.json["status"] == "error"
    assert response.json["message"]
    assert store.inbox_depth() == {}
    assert rejections(reason) == before + 1


def test_it_asks_hubspot_to_retry_when_no_secret_is_configured(sqlite_url):
    client, store = make_client(sqlite_url, HUBSPOT_CLIENT_SECRET="")
    response = post(client, [EVENT])
    assert response.status_code == 503
    assert "HUBSPOT_CLIENT_SECRET" in response.json["message"]
    assert store.inbox_depth() == {}


def test_it_asks_hubspot_to_retry_when_the_database_is_down(sqlite_url):
    settings = Settings.from_environment(
        {"LEADFLOW_DEMO": "true", "HUBSPOT_CLIENT_SECRET": SECRET}, dotenv_path=None
    )
    down = Store.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none")
    client = create_app(settings, down, clock=lambda: NOW).test_client()
    response = post(client, [EVENT])
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"


def test_it_verifies_against_the_public_url_behind_a_proxy(sqlite_url):
    client, store = make_client(sqlite_url, LEADFLOW_PUBLIC_URL="https://leads.example.com")
    body = json.dumps([EVENT]).encode()
    response = post(
        client, body, headers=signed(body, "https://leads.example.com/webhooks/hubspot")
    )
    assert response.status_code == 200
    assert store.inbox_depth() == {"pending": 1}


def test_it_takes_workflow_calls_with_the_shared_secret(sqlite_url):
    client, store = make_client(sqlite_url, LEADFLOW_WORKFLOW_SECRET="s3cret-for-workflows")
    body = json.dumps({"objectId": 123, "properties": {"email": "jane@example.com"}}).encode()
    path = "/webhooks/hubspot/workflow"
    refused = client.post(path, data=body, headers={"X-Leadflow-Workflow-Secret": "wrong"})
    assert refused.status_code == 401
    accepted = client.post(
        path, data=body, headers={"X-Leadflow-Workflow-Secret": "s3cret-for-workflows"}
    )
    assert accepted.status_code == 200
    again = client.post(
        path, data=body, headers={"X-Leadflow-Workflow-Secret": "s3cret-for-workflows"}
    )
    assert again.json["duplicates"] == 1
    assert store.inbox_depth() == {"pending": 1}
