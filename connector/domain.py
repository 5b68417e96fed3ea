"""The project's own types: what every room speaks instead of HubSpot's JSON.

Plain, immutable values with no I/O. The gateway turns HubSpot responses into
these; the lifecycle engine and the planners read them; the store persists them.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    """HubSpot's default `lifecyclestage` internal values, in funnel order."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "marketingqualifiedlead"
    SQL = "salesqualifiedlead"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


def stage_rank(value: str | None) -> int:
    """Position of a stage in the funnel; -1 for empty or unknown values."""
    try:
        return STAGE_ORDER.index(Stage(value)) if value else -1
    except ValueError:
        return -1


class ActivityKind(StrEnum):
    """What a contact did. Details carry the evidence (url, form, email, event)."""

    PAGE_VIEW = "page_view"
    FORM_SUBMISSION = "form_submission"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_REPLY = "email_reply"
    HARD_BOUNCE = "hard_bounce"
    UNSUBSCRIBED = "unsubscribed"
    WEBINAR_REGISTERED = "webinar_registered"
    WEBINAR_ATTENDED = "webinar_attended"
    MEETING_BOOKED = "meeting_booked"


@dataclass(frozen=True, slots=True)
class Activity:
    """One engagement fact of a contact.

    `source_id` is HubSpot's identity of the fact (event id), so the same fact
    read twice is stored once. `details` holds string evidence such as `url`,
    `form_id`, `form_name`, `email_id`, `event_name`, and form field values.
    """

    contact_id: str
    kind: ActivityKind
    occurred_at: datetime
    source_id: str
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Contact:
    """A HubSpot contact as leadflow sees it: every property value is a string."""

    id: str
    properties: Mapping[str, str] = field(default_factory=dict)
    updated_at: datetime | None = None
    archived: bool = False

    @property
    def email(self) -> str | None:
        return self.properties.get("email") or None

    @property
    def owner_id(self) -> str | None:
        return self.properties.get("hubspot_owner_id") or None

    @property
    def stage(self) -> str | None:
        return self.properties.get("lifecyclestage") or None

    def moment(self, name: str) -> datetime | None:
        """A date-time property (ISO-8601 or epoch milliseconds, as HubSpot writes them)
        as aware UTC; None when it is empty or unreadable."""
        raw = self.properties.get(name, "").strip()
        try:
            if raw.isdigit():
                return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(raw))
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
        except (ValueError, OverflowError):
            return None
        return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Owner:
    """A HubSpot owner (sales rep or queue) that tasks and contacts can be assigned to."""

    id: str
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    archived: bool = False


class EffectKind(StrEnum):
    """What an effect does on HubSpot."""

    UPDATE_CONTACT = "update_contact"
    SEND_EMAIL = "send_email"
    CREATE_TASK = "create_task"


@dataclass(frozen=True, slots=True)
class Effect:
    """One planned write to HubSpot, sent later by the dispatcher exactly once.

    `idempotency_key` is unique for ever: planning the same key twice plans it
    once, and the key travels to HubSpot (email `sendId`, task marker) so a
    resend after a crash is recognised there too.
    """

    idempotency_key: str
    kind: EffectKind
    contact_id: str
    payload: dict[str, Any]
    due_at: datetime
    transition_id: str | None = None
