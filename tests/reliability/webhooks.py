"""Posting HubSpot-signed webhook batches to leadflow's receiver through Flask's test client."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from connector.webhooks import expected_signature

PATH = "/webhooks/hubspot"
TEST_CLIENT_URL = f"http://localhost{PATH}"


def signed_headers(secret: str, body: bytes, timestamp_ms: int) -> dict[str, str]:
    """HubSpot's v3 signature headers for a POST of `body` to the test client's URL."""
    timestamp = str(timestamp_ms)
    return {
        "X-HubSpot-Signature-v3": expected_signature(
            "v3", secret, "POST", TEST_CLIENT_URL, body, timestamp
        ),
        "X-HubSpot-Request-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def post_signed(client: FlaskClient, secret: str, batch: object, timestamp_ms: int) -> TestResponse:
    """POST `batch` (JSON-encoded unless already bytes), signed as HubSpot signs it."""
    body = batch if isinstance(batch, bytes) else json.dumps(batch, separators=(",", ":")).encode()
    return client.post(PATH, data=body, headers=signed_headers(secret, body, timestamp_ms))
