"""The sandbox's in-memory HubSpot portal: one lock, one clock, every store.

Routes and the demo generator change the world only while holding `lock`.
`clock` returns epoch milliseconds and is injectable, so a test can freeze time
(equal timestamps) or step it. Changes are announced to `listeners` (the
webhook sender) while the lock is held; listeners must only enqueue.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from connector.sandbox.activity import ActivityLog, EmailEventLog
from connector.sandbox.objects import Change, ObjectStore
from connector.sandbox.properties import (
    DEFAULT_GROUPS,
    PropertyRegistry,
    default_contact_properties,
    default_task_properties,
)

Clock = Callable[[], int]


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class Owner:
    """A HubSpot owner (`PublicOwner`); `id` is what `hubspot_owner_id` holds."""

    id: int
    email: str
    first_name: str
    last_name: str
    user_id: int
    created_ms: int
    team: str = "Sales"
    archived: bool = False


@dataclass(slots=True)
class Form:
    """A HubSpot form the demo site posts to; fields are contact property names.

    `lifecycle_stage` is the stage the form sets on submission (HubSpot forms
    default to lead); `marketing_event` is (id, name) for webinar registrations.
    """

    guid: str
    name: str
    fields: tuple[str, ...]
    lifecycle_stage: str = "lead"
    marketing_event: tuple[str, str] | None = None


@dataclass(slots=True)
class Send:
    """One single-send request as the sandbox recorded it."""

    status_id: str
    send_id: str | None
    email_id: int
    to: str
    requested_ms: int
    send_result: str
    contact_properties: dict[str, str] = field(default_factory=dict)
    custom_properties: dict[str, object] = field(default_factory=dict)


class World:
    """The portal: contacts, tasks, owners, forms, activity, email sends."""

    def __init__(self, *, clock: Clock | None = None, portal_id: int = 62515) -> None:
        self.lock = threading.RLock()
        self.clock: Clock = clock or wall_clock_ms
        self.portal_id = portal_id
        self.listeners: list[Callable[[Change], None]] = []
        self._ids = itertools.count(1)
        created = self.clock()
        contact_props = default_contact_properties()
        task_props = default_task_properties()
        for prop in contact_props + task_props:
            prop.created_ms = created
        self.contacts = ObjectStore(
            "contacts",
            PropertyRegistry(contact_props, list(DEFAULT_GROUPS["contacts"])),
            self.next_id,
            self.notify,
        )
        self.tasks = ObjectStore(
            "tasks",
            PropertyRegistry(task_props, list(DEFAULT_GROUPS["tasks"])),
            self.next_id,
            self.notify,
        )
        self.owners: dict[int, Owner] = {}
        self.forms: dict[str, Form] = {}
        self.activity = ActivityLog()
        self.email_events = EmailEventLog()
        self.sends: list[Send] = []
        self.sends_by_send_id: dict[str, Send] = {}
        self.statuses: dict[str, Send] = {}
        self.visitors: dict[str, list[tuple[str, str, int]]] = {}
        self.visitor_contacts: dict[str, int] = {}

    def next_id(self) -> int:
        return next(self._ids)

    def now(self) -> int:
        return self.clock()

    def store(self, object_type: str) -> ObjectStore | None:
        """The store behind `/crm/v3/objects/{object_type}`; HubSpot also accepts ids 0-1/0-27."""
        return {
            "contacts": self.contacts,
            "contact": self.contacts,
            "0-1": self.contacts,
            "tasks": self.tasks,
            "task": self.tasks,
            "0-27": self.tasks,
        }.get(object_type)

    def notify(self, change: Change) -> None:
        for listener in self.listeners:
            listener(change)

    def add_owner(self, email: str, first_name: str, last_name: str) -> Owner:
        owner_id = self.next_id()
        owner = Owner(owner_id, email, first_name, last_name, 1_000_000 + owner_id, self.now())
        self.owners[owner.id] = owner
        return owner
