"""Webhook receiver: verify HubSpot's signature, store events in the inbox, answer fast."""

from connector.webhooks.events import WORKFLOW_SUBSCRIPTION, BadPayload, parse_batch
from connector.webhooks.receiver import blueprint
from connector.webhooks.signatures import InvalidSignature, expected_signature, verify

__all__ = [
    "WORKFLOW_SUBSCRIPTION",
    "BadPayload",
    "InvalidSignature",
    "blueprint",
    "expected_signature",
    "parse_batch",
    "verify",
]
