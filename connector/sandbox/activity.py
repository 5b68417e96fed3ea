"""Time-ordered logs of what contacts did: behavioural events and email events.

Both logs keep items sorted by (occurred_ms, seq) globally and per owner
(contact id, or recipient address), so a reader can page through "everything
since T" across all contacts, or one contact's history, with a cursor that
survives inserts: the cursor is the (occurred_ms, seq) key of the last item
returned, never a position.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from connector.sandbox.shapes import decode_cursor, encode_cursor, validation_error

Key = tuple[int, int]


@dataclass(slots=True)
class Event:
    """One behavioural event (`ExternalUnifiedEvent` in the events API)."""

    seq: int
    occurred_ms: int
    event_type: str
    contact_id: int
    props: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class EmailEvent:
    """One marketing-email event (legacy email events API): OPEN, CLICK, BOUNCE, ..."""

    seq: int
    occurred_ms: int
    type: str
    recipient: str
    campaign_id: int
    extra: dict[str, object] = field(default_factory=dict)


def _key(item: Event | EmailEvent) -> Key:
    return (item.occurred_ms, item.seq)


def cursor_of(item: Event | EmailEvent) -> str:
    return encode_cursor(f"{item.occurred_ms}:{item.seq}")


def key_of(cursor: str) -> Key:
    """The (ms, seq) key inside a cursor; a malformed cursor is HubSpot's 400."""
    ms, _, seq = decode_cursor(cursor).partition(":")
    if not (ms.isdigit() and seq.isdigit()):
        raise validation_error(f"Invalid paging cursor: {cursor!r}")
    return (int(ms), int(seq))


class TimeLog:
    """Items sorted by key, overall and per owner; callers hold the world lock."""

    def __init__(self, owner_of: Callable[[object], Hashable]) -> None:
        self.items: list = []
        self.by_owner: dict[Hashable, list] = {}
        self._owner_of = owner_of
        self._seq = itertools.count(1)
        self._sorted = True

    def next_seq(self) -> int:
        return next(self._seq)

    def add(self, item, *, keep_sorted: bool = True) -> None:
        """Adds an item; bulk loaders pass `keep_sorted=False` and call `sort()` once."""
        owned = self.by_owner.setdefault(self._owner_of(item), [])
        for series in (self.items, owned):
            if keep_sorted and series and _key(series[-1]) > _key(item):
                bisect.insort(series, item, key=_key)
            else:
                series.append(item)
        self._sorted = self._sorted and keep_sorted

    def sort(self) -> None:
        if self._sorted:
            return
        self.items.sort(key=_key)
        for series in self.by_owner.values():
            series.sort(key=_key)
        self._sorted = True

    def remove_owner(self, owner: Hashable) -> None:
        """Erases an owner's items (privacy deletion)."""
        gone = {id(item) for item in self.by_owner.pop(owner, [])}
        if gone:
            self.items = [item for item in self.items if id(item) not in gone]

    def scan(
        self,
        *,
        owner: Hashable | None = None,
        start: Key | None = None,
        end: Key | None = None,
        descending: bool = False,
    ) -> Iterator:
        """Items with start < key < end (either bound optional), in the requested order."""
        series = self.items if owner is None else self.by_owner.get(owner, [])
        low = bisect.bisect_right(series, start, key=_key) if start else 0
        high = bisect.bisect_left(series, end, key=_key) if end else len(series)
        indexes: Iterable[int] = range(high - 1, low - 1, -1) if descending else range(low, high)
        return (series[index] for index in indexes)


class ActivityLog(TimeLog):
    """Behavioural events by contact id."""

    def __init__(self) -> None:
        super().__init__(lambda event: event.contact_id)

    def record(
        self,
        contact_id: int,
        event_type: str,
        occurred_ms: int,
        props: dict[str, str],
        *,
        keep_sorted: bool = True,
    ) -> Event:
        event = Event(self.next_seq(), occurred_ms, event_type, contact_id, props)
        self.add(event, keep_sorted=keep_sorted)
        return event

    def reassign(self, old: int, new: int) -> None:
        """Gives contact `old`'s events to contact `new` (a merge); keys and cursors stay valid."""
        moved = self.by_owner.pop(old, [])
        for event in moved:
            event.contact_id = new
        if moved:
            kept = self.by_owner.setdefault(new, [])
            kept.extend(moved)
            kept.sort(key=_key)


class EmailEventLog(TimeLog):
    """Email events by lower-cased recipient address."""

    def __init__(self) -> None:
        super().__init__(lambda event: event.recipient.lower())

    def record(
        self,
        recipient: str,
        event_type: str,
        occurred_ms: int,
        campaign_id: int,
        extra: dict[str, object] | None = None,
        *,
        keep_sorted: bool = True,
    ) -> EmailEvent:
        event = EmailEvent(
            self.next_seq(), occurred_ms, event_type, recipient, campaign_id, extra or {}
        )
        self.add(event, keep_sorted=keep_sorted)
        return event
