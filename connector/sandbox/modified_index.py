"""Live records ordered by their last-modified time, so a search costs its page, not the portal.

A changed-records walk (leadflow's hourly sync, HubSpot's own guidance)
searches a `lastmodifieddate` range sorted by that property, page after page.
The index holds one key `(modified ms, id)` per live record, sorted, so such a
search bisects to its range and walks it in order instead of filtering and
sorting every record (search.py decides when it applies).

Writes only note what moved (one dict assignment): a bulk load moves every
record many times, often back in time, and keeping the list sorted on each
write would cost O(n) a write. The next read settles the notes, one by one
(bisect) when they are few, else by sorting every key again. Callers hold the
world lock.
"""

from __future__ import annotations

import bisect

Key = tuple[int, int]


class ModifiedIndex:
    """(modified ms, id) of every live record, ascending; ties are in id order."""

    def __init__(self) -> None:
        self._keys: list[Key] = []
        self._at: dict[int, int] = {}
        self._moved: dict[int, int | None] = {}

    def touch(self, record_id: int, modified_ms: int) -> None:
        """The record was written at `modified_ms` (or created then)."""
        self._moved[record_id] = modified_ms

    def discard(self, record_id: int) -> None:
        """The record left the live set (archived, erased, merged away)."""
        self._moved[record_id] = None

    def keys(self) -> list[Key]:
        """Every key, ascending: the index's own list, to read and never to change."""
        self._settle()
        return self._keys

    def span(self, low_ms: int, high_ms: int) -> tuple[int, int]:
        """Positions [start, stop) in `keys()` of the records modified in [low_ms, high_ms]."""
        keys = self.keys()
        return bisect.bisect_left(keys, (low_ms,)), bisect.bisect_left(keys, (high_ms + 1,))

    def _settle(self) -> None:
        if not self._moved:
            return
        if len(self._moved) > 64 + len(self._keys) // 32:
            self._rebuild()
            return
        for record_id, modified_ms in self._moved.items():
            old = self._at.pop(record_id, None)
            if old is not None:
                del self._keys[bisect.bisect_left(self._keys, (old, record_id))]
            if modified_ms is not None:
                self._at[record_id] = modified_ms
                bisect.insort(self._keys, (modified_ms, record_id))
        self._moved.clear()

    def _rebuild(self) -> None:
        for record_id, modified_ms in self._moved.items():
            if modified_ms is None:
                self._at.pop(record_id, None)
            else:
                self._at[record_id] = modified_ms
        self._keys = sorted((ms, record_id) for record_id, ms in self._at.items())
        self._moved.clear()
