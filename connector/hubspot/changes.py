"""Walking every contact changed since a time, past search's 10,000-result cap.

HubSpot's search pages by offset and stops at 10,000 results. Offsets are also
unsafe while contacts change: a contact modified during the walk (leadflow's
own write-backs do exactly that) jumps to the end of the order and shifts every
later contact one place back, so offset paging skips one contact per change.
The walk therefore never pages by offset; every query starts at the first
result and re-anchors its filter on the last timestamp seen (keyset paging):

1. Ask for contacts with `lastmodifieddate >= anchor` (`<= until` if given),
   sorted by `lastmodifieddate` ascending, one page.
2. Yield the ones not seen yet; `seen` holds the ids already read whose
   timestamp equals the anchor, so contacts sharing a timestamp are neither
   missed nor repeated.
3. No further page: done. Otherwise re-anchor on the page's last timestamp,
   with `seen` = the ids of the page at that timestamp, and go to 1.
4. If a whole page sits on the anchor timestamp, step 3 cannot move on: drain
   that timestamp by id instead (`lastmodifieddate = anchor`, sorted by
   `hs_object_id`, keyset on the last id), then continue with `> anchor`.

Each page repeats only the contacts that share the previous page's last
timestamp (usually one), so the walk costs about `ceil(N / 199)` searches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.domain import Contact
from connector.hubspot.constants import LAST_MODIFIED, OBJECT_ID

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Condition:
    """One search filter: `property operator value` (values travel as strings)."""

    property: str
    operator: str
    value: str


# One search page: (filters ANDed, property to sort ascending by, page size)
# -> (contacts, whether HubSpot has a further page).
ContactSearch = Callable[[list[Condition], str, int], tuple[list[Contact], bool]]


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, exactly (no float rounding)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def walk_changes(
    search: ContactSearch, since: datetime, until: datetime | None, page_size: int
) -> Iterator[list[Contact]]:
    """Pages of contacts changed in [since, until], oldest first (see module docstring)."""
    upper = [Condition(LAST_MODIFIED, "LTE", str(epoch_ms(until)))] if until else []
    anchor, inclusive, seen = epoch_ms(since), True, set[str]()
    while True:
        lower = Condition(LAST_MODIFIED, "GTE" if inclusive else "GT", str(anchor))
        page, more = search([lower, *upper], LAST_MODIFIED, page_size)
        fresh = [contact for contact in page if contact.id not in seen]
        if fresh:
            yield fresh
        if not more or not page:
            return
        last = _stamp(page[-1])
        at_last = {contact.id for contact in page if _stamp(contact) == last}
        if last == anchor:
            yield from _drain_timestamp(search, anchor, seen | at_last, page_size)
            inclusive, seen = False, set()
        else:
            anchor, inclusive, seen = last, True, at_last


def _drain_timestamp(
    search: ContactSearch, stamp: int, seen: set[str], page_size: int
) -> Iterator[list[Contact]]:
    """Every contact modified exactly at `stamp` not in `seen`, keyset-paged by id."""
    after_id: str | None = None
    while True:
        filters = [Condition(LAST_MODIFIED, "EQ", str(stamp))]
        if after_id is not None:
            filters.append(Condition(OBJECT_ID, "GT", after_id))
        page, more = search(filters, OBJECT_ID, page_size)
        fresh = [contact for contact in page if contact.id not in seen]
        if fresh:
            yield fresh
        if not more or not page:
            return
        after_id = page[-1].id


def _stamp(contact: Contact) -> int:
    if contact.updated_at is None:
        raise ValueError(f"contact {contact.id} has no last-modified time")
    return epoch_ms(contact.updated_at)
