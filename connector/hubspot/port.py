"""The gateway port: everything leadflow asks of HubSpot, in the project's own types.

`HubSpotGateway` implements it over the official SDK; `FakeGateway` implements
it in memory for unit tests of the rooms that call it. Errors are the types of
`connector.hubspot.errors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from connector.domain import Activity, Contact, Owner
from connector.hubspot.constants import EMAIL_ACCEPTED_RESULTS

# An email event whose recipient is not known yet: no contact id, its address here.
RECIPIENT = "recipient"


def stranger(activity: Activity, address: str) -> Activity:
    """`activity` of the contact that owns `address`, not known yet."""
    return replace(activity, contact_id="", details={**activity.details, RECIPIENT: address})


def attached(activity: Activity, contact_id: str) -> Activity:
    """A stranger attached to its contact."""
    details = {k: v for k, v in activity.details.items() if k != RECIPIENT}
    return replace(activity, contact_id=contact_id, details=details)


@dataclass(frozen=True, slots=True)
class ContactBatch:
    """What a batch read found.

    `contacts` holds live contacts and, flagged `archived`, archived ones.
    `merged` maps a requested id that was merged away to the id of the contact
    that absorbed it (that contact is in `contacts`). `missing` lists requested
    ids HubSpot does not know at all.
    """

    contacts: list[Contact] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemError:
    """HubSpot refused some inputs of a batch; the others went through."""

    ids: tuple[str, ...]
    message: str
    category: str | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """Result of `update_contacts`.

    `updated` lists ids HubSpot accepted. `not_applied` maps an accepted id to
    the properties HubSpot kept at another value than the one sent (a
    lifecycle stage never moves backwards: HubSpot answers 200 and ignores it).
    `errors` are refused inputs, permanent: resending them as they are fails again.
    """

    updated: list[str] = field(default_factory=list)
    not_applied: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A task for a sales rep, associated with one contact.

    `key` is leadflow's own idempotency key (the effect's key): it is stored on
    the task, so `find_task_by_key` can tell whether HubSpot already has it.
    """

    key: str
    contact_id: str
    subject: str
    body: str
    due_at: datetime
    owner_id: str | None = None
    task_type: str = "CALL"
    priority: str = "HIGH"
    status: str = "NOT_STARTED"


@dataclass(frozen=True, slots=True)
class EmailSend:
    """HubSpot's answer to a single send; `send_result` says what became of it."""

    status: str
    send_result: str | None = None
    status_id: str | None = None

    @property
    def accepted(self) -> bool:
        """Sent, queued, or already sent earlier under the same send id."""
        return self.send_result in EMAIL_ACCEPTED_RESULTS


@dataclass(frozen=True, slots=True)
class PropertyOption:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    """A custom property leadflow needs on HubSpot objects."""

    name: str
    label: str
    type: str = "string"
    field_type: str = "text"
    description: str = ""
    options: tuple[PropertyOption, ...] = ()


@dataclass(frozen=True, slots=True)
class PropertyGroup:
    name: str
    label: str


class Gateway(Protocol):
    """What leadflow asks of HubSpot. Every method may raise `HubSpotError`."""

    def read_properties(self, names: Iterable[str]) -> None:
        """Ask HubSpot for these contact properties too from now on (the config's)."""

    def changed_contacts(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Contact]]:
        """Pages of contacts modified at or after `since` (and at or before `until`),
        oldest first; each contact once unless it changed again during the walk."""

    def activities_since(
        self, since: datetime, until: datetime | None = None, look_up: bool = True
    ) -> Iterator[list[Activity]]:
        """Pages of every contact's activity in [since, until], oldest first across pages.

        Both sources below merged; the email ones are read first (see there). Without
        `look_up`, an email event whose address the gateway has not learned costs no
        look-up: it comes as a stranger, for the caller to attach to its contact.
        """

    def event_activities_since(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Activity]]:
        """Page views, form submissions, webinars and meetings of every contact, oldest first."""

    def email_activities_since(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Activity]]:
        """Email opens, clicks, hard bounces and unsubscribes of every contact, oldest first.

        HubSpot lists them newest first, so all of the window's are read before
        the first page comes. HubSpot names a recipient address, not a contact:
        addresses of contacts this gateway has read cost nothing, others one
        lookup per 100. Reading `changed_contacts` for the same window first
        makes it free, because these events also change the contact's email
        roll-up properties.
        """

    def recent_activities(self, since: datetime) -> list[Activity]:
        """Every contact's activity since `since`, read whole, in a few calls for a short
        window (a webhook refresh): behavioural events in pages of 1,000, email events
        of every type in one query. Email events of addresses the gateway has not
        learned are left out (the hourly pull reads them)."""

    def activities_of(
        self, contact_ids: Sequence[str], since: datetime | None = None
    ) -> list[Activity]:
        """The activity of a few contacts, whole: two calls per contact at least."""

    def read_contacts(self, ids: Sequence[str]) -> ContactBatch:
        """Current state of these contacts, 100 per call."""

    def update_contacts(self, changes: Mapping[str, Mapping[str, str]]) -> UpdateOutcome:
        """Write `{contact id: {property: value}}`, 100 contacts per call."""

    def create_task(self, task: TaskRequest) -> str:
        """Create the task on HubSpot; return HubSpot's task id."""

    def create_tasks(self, requests: Sequence[TaskRequest]) -> dict[str, str]:
        """Create the tasks, 100 per call; return `{key: HubSpot's task id}`.

        A failure that may come after HubSpot created some of them is `InDoubt`:
        look each up with `find_task_by_key` before creating it again.
        """

    def find_task_by_key(self, key: str) -> str | None:
        """HubSpot's id of the task created earlier under `key`, if any."""

    def send_email(
        self,
        email_id: int,
        to: str,
        send_id: str,
        contact_properties: Mapping[str, str] | None = None,
        custom_properties: Mapping[str, str] | None = None,
    ) -> EmailSend:
        """Send one email built in HubSpot; `send_id` makes a resend a no-op."""

    def owners(self) -> list[Owner]:
        """Every active owner (sales reps and queues)."""

    def ensure_properties(
        self,
        group: PropertyGroup,
        definitions: Sequence[PropertyDefinition],
        object_type: str = "contacts",
    ) -> list[str]:
        """Create whichever of `definitions` is missing; return the names created."""
