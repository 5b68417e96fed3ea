"""Signatures match HubSpot's published vectors and the SDK's own helper."""

from datetime import UTC, datetime, timedelta

import pytest
from hubspot.utils.signature import Signature

from connector.webhooks import InvalidSignature, expected_signature, verify

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://www.example.com/webhook_uri"
SDK_BODY = "{'example_field':'example_value'}"
SDK_TIMESTAMP = "1693657560000"
DOCS_V1_BODY = (
    '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    '"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    '"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)


@pytest.mark.parametrize(
    ("version", "method", "uri", "body", "timestamp", "published"),
    [
        # HubSpot docs' v1 vector: secret + body
        (
            "v1",
            "POST",
            URI,
            DOCS_V1_BODY,
            "",
            "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de",
        ),
        # HubSpot docs' v2 vector: a GET with no body
        (
            "v2",
            "GET",
            URI,
            "",
            "",
            "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e",
        ),
        # the SDK's test vectors for v1, v2 and v3
        (
            "v1",
            "POST",
            URI,
            SDK_BODY,
            "",
            "69fc6631a867edd4f9e9e627fc5c1148e3fbdd8b21837b6d2b8901c1fa57f750",
        ),
        (
            "v2",
            "POST",
            URI,
            SDK_BODY,
            "",
            "4fe4e3a7d3cf09db53be39d0a58130e2aaba074ec123a9e355b876a689a1c383",
        ),
        (
            "v3",
            "POST",
            URI,
            SDK_BODY,
            SDK_TIMESTAMP,
            "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=",
        ),
    ],
)
def test_it_computes_hubspots_published_signatures(
    version, method, uri, body, timestamp, published
):
    ours = expected_signature(version, SECRET, method, uri, body.encode(), timestamp)
    assert ours == published
    assert ours == Signature.get_signature(SECRET, body, version, uri, method, timestamp or None)


def v3_headers(body: bytes, at: datetime, uri: str = URI) -> dict:
    timestamp = str(int(at.timestamp() * 1000))
    return {
        "X-HubSpot-Signature-v3": expected_signature("v3", SECRET, "POST", uri, body, timestamp),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BODY = b'[{"eventId":1}]'


def test_it_accepts_a_fresh_v3_signature():
    assert (
        verify(v3_headers(BODY, NOW - timedelta(seconds=299)), "POST", URI, BODY, SECRET, NOW)
        == "v3"
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        # a replay of a genuine request, six minutes later
        (v3_headers(BODY, NOW - timedelta(minutes=6)), "stale timestamp"),
        # a clock far in the future is no better than one in the past
        (v3_headers(BODY, NOW + timedelta(minutes=6)), "stale timestamp"),
        # a genuine signature over another body
        (v3_headers(b"[]", NOW), "signature mismatch"),
        # a timestamp that is not a number
        (
            {**v3_headers(BODY, NOW), "X-HubSpot-Request-Timestamp": "soon"},
            "missing or malformed timestamp",
        ),
        # nothing at all
        ({}, "missing signature"),
        # a v1 signature while only v3 is accepted
        (
            {
                "X-HubSpot-Signature-Version": "v1",
                "X-HubSpot-Signature": expected_signature("v1", SECRET, "POST", URI, BODY),
            },
            "signature version v1 not accepted",
        ),
    ],
)
def test_it_refuses_what_hubspot_did_not_sign(headers, reason):
    with pytest.raises(InvalidSignature) as refused:
        verify(headers, "POST", URI, BODY, SECRET, NOW)
    assert refused.value.reason == reason


def test_it_accepts_v1_when_configured():
    headers = {
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Signature": expected_signature("v1", SECRET, "POST", URI, BODY),
    }
    assert verify(headers, "POST", URI, BODY, SECRET, NOW, accepted=("v1", "v3")) == "v1"


def test_it_signs_the_uri_with_hubspots_decoded_characters():
    encoded = "https://www.example.com/webhook_uri?next=a%3Ab%2Fc"
    headers = v3_headers(BODY, NOW, uri="https://www.example.com/webhook_uri?next=a:b/c")
    assert verify(headers, "POST", encoded, BODY, SECRET, NOW) == "v3"
