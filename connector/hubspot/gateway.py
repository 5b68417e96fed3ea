"""`HubSpotGateway`: the `Gateway` port over the official HubSpot SDK.

Every HTTP call goes through `CallRunner` (rate budget, retries, error types,
counters). Batches are cut at HubSpot's limits here, so callers hand over any
number of ids. `tally` counts this gateway's calls for tests and benchmarks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

from connector.domain import Activity, Contact, Owner
from connector.hubspot import bodies
from connector.hubspot.activity import ActivityReader, Recipients
from connector.hubspot.calls import DEFAULT_TIMEOUT, CallRunner, Timeout
from connector.hubspot.changes import Condition, walk_changes
from connector.hubspot.constants import (
    API_URL,
    BATCH_MAX_INPUTS,
    CONTACTS_BATCH_READ,
    CONTACTS_BATCH_UPDATE,
    CONTACTS_SEARCH,
    DEFAULT_BUDGET_FRACTION,
    DEFAULT_CONTACT_PROPERTIES,
    EMAIL_SINGLE_SEND,
    FORWARD_ONLY_PROPERTIES,
    GENERAL_INTERVAL_SECONDS,
    GENERAL_LIMIT,
    MERGED_IDS,
    OWNERS_LIST,
    OWNERS_PAGE_MAX,
    PROPERTIES_CREATE,
    PROPERTIES_LIST,
    PROPERTY_GROUPS_CREATE,
    PROPERTY_GROUPS_LIST,
    SEARCH_INTERVAL_SECONDS,
    SEARCH_LIMIT,
    SEARCH_PAGE_MAX,
    TASKS_BATCH_CREATE,
    TASKS_CREATE,
    TASKS_SEARCH,
    Budget,
)
from connector.hubspot.errors import Conflict, InDoubt, NotFound, ValidationError
from connector.hubspot.metrics import CallTally
from connector.hubspot.port import (
    ContactBatch,
    EmailSend,
    ItemError,
    PropertyDefinition,
    PropertyGroup,
    TaskRequest,
    UpdateOutcome,
)
from connector.hubspot.ratelimit import Clock, RateLimiter, RollingWindowLimiter, Sleep
from connector.hubspot.retries import RetryPolicy
from connector.hubspot.sdk import build_apis
from connector.hubspot.translate import (
    contact_from,
    item_errors_of,
    next_after,
    owner_from,
    records_of,
)

T = TypeVar("T")


class HubSpotGateway:
    """The `Gateway` port over HubSpot's API; one per process, shared by its threads.

    `rate_limit`/`search_rate_limit` are the portal's limits (per 10 s, per s);
    the process keeps to `rate_budget` of them. Pass `limiters` to share a
    budget beyond this process. `clock`, `sleep`, `now` and `draw` are the time
    and randomness the rate budget and retries use, injectable for tests.
    """

    def __init__(
        self,
        base_url: str = API_URL,
        access_token: str = "",
        *,
        rate_limit: int = GENERAL_LIMIT,
        search_rate_limit: int = SEARCH_LIMIT,
        rate_budget: float = DEFAULT_BUDGET_FRACTION,
        limiters: Mapping[Budget, RateLimiter] | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        account_timezone: tzinfo = UTC,
        contact_properties: Sequence[str] = DEFAULT_CONTACT_PROPERTIES,
        pool_size: int = 8,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        draw: Callable[[], float] = random.random,
    ) -> None:
        if not access_token:
            raise ValueError("HubSpotGateway needs an access token")
        self.tally = CallTally()
        if limiters is None:
            limiters = {
                Budget.GENERAL: RollingWindowLimiter(
                    rate_limit,
                    GENERAL_INTERVAL_SECONDS,
                    rate_budget,
                    name=Budget.GENERAL,
                    clock=clock,
                    sleep=sleep,
                ),
                Budget.SEARCH: RollingWindowLimiter(
                    search_rate_limit,
                    SEARCH_INTERVAL_SECONDS,
                    rate_budget,
                    name=Budget.SEARCH,
                    clock=clock,
                    sleep=sleep,
                ),
            }
        self.limiters = limiters
        self._apis = build_apis(base_url, access_token, pool_size)
        self._run = CallRunner(
            limiters,
            retry_policy=retry_policy or RetryPolicy(),
            tally=self.tally,
            timeout=timeout,
            account_timezone=account_timezone,
            clock=clock,
            sleep=sleep,
            now=now,
            draw=draw,
        ).run
        self._base_properties = [*contact_properties, "email", MERGED_IDS]
        self._properties = list(dict.fromkeys(self._base_properties))
        self._recipients = Recipients(self._read_by_email, BATCH_MAX_INPUTS)
        self._activity = ActivityReader(self._apis.events, self._run, self._recipients)

    # Contacts

    def read_properties(self, names: Iterable[str]) -> None:
        self._properties = list(dict.fromkeys([*self._base_properties, *sorted(names)]))

    def changed_contacts(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Contact]]:
        return walk_changes(self._search_contacts, since, until, SEARCH_PAGE_MAX)

    def read_contacts(self, ids: Sequence[str]) -> ContactBatch:
        """Live contacts, then archived ones among the rest, then merged-away ids.

        A second read (`archived=true`) happens only when some ids were not found.
        """
        wanted = list(dict.fromkeys(str(i) for i in ids))
        live = self._read(wanted, archived=False)
        found = {c.id for c in live}
        merged = {
            old: contact.id
            for contact in live
            for old in contact.properties.get(MERGED_IDS, "").split(";")
            if old in wanted and old not in found
        }
        rest = [i for i in wanted if i not in found and i not in merged]
        archived = self._read(rest, archived=True) if rest else []
        missing = [i for i in rest if i not in {c.id for c in archived}]
        return ContactBatch(contacts=live + archived, missing=missing, merged=merged)

    def update_contacts(self, changes: Mapping[str, Mapping[str, str]]) -> UpdateOutcome:
        """Batch updates of 100; a refused batch becomes `ItemError`s, the others go on."""
        updated: list[str] = []
        not_applied: dict[str, dict[str, str]] = {}
        errors: list[ItemError] = []
        for chunk in _chunks([(str(i), dict(p)) for i, p in changes.items()], BATCH_MAX_INPUTS):
            try:
                answer = self._run(
                    CONTACTS_BATCH_UPDATE,
                    self._apis.contacts_batch.update_with_http_info,
                    batch_input_simple_public_object_batch_input=bodies.contact_batch_update(chunk),
                )
            except (ValidationError, NotFound, Conflict) as error:
                ids = tuple(i for i, _ in chunk)
                errors.append(ItemError(ids, error.message, error.category, str(error.status)))
                continue
            sent = dict(chunk)
            for record in records_of(answer, "contacts batch update"):
                contact_id = contact_from(record).id
                updated.append(contact_id)
                # HubSpot's own values, nulls included: a null it kept is a write ignored
                ignored = _ignored_writes(sent.get(contact_id, {}), record["properties"])
                if ignored:
                    not_applied[contact_id] = ignored
            errors.extend(item_errors_of(answer))
        return UpdateOutcome(updated, not_applied, errors)

    # Activity

    def activities_since(
        self, since: datetime, until: datetime | None = None, look_up: bool = True
    ) -> Iterator[list[Activity]]:
        return self._activity.all_since(since, until, look_up)

    def event_activities_since(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Activity]]:
        return self._activity.events_since(since, until)

    def email_activities_since(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[list[Activity]]:
        return self._activity.email_since(since, until)

    def recent_activities(self, since: datetime) -> list[Activity]:
        return self._activity.recent(since)

    def activities_of(
        self, contact_ids: Sequence[str], since: datetime | None = None
    ) -> list[Activity]:
        unknown = [i for i in contact_ids if self._recipients.email_of(str(i)) is None]
        if unknown:
            self.read_contacts(unknown)
        return self._activity.of([str(i) for i in contact_ids], since)

    # Tasks

    def create_task(self, task: TaskRequest) -> str:
        created = self._run(
            TASKS_CREATE,
            self._apis.tasks_basic.create_with_http_info,
            simple_public_object_input_for_create=bodies.task_create(task),
        )
        return str(created.id)

    def create_tasks(self, requests: Sequence[TaskRequest]) -> dict[str, str]:
        """Batch creates of 100, each task built as `create_task` builds it; key -> task id.

        HubSpot does not promise its results in input order, so each is matched to
        its key by the marker on its body. A chunk's error stops there: earlier chunks'
        tasks exist, later ones are unsent, so a caller looks each task up by key before
        creating it again. Like `create_task`, a failed call is never repeated blindly.
        """
        created: dict[str, str] = {}
        for chunk in _chunks(list(requests), BATCH_MAX_INPUTS):
            answer = self._run(
                TASKS_BATCH_CREATE,
                self._apis.tasks_batch.create_with_http_info,
                batch_input_simple_public_object_batch_input_for_create=bodies.task_batch_create(
                    chunk
                ),
            )
            keys = {bodies.task_marker(t.key): t.key for t in chunk}
            for record in answer.results:
                words = (record.properties.get("hs_task_body") or "").split()
                marker = words[-1] if words else ""
                if marker in keys:
                    created[keys[marker]] = str(record.id)
            unmatched = [t.key for t in chunk if t.key not in created]
            if unmatched:
                raise InDoubt(
                    f"{TASKS_BATCH_CREATE.name}: {len(unmatched)} of {len(chunk)} tasks "
                    "missing from HubSpot's answer"
                )
        return created

    def find_task_by_key(self, key: str) -> str | None:
        """Searches task bodies for the key's marker token (search is eventually consistent:
        a task created seconds ago may not be found yet)."""
        marker = bodies.task_marker(key)
        answer = self._run(
            TASKS_SEARCH,
            self._apis.tasks_search.do_search_with_http_info,
            public_object_search_request=bodies.task_search(marker),
        )
        body_has_marker = (
            t for t in answer.results if marker in (t.properties.get("hs_task_body") or "")
        )
        return next((str(t.id) for t in body_has_marker), None)

    # Email, owners, properties

    def send_email(
        self,
        email_id: int,
        to: str,
        send_id: str,
        contact_properties: Mapping[str, str] | None = None,
        custom_properties: Mapping[str, str] | None = None,
    ) -> EmailSend:
        request = bodies.single_send(email_id, to, send_id, contact_properties, custom_properties)
        answer = self._run(
            EMAIL_SINGLE_SEND,
            self._apis.single_send.send_email_with_http_info,
            public_single_send_request_egg=request,
        )
        return EmailSend(
            status=answer.status, send_result=answer.send_result, status_id=answer.status_id
        )

    def owners(self) -> list[Owner]:
        found: list[Owner] = []
        after: str | None = None
        while True:
            answer = self._run(
                OWNERS_LIST,
                self._apis.owners.get_page_with_http_info,
                limit=OWNERS_PAGE_MAX,
                after=after,
                archived=False,
            )
            found.extend(owner_from(owner) for owner in answer.results)
            after = answer.paging.next.after if answer.paging and answer.paging.next else None
            if not after:
                return found

    def ensure_properties(
        self,
        group: PropertyGroup,
        definitions: Sequence[PropertyDefinition],
        object_type: str = "contacts",
    ) -> list[str]:
        """One call when everything exists; else the group and the missing properties.

        A 409 from a concurrent creator (another replica) counts as "exists".
        Existing properties are left as they are, even if defined differently.
        """
        core = self._apis.properties_core
        existing = self._run(PROPERTIES_LIST, core.get_all_with_http_info, object_type)
        names = {p.name for p in existing.results}
        missing = [d for d in definitions if d.name not in names]
        if not missing:
            return []
        groups_api = self._apis.property_groups
        groups = self._run(PROPERTY_GROUPS_LIST, groups_api.get_all_with_http_info, object_type)
        if group.name not in {g.name for g in groups.results}:
            create_group = bodies.property_group(group)
            _tolerate_conflict(
                lambda: self._run(
                    PROPERTY_GROUPS_CREATE,
                    groups_api.create_with_http_info,
                    object_type,
                    create_group,
                )
            )
        created = []
        for definition in missing:
            request = bodies.property_create(group.name, definition)
            if _tolerate_conflict(
                lambda r=request: self._run(
                    PROPERTIES_CREATE, core.create_with_http_info, object_type, r
                )
            ):
                created.append(definition.name)
        return created

    # Helpers

    def _search_contacts(
        self, conditions: list[Condition], sort: str, limit: int
    ) -> tuple[list[Contact], bool]:
        request = bodies.contact_search(conditions, sort, self._properties, limit)
        answer = self._run(
            CONTACTS_SEARCH,
            self._apis.contacts_search.do_search_with_http_info,
            public_object_search_request=request,
        )
        contacts = [contact_from(record) for record in records_of(answer, "contacts search")]
        self._recipients.remember(contacts)
        return contacts, next_after(answer) is not None

    def _read(
        self, ids: Sequence[str], *, archived: bool, id_property: str | None = None
    ) -> list[Contact]:
        contacts: list[Contact] = []
        for chunk in _chunks(list(ids), BATCH_MAX_INPUTS):
            request = bodies.contact_batch_read(chunk, self._properties, id_property)
            answer = self._run(
                CONTACTS_BATCH_READ,
                self._apis.contacts_batch.read_with_http_info,
                batch_read_input_simple_public_object_id=request,
                archived=archived,
            )
            contacts.extend(map(contact_from, records_of(answer, "contacts batch read")))
        self._recipients.remember(contacts)
        return contacts

    def _read_by_email(self, addresses: Sequence[str]) -> list[Contact]:
        return self._read(addresses, archived=False, id_property="email")


def _ignored_writes(sent: Mapping[str, str], kept: Mapping[str, str | None]) -> dict[str, str]:
    """Forward-only properties HubSpot kept at another value than the one sent."""
    return {
        name: kept.get(name) or ""
        for name in FORWARD_ONLY_PROPERTIES
        if name in sent and name in kept and (kept[name] or "") != sent[name]
    }


def _tolerate_conflict(create: Callable[[], Any]) -> bool:
    """True if created, False if it already existed (409)."""
    try:
        create()
    except Conflict:
        return False
    return True


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
