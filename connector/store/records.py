"""Plain values the store hands out and takes in; no SQL, no sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """One webhook event as received; `identity` decides duplicates."""

    identity: str
    subscription_type: str
    object_id: str | None
    occurred_at: datetime | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    id: int
    identity: str
    subscription_type: str
    object_id: str | None
    occurred_at: datetime | None
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class ClaimedEffect:
    id: int
    idempotency_key: str
    kind: str
    contact_id: str
    payload: dict[str, Any]
    attempts: int
    in_doubt: bool
    """True when an earlier claim may have reached HubSpot: reconcile before resending."""


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A row of the inbox or outbox as an admin sees it."""

    id: int
    key: str
    kind: str
    contact_id: str | None
    state: str
    attempts: int
    due_at: datetime
    error: str | None
    result_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredContact:
    id: str
    properties: dict[str, str]
    stage: str | None
    owner_id: str | None
    fit_score: float | None
    engagement_score: float | None
    score: float | None
    model: str | None
    persona: str | None
    recycled_at: datetime | None
    written_properties: dict[str, str] = field(default_factory=dict)
    hubspot_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    id: str
    contact_id: str
    from_stage: str | None
    to_stage: str
    kind: str
    at: datetime
    reasons: list[dict[str, Any]]
    config_version: str | None


@dataclass(frozen=True, slots=True)
class RateGrant:
    """Call slots granted from a shared rate budget; none granted means wait `wait` seconds."""

    grant_id: int | None
    slots: int
    wait: float
