"""The activity a webhook refresh needs, in a few calls rather than two per contact.

leadflow holds every contact's activity up to a moment it calls coverage: the
end of the last hourly pass, or the newest activity the last window returned
(HubSpot's own clock, so a skewed server clock loses nothing). A batch of
contacts named by webhooks is refreshed by reading the whole portal's
activity since a few seconds before coverage (a page or two, whatever the
batch size), which moves coverage on. A contact the window cannot vouch for
gets its whole history read one by one, as before:

- no coverage yet (no pass finished) or coverage too old (the pull stopped):
  every contact of the batch;
- a contact merged into (HubSpot files the merged-away contacts' activity
  under it, with their old times);
- a contact whose page views or conversions (HubSpot's own counts) are more
  than leadflow holds with the window: a visitor's page views from before
  they filled in a form are filed under the contact with the times they
  happened, before coverage.

The window's other activity (contacts not in the batch) is stored too; the
hourly pass judges those contacts. Activity HubSpot shows more than
`OVERLAP` late is the hourly pass's to find (it overlaps by 5 minutes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.domain import Activity, ActivityKind, Contact
from connector.hubspot import Gateway
from connector.store import Store
from connector.sync.pull import CURSOR as PASS_CURSOR

CURSOR = "inbox.activity"
# Events that show up in the API a little after newer ones.
OVERLAP = timedelta(seconds=5)
# Past this, reading the portal's activity since coverage could be long: the pull
# is failing or stopped, and contacts are read one by one until it runs again.
MAX_GAP = timedelta(hours=2)
COUNTED = {
    "hs_analytics_num_page_views": ActivityKind.PAGE_VIEW,
    "num_conversion_events": ActivityKind.FORM_SUBMISSION,
}


@dataclass(frozen=True, slots=True)
class WindowRead:
    activities: list[Activity]  # to store: what the window read, less what is stored
    cursor: tuple[str, str] | None  # coverage to save with the verdicts, if the read moved it
    facts: frozenset[tuple[ActivityKind, str]] = frozenset()  # all the window read


class ActivityWindow:
    def __init__(self, store: Store, gateway: Gateway, clock: Callable[[], datetime]) -> None:
        self.store, self.gateway, self.clock = store, gateway, clock
        # The facts of the last read its caller committed: the next window overlaps it,
        # and storing them again would cost more than reading them.
        self._stored: frozenset[tuple[ActivityKind, str]] = frozenset()

    def read(self, contacts: Sequence[Contact], whole: Collection[str]) -> WindowRead:
        """The activity `contacts` must be judged on; `whole` must be read whole (merged into)."""
        ids = [c.id for c in contacts]
        covered = self.coverage()
        if covered is None or self.clock() - covered > MAX_GAP:
            return WindowRead(self.gateway.activities_of(ids), None)
        read = self.gateway.recent_activities(covered - OVERLAP)
        newest = max((a.occurred_at for a in read), default=covered)
        found = [a for a in read if (a.kind, a.source_id) not in self._stored]
        held = self._held(ids, found)
        alone = [c.id for c in contacts if c.id in whole or _more_in_hubspot(c, held)]
        if alone:
            found += self.gateway.activities_of(alone)
        cursor = (CURSOR, newest.isoformat()) if newest > covered else None
        return WindowRead(found, cursor, frozenset((a.kind, a.source_id) for a in read))

    def committed(self, read: WindowRead) -> None:
        """The caller stored `read` (and moved coverage with it): every fact the window
        returned is stored now, the ones it skipped as stored before included."""
        self._stored = read.facts

    def _held(self, ids: Sequence[str], found: Sequence[Activity]) -> Counter:
        """(contact, kind) -> how many activities leadflow will hold once `found` is stored."""
        with self.store.reading() as connection:
            stored = self.store.activities_of(connection, ids)
        wanted = set(ids)
        facts = {(a.contact_id, a.kind, a.source_id) for a in found if a.contact_id in wanted}
        facts.update((a.contact_id, a.kind, a.source_id) for h in stored.values() for a in h)
        return Counter((contact_id, kind) for contact_id, kind, _ in facts)

    def coverage(self) -> datetime | None:
        """Until when leadflow holds every contact's activity: the later of the last
        finished pass and the last window read."""
        moments = [self.store.cursor(CURSOR), self.store.cursor(PASS_CURSOR)]
        return max((datetime.fromisoformat(m) for m in moments if m), default=None)


def _more_in_hubspot(contact: Contact, held: Counter) -> bool:
    """True when HubSpot counts more page views or conversions of the contact than
    leadflow holds: some of its history is older than the window."""
    for name, kind in COUNTED.items():
        count = contact.properties.get(name) or "0"
        if not count.isdigit() or int(count) > held[contact.id, kind]:
            return True
    return False
