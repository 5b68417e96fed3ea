"""HubSpot request signatures (v1, v2, v3), checked with an injected clock.

Equivalent to the SDK's `hubspot.utils.signature.Signature` (the tests compare
the two on HubSpot's published vectors) but over raw bytes, with a clock that a
test controls, and rejecting timestamps too far in the future as well as the past.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection, Mapping
from datetime import datetime

MAX_TIMESTAMP_AGE_SECONDS = 300

# HubSpot decodes these escapes in the URI before signing (request-validation docs).
_DECODED_IN_URI = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


class InvalidSignature(Exception):
    """The request does not prove it comes from HubSpot; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signing_uri(uri: str) -> str:
    for escape, character in _DECODED_IN_URI.items():
        uri = uri.replace(escape, character).replace(escape.lower(), character)
    return uri


def expected_signature(
    version: str, secret: str, method: str, uri: str, body: bytes, timestamp: str = ""
) -> str:
    """The signature HubSpot would send for this request."""
    key = secret.encode()
    if version == "v1":
        return hashlib.sha256(key + body).hexdigest()
    if version == "v2":
        return hashlib.sha256(key + method.encode() + uri.encode() + body).hexdigest()
    if version == "v3":
        message = method.encode() + signing_uri(uri).encode() + body + timestamp.encode()
        return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    raise ValueError(f"unknown signature version {version!r}")


def verify(
    headers: Mapping[str, str],
    method: str,
    uri: str,
    body: bytes,
    secret: str,
    now: datetime,
    accepted: Collection[str] = ("v3",),
) -> str:
    """Return the version that verified the request; raise InvalidSignature otherwise.

    1. Take v3 when its header is present, else the version HubSpot names in
       `X-HubSpot-Signature-Version` (v1 or v2), if that version is accepted.
    2. For v3, refuse a timestamp more than five minutes from `now` (replays).
    3. Compare in constant time.
    """
    if "X-HubSpot-Signature-v3" in headers:
        version, signature = "v3", headers["X-HubSpot-Signature-v3"]
    else:
        version = headers.get("X-HubSpot-Signature-Version", "").lower()
        signature = headers.get("X-HubSpot-Signature", "")
    if not signature:
        raise InvalidSignature("missing signature")
    if version not in accepted:
        raise InvalidSignature(f"signature version {version or 'unknown'} not accepted")
    timestamp = ""
    if version == "v3":
        timestamp = headers.get("X-HubSpot-Request-Timestamp", "")
        if not timestamp.isdigit():
            raise InvalidSignature("missing or malformed timestamp")
        age = now.timestamp() - int(timestamp) / 1000
        if abs(age) > MAX_TIMESTAMP_AGE_SECONDS:
            raise InvalidSignature("stale timestamp")
    wanted = expected_signature(version, secret, method, uri, body, timestamp)
    if not hmac.compare_digest(wanted.encode(), signature.encode()):
        raise InvalidSignature("signature mismatch")
    return version
