"""Reading contacts' activity from HubSpot's two engagement APIs.

- Behavioural events (page views, form submissions, webinars, meetings) come
  from the event analytics API, which the SDK serves: across all contacts for
  a time range, or one contact by id.
- Email engagement (opens, clicks, hard bounces, unsubscribes) comes from the
  legacy email events API, which has no SDK class: it is called through the
  SDK's own `ApiClient.call_api`, so it shares the SDK's transport, timeouts,
  authentication and exceptions. Its events name a recipient address, not a
  contact: `Recipients` maps addresses to contact ids, learned from every
  contact the gateway reads and, for the rest, looked up 100 per batch read.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import IO, Any

import structlog

from connector.domain import Activity, Contact
from connector.hubspot.changes import epoch_ms
from connector.hubspot.constants import (
    EMAIL_EVENT_KINDS,
    EMAIL_EVENTS_LIST,
    EMAIL_EVENTS_PAGE_MAX,
    EMAIL_EVENTS_PATH,
    EVENTS_LIST,
    EVENTS_PAGE_MAX,
    MAX_RECIPIENTS,
)
from connector.hubspot.errors import UnexpectedResponse
from connector.hubspot.port import stranger
from connector.hubspot.translate import (
    activity_from_email_event,
    activity_from_event,
    email_event_kind,
    next_after,
    records_of,
)

log = structlog.get_logger(__name__)

Run = Callable[..., Any]
# Reads contacts by email address, 100 at most: returns the contacts found.
ReadByEmail = Callable[[Sequence[str]], list[Contact]]


class Recipients:
    """Email address (lower-cased) <-> contact id, shared by every thread of a gateway."""

    def __init__(self, read_by_email: ReadByEmail, chunk: int) -> None:
        self._ids: dict[str, str] = {}
        self._emails: dict[str, str] = {}
        self._absent: set[str] = set()  # addresses no contact had when last looked up
        self._lock = threading.Lock()
        self._read_by_email = read_by_email
        self._chunk = chunk

    def remember(self, contacts: Iterable[Contact]) -> None:
        """Learns these contacts' addresses; past `MAX_RECIPIENTS` the oldest are forgotten."""
        with self._lock:
            for contact in contacts:
                if contact.email:
                    self._ids[contact.email.lower()] = contact.id
                    self._emails[contact.id] = contact.email.lower()
            while len(self._ids) > MAX_RECIPIENTS:
                self._ids.pop(next(iter(self._ids)))
            while len(self._emails) > MAX_RECIPIENTS:
                self._emails.pop(next(iter(self._emails)))
            if len(self._absent) > MAX_RECIPIENTS:
                self._absent.clear()

    def email_of(self, contact_id: str) -> str | None:
        with self._lock:
            return self._emails.get(contact_id)

    def resolve(self, addresses: Iterable[str], look_up: bool = True) -> dict[str, str]:
        """Contact ids of these addresses; addresses of no contact are left out, and so
        are, without `look_up`, addresses this gateway has not learned yet."""
        wanted = {address.lower() for address in addresses}
        with self._lock:
            unknown = sorted(wanted - self._ids.keys() - self._absent) if look_up else []
        for start in range(0, len(unknown), self._chunk):
            self.remember(self._read_by_email(unknown[start : start + self._chunk]))
        with self._lock:
            self._absent.update(a for a in unknown if a not in self._ids)
            return {a: self._ids[a] for a in wanted if a in self._ids}


