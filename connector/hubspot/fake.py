"""`FakeGateway`: the `Gateway` port in memory, for unit tests of the rooms that call it.

It keeps the HubSpot rules leadflow relies on (a lifecycle stage never moves
backwards, one email per sendId, a task found again by its key, missing ids
reported, not raised) and records every call in `calls`, so a test can count
them. `fail_next(method, error)` makes the next call of a method raise, to
test how callers handle HubSpot's errors. The same contract tests run against
it and against `HubSpotGateway` over the sandbox.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from connector.domain import Activity, ActivityKind, Contact, Owner, stage_rank
from connector.hubspot.constants import EMAIL_EVENT_KINDS, EVENTS_PAGE_MAX, SEARCH_PAGE_MAX
from connector.hubspot.errors import HubSpotError
from connector.hubspot.port import (
    ContactBatch,
    EmailSend,
    ItemError,
    PropertyDefinition,
    PropertyGroup,
    TaskRequest,
    UpdateOutcome,
)

EMAIL_KINDS = frozenset(EMAIL_EVENT_KINDS.values())


class FakeGateway:
    """An in-memory HubSpot portal behind the `Gateway` port."""

    def __init__(
        self,
        contacts: Iterable[Contact] = (),
        activities: Iterable[Activity] = (),
        owners: Iterable[Owner] = (),
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.contacts: dict[str, Contact] = {c.id: c for c in contacts}
        self.activities: list[Activity] = list(activities)
        self.owner_list: list[Owner] = list(owners)
        self.tasks: dict[str, TaskRequest] = {}
        self.sends: dict[str, EmailSend] = {}
        self.sent: list[tuple[int, str, str, dict[str, str], dict[str, str]]] = []
        self.properties: dict[str, dict[str, PropertyDefinition]] = defaultdict(dict)
        self.calls: list[tuple[str, Any]] = []
        self._failures: dict[str, list[HubSpotError]] = defaultdict(list)
        self._ids = itertools.count(1)
        self._now = now
        self._lock = threading.Lock()

    def fail_next(self, method: str, error: HubSpotError) -> None:
        """The next call of `method` raises `error` (queue several for several calls)."""
        self._failures[method].append(error)

    def read_properties(self, names: Iterable[str]) -> None:
        self._call("read_properties", sorted(names))

    def changed_contacts(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Contact]]:
        self._call("changed_contacts", (since, until))
        changed = sorted(
            (
                c
                for c in self.contacts.values()
                if not c.archived and _within(c.updated_at, since, until)
            ),
            key=lambda c: (c.updated_at, int(c.id) if c.id.isdigit() else 0, c.id),
        )
        return _pages(changed, SEARCH_PAGE_MAX)

    def activities_since(
        self, since: datetime, until: datetime | None = None, look_up: bool = True
    ) -> Iterator[list[Activity]]:
        self._call("activities_since", (since, until))
        return self._activity_pages(since, until, lambda kind: True)

    def event_activities_since(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Activity]]:
        self._call("event_activities_since", (since, until))
        return self._activity_pages(since, until, lambda kind: kind not in EMAIL_KINDS)

    def email_activities_since(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Activity]]:
        self._call("email_activities_since", (since, until))
        return self._activity_pages(since, until, lambda kind: kind in EMAIL_KINDS)

    def recent_activities(self, since: datetime) -> list[Activity]:
        self._call("recent_activities", since)
        return [a for a in self.activities if a.occurred_at >= since]

    def activities_of(
        self, contact_ids: Sequence[str], since: datetime | None = None
    ) -> list[Activity]:
        self._call("activities_of", (list(contact_ids), since))
        wanted = set(contact_ids)
        return [
            a
            for a in self.activities
            if a.contact_id in wanted and (since is None or a.occurred_at >= since)
        ]

    def read_contacts(self, ids: Sequence[str]) -> ContactBatch:
        self._call("read_contacts", list(ids))
        wanted = list(dict.fromkeys(ids))
        return ContactBatch(
            contacts=[self.contacts[i] for i in wanted if i in self.contacts],
            missing=[i for i in wanted if i not in self.contacts],
        )

    def update_contacts(self, changes: Mapping[str, Mapping[str, str]]) -> UpdateOutcome:
        self._call("update_contacts", {i: dict(p) for i, p in changes.items()})
        missing = [i for i in changes if i not in self.contacts or self.contacts[i].archived]
        updated: list[str] = []
        not_applied: dict[str, dict[str, str]] = {}
        for contact_id, properties in changes.items():
            if contact_id in missing:
                continue
            contact = self.contacts[contact_id]
            merged = {**contact.properties, **properties}
            asked = properties.get("lifecyclestage")
            if asked and stage_rank(asked) < stage_rank(contact.stage):
                merged["lifecyclestage"] = contact.stage or ""
                not_applied[contact_id] = {"lifecyclestage": contact.stage or ""}
            kept = {k: v for k, v in merged.items() if v != ""}
            self.contacts[contact_id] = replace(contact, properties=kept, updated_at=self._now())
            updated.append(contact_id)
        errors = [
            ItemError(tuple(missing), "Could not get some CONTACT objects", "OBJECT_NOT_FOUND")
        ]
        return UpdateOutcome(updated, not_applied, errors if missing else [])

    def create_task(self, task: TaskRequest) -> str:
        self._call("create_task", task)
        task_id = str(next(self._ids))
        self.tasks[task_id] = task
        return task_id

    def create_tasks(self, requests: Sequence[TaskRequest]) -> dict[str, str]:
        self._call("create_tasks", list(requests))
        created = {task.key: str(next(self._ids)) for task in requests}
        self.tasks.update((created[task.key], task) for task in requests)
        return created

    def find_task_by_key(self, key: str) -> str | None:
        self._call("find_task_by_key", key)
        return next((i for i, t in self.tasks.items() if t.key == key), None)

    def send_email(
        self,
        email_id: int,
        to: str,
        send_id: str,
        contact_properties: Mapping[str, str] | None = None,
        custom_properties: Mapping[str, str] | None = None,
    ) -> EmailSend:
        self._call("send_email", (email_id, to, send_id))
        if send_id in self.sends:
            return replace(self.sends[send_id], send_result="IDEMPOTENT_IGNORE")
        self.sends[send_id] = EmailSend("COMPLETE", "SENT", f"status-{next(self._ids)}")
        self.sent.append(
            (email_id, to, send_id, dict(contact_properties or {}), dict(custom_properties or {}))
        )
        return self.sends[send_id]

    def owners(self) -> list[Owner]:
        self._call("owners", None)
        return [o for o in self.owner_list if not o.archived]

    def ensure_properties(
        self,
        group: PropertyGroup,
        definitions: Sequence[PropertyDefinition],
        object_type: str = "contacts",
    ) -> list[str]:
        self._call("ensure_properties", (group, list(definitions), object_type))
        known = self.properties[object_type]
        created = [d.name for d in definitions if d.name not in known]
        known.update((d.name, d) for d in definitions if d.name in created)
        return created

    def _activity_pages(
        self, since: datetime, until: datetime | None, wanted: Callable[[ActivityKind], bool]
    ) -> Iterator[list[Activity]]:
        found = sorted(
            (a for a in self.activities if wanted(a.kind) and _within(a.occurred_at, since, until)),
            key=lambda a: a.occurred_at,
        )
        return _pages(found, EVENTS_PAGE_MAX)

    def calls_of(self, method: str) -> int:
        """How many times `method` was called."""
        return sum(1 for name, _ in self.calls if name == method)

    def _call(self, method: str, arguments: Any) -> None:
        with self._lock:  # the dispatcher sends emails from several threads
            self.calls.append((method, arguments))
            failure = self._failures[method].pop(0) if self._failures[method] else None
        if failure is not None:
            raise failure


def _within(moment: datetime | None, since: datetime, until: datetime | None) -> bool:
    return moment is not None and moment >= since and (until is None or moment <= until)


def _pages(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
