"""The gateway: the only room that talks to HubSpot (through the official SDK).

Everything else speaks to HubSpot through the `Gateway` port in leadflow's own
types; see docs/gateway.md.
"""

from connector.hubspot.errors import (
    AuthError,
    Conflict,
    DailyLimitReached,
    HubSpotError,
    NotFound,
    RateLimited,
    Transient,
    UnexpectedResponse,
    ValidationError,
)
from connector.hubspot.fake import FakeGateway
from connector.hubspot.gateway import HubSpotGateway
from connector.hubspot.metrics import CallTally
from connector.hubspot.port import (
    RECIPIENT,
    ContactBatch,
    EmailSend,
    Gateway,
    ItemError,
    PropertyDefinition,
    PropertyGroup,
    PropertyOption,
    TaskRequest,
    UpdateOutcome,
    attached,
    stranger,
)
from connector.hubspot.ratelimit import RateLimiter, RollingWindowLimiter
from connector.hubspot.retries import RetryPolicy
from connector.hubspot.shared_budget import SharedWindowLimiter, SlotSource, shared_limiters

__all__ = [
    "RECIPIENT",
    "AuthError",
    "Conflict",
    "ContactBatch",
    "DailyLimitReached",
    "CallTally",
    "EmailSend",
    "FakeGateway",
    "Gateway",
    "HubSpotError",
    "HubSpotGateway",
    "ItemError",
    "NotFound",
    "PropertyDefinition",
    "PropertyGroup",
    "PropertyOption",
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "RollingWindowLimiter",
    "SharedWindowLimiter",
    "SlotSource",
    "TaskRequest",
    "Transient",
    "UnexpectedResponse",
    "UpdateOutcome",
    "ValidationError",
    "attached",
    "shared_limiters",
    "stranger",
]