class ActivityReader:
    """Pages of Activity from the events and email events APIs."""

    def __init__(self, events_api: Any, run: Run, recipients: Recipients) -> None:
        self._events_api = events_api
        self._run = run
        self._recipients = recipients

    def events_since(self, since: datetime, until: datetime | None) -> Iterator[list[Activity]]:
        """Every contact's behavioural events in [since, until], oldest first."""
        return self._event_pages(since=since, until=until)

    def email_since(
        self, since: datetime, until: datetime | None, look_up: bool = True
    ) -> Iterator[list[Activity]]:
        """Every contact's scored email events in [since, until], oldest first.

        The email events API lists newest first, one event type per query: each
        type's pages go to a temporary file as they arrive and come back in
        reverse, merged across types, so memory holds a page per type rather
        than the window (a backfill's window holds every email event there is).
        Without `look_up`, events of addresses not learned yet come as strangers
        (`port.stranger`) instead of costing a look-up.
        """
        with ExitStack() as files:
            streams = []
            for email_type in EMAIL_EVENT_KINDS:
                query = [("eventType", email_type), ("startTimestamp", str(epoch_ms(since)))]
                if until is not None:
                    query.append(("endTimestamp", str(epoch_ms(until))))
                spill = files.enter_context(tempfile.TemporaryFile())
                starts = _spill(self._email_pages(query, look_up, strangers=True), spill)
                streams.append(_last_page_first(spill, starts))
            yield from _pages(heapq.merge(*streams, key=_moment))

    def all_since(
        self, since: datetime, until: datetime | None, look_up: bool = True
    ) -> Iterator[list[Activity]]:
        """Both sources merged in one stream, oldest first, so a caller may checkpoint on
        the newest time of a page and resume from it."""
        email = self.email_since(since, until, look_up)
        events = self.events_since(since, until)
        yield from _pages(heapq.merge(_flat(events), _flat(email), key=_moment))

    def recent(self, since: datetime) -> list[Activity]:
        """Every contact's activity since `since`, for a short window: behavioural events
        in pages of 1,000 and email events of every type in one query (the scored types
        are picked here) rather than one query per type. Email events of addresses not
        learned yet are left to the hourly pull: looking them up would cost a call per
        100 strangers on a path that must stay cheap."""
        found = [a for page in self._event_pages(since=since, until=None) for a in page]
        query = [("startTimestamp", str(epoch_ms(since)))]
        found.extend(a for page in self._email_pages(query, look_up=False) for a in page)
        return found

    def of(self, contact_ids: Sequence[str], since: datetime | None) -> list[Activity]:
        """The activity of a few contacts: two calls per contact at least."""
        found: list[Activity] = []
        for contact_id in contact_ids:
            for page in self._event_pages(since=since, until=None, object_id=contact_id):
                found.extend(page)
            email = self._recipients.email_of(contact_id)
            if email is None:
                continue
            query = [("recipient", email)]
            if since is not None:
                query.append(("startTimestamp", str(epoch_ms(since))))
            for page in self._email_pages(query):
                found.extend(page)
        return found

    def _event_pages(
        self, *, since: datetime | None, until: datetime | None, object_id: str | None = None
    ) -> Iterator[list[Activity]]:
        # occurredAfter/occurredBefore are exclusive [unverified]: widen by 1 ms.
        query: dict[str, Any] = {"object_type": "contact", "limit": EVENTS_PAGE_MAX}
        query["sort"] = ["ASCENDING"]
        if since is not None:
            query["occurred_after"] = since - timedelta(milliseconds=1)
        if until is not None:
            query["occurred_before"] = until + timedelta(milliseconds=1)
        if object_id is not None:
            query["object_id"] = int(object_id)
        after: str | None = None
        while True:
            answer = self._run(
                EVENTS_LIST, self._events_api.get_page_with_http_info, after=after, **query
            )
            events = records_of(answer, "events")
            page = [a for a in map(activity_from_event, events) if a is not None]
            if page:
                yield page
            after = next_after(answer)
            if after is None:
                return

    def _email_pages(
        self, query: list[tuple[str, str]], look_up: bool = True, strangers: bool = False
    ) -> Iterator[list[Activity]]:
        offset: str | None = None
        while True:
            paged = [*query, ("limit", str(EMAIL_EVENTS_PAGE_MAX))]
            if offset is not None:
                paged.append(("offset", offset))
            answered, more, offset = _email_page(self._email_call(paged))
            events = [e for e in answered if email_event_kind(e) is not None]
            ids = self._recipients.resolve((str(e.get("recipient", "")) for e in events), look_up)
            page, unmatched = [], 0
            for event in events:
                address = str(event.get("recipient", "")).lower()
                contact_id = ids.get(address)
                activity = activity_from_email_event(event, contact_id or "")
                if contact_id is None and (look_up or not strangers):
                    unmatched += 1
                elif activity is not None:
                    page.append(activity if contact_id else stranger(activity, address))
            if unmatched:
                log.info("hubspot.email_events_unmatched", count=unmatched)
            if page:
                yield page
            if not more or offset is None:
                return

    def _email_call(self, query: list[tuple[str, str]]) -> Any:
        client = self._events_api.api_client
        return self._run(
            EMAIL_EVENTS_LIST,
            client.call_api,
            EMAIL_EVENTS_PATH,
            "GET",
            query_params=query,
            header_params={"Accept": "application/json"},
            response_types_map={200: "object"},
            auth_settings=["oauth2"],
            _return_http_data_only=False,
        )


def _email_page(answer: Any) -> tuple[list[dict[str, Any]], bool, str | None]:
    """(events, hasMore, offset) of one email events answer, checked for shape."""
    events = answer.get("events") if isinstance(answer, dict) else None
    if not isinstance(events, list) or not all(
        isinstance(e, dict) and "id" in e and "created" in e for e in events
    ):
        raise UnexpectedResponse("email events answer lacks events[] with id and created")
    offset = answer.get("offset")
    return events, bool(answer.get("hasMore")), str(offset) if offset not in (None, "") else None


def _spill(pages: Iterable[list[Activity]], file: IO[bytes]) -> list[int]:
    """Write each page to `file`; return where each one starts."""
    starts = []
    for page in pages:
        starts.append(file.tell())
        pickle.dump(page, file, pickle.HIGHEST_PROTOCOL)
    return starts


def _last_page_first(file: IO[bytes], starts: list[int]) -> Iterator[Activity]:
    """The activities `_spill` wrote, last page first, each page oldest first: a stream
    that arrived newest first comes back oldest first, one page in memory."""
    for start in reversed(starts):
        file.seek(start)
        yield from sorted(pickle.load(file), key=_moment)


def _moment(activity: Activity) -> datetime:
    return activity.occurred_at


def _flat(pages: Iterable[list[Activity]]) -> Iterator[Activity]:
    for page in pages:
        yield from page


def _pages(activities: Iterable[Activity]) -> Iterator[list[Activity]]:
    page: list[Activity] = []
    for activity in activities:
        page.append(activity)
        if len(page) == EVENTS_PAGE_MAX:
            yield page
            page = []
    if page:
        yield page
