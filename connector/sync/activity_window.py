"""The activity a webhook refresh needs, in a few calls rather than two per contact.

leadflow holds every contact's activity up to a moment it calls coverage: the
end of the last hourly pass, or of the last window this module read. A batch
of contacts named by webhooks is refreshed by reading the whole portal's
activity since just before coverage (a handful of pages, whatever the batch
size), which moves coverage up to the read. Contacts the window cannot vouch
for get their whole history read one by one, as before:

- no coverage yet (no pass finished) or coverage too old (the pull stopped):
  every contact of the batch;
- a contact merged into (HubSpot files the merged-away contacts' activity
  under it, with their old times);
- a contact leadflow has not stored that HubSpot created before the window,
  or whose page views or conversions (HubSpot's own counts) are more than the
  window shows: a visitor's page views from before they filled a form are
  filed under the new contact with the times they happened.

The window's other activity (contacts not in the batch) is stored too; the
hourly pass judges those contacts. The cost is the portal's activity rate,
not the batch size: at 50 submissions a second, a window of a few seconds is
one page of events and one of email events.
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
# HubSpot's clock against ours, and events that show up in the API a little late.
OVERLAP = timedelta(seconds=30)
# Past this, reading the portal's activity since coverage could be long: the pull
# is failing or stopped, and contacts are read one by one until it runs again.
MAX_GAP = timedelta(hours=2)
COUNTED = {
    "hs_analytics_num_page_views": ActivityKind.PAGE_VIEW,
    "num_conversion_events": ActivityKind.FORM_SUBMISSION,
}


@dataclass(frozen=True, slots=True)
class WindowRead:
    activities: list[Activity]
    cursor: tuple[str, str] | None  # coverage to save with the verdicts, if the read moved it
    read_alone: list[str]  # contacts whose whole history was read one by one


class ActivityWindow:
    def __init__(self, store: Store, gateway: Gateway, clock: Callable[[], datetime]) -> None:
        self.store, self.gateway, self.clock = store, gateway, clock

    def read(
        self, contacts: Sequence[Contact], stored: Collection[str], whole: Collection[str]
    ) -> WindowRead:
        """The activity `contacts` must be judged on: `stored` are those leadflow holds,
        `whole` those whose whole history must be read (merged into)."""
        ids = [c.id for c in contacts]
        started, covered = self.clock(), self.coverage()
        if covered is None or started - covered > MAX_GAP:
            return WindowRead(self.gateway.activities_of(ids), None, ids)
        since = covered - OVERLAP
        found = self.gateway.recent_activities(since)
        seen = Counter((a.contact_id, a.kind) for a in found)
        alone = [
            c.id
            for c in contacts
            if c.id in whole or (c.id not in stored and not _new_within(c, since, seen))
        ]
        if alone:
            found += self.gateway.activities_of(alone)
        return WindowRead(found, (CURSOR, started.isoformat()), alone)

    def coverage(self) -> datetime | None:
        """Until when leadflow holds every contact's activity: the later of the last
        finished pass and the last window read."""
        moments = [self.store.cursor(CURSOR), self.store.cursor(PASS_CURSOR)]
        return max((datetime.fromisoformat(m) for m in moments if m), default=None)


def _new_within(contact: Contact, since: datetime, seen: Counter) -> bool:
    """True when the window holds all of a contact's history: HubSpot created it inside
    the window and counts no more page views and conversions than the window shows."""
    created = contact.moment("createdate")
    if created is None or created < since:
        return False
    for name, kind in COUNTED.items():
        count = contact.properties.get(name) or "0"
        if not count.isdigit() or int(count) > seen[contact.id, kind]:
            return False
    return True
