"""No secret, bearer token or Authorization header value ever reaches a log line."""

import pytest

from connector.logging import REDACTED, Redactor


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # a configured secret is scrubbed wherever it appears in a message
        (
            {"event": "call failed with pat-na1-secret inside"},
            {"event": f"call failed with {REDACTED} inside"},
        ),
        # a bearer token is scrubbed even when it is not a configured secret
        (
            {"event": "x", "header": "Bearer abc.def-123"},
            {"event": "x", "header": f"Bearer {REDACTED}"},
        ),
        # sensitive keys lose their values whatever the value is
        (
            {"event": "x", "headers": {"Authorization": "anything", "Accept": "json"}},
            {"event": "x", "headers": {"Authorization": REDACTED, "Accept": "json"}},
        ),
        # nested lists are scrubbed too
        (
            {"event": "x", "items": ["ok", "pat-na1-secret"]},
            {"event": "x", "items": ["ok", REDACTED]},
        ),
        # ordinary fields pass untouched
        ({"event": "webhook.accepted", "count": 3}, {"event": "webhook.accepted", "count": 3}),
    ],
)
def test_it_scrubs_secrets_from_every_field(event, expected):
    assert Redactor(["pat-na1-secret"])(None, "info", event) == expected
