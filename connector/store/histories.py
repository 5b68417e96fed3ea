"""Every stored contact with its history, read by the million for `connector simulate`.

The contacts are read in id order, a batch at a time (constant memory, one
short read transaction per batch), and can be cut into runs of ids so that
several processes each read their own share.

Reading is a third of a simulation, so it is lean: only the columns a history
needs, unpacked as tuples. SQLite hands times and JSON over as text, which is
parsed here (`datetime.fromisoformat`, `json.loads`) for half what SQLAlchemy's
type processing costs; and as most activity repeats a few details (a site's
pages, its forms, its e-mails), each distinct details text is decoded once per
batch.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, Select, String, Text, select, type_coerce

from connector.domain import Activity, Contact
from connector.store.contacts import ACTIVITY_KINDS
from connector.store.tables import activities, contacts

History = tuple[Contact, list[Activity], datetime | None]


def _columns(as_text: bool) -> tuple[Select, Select]:
    """The contacts' and the activities' queries, their times and JSON as text or typed."""

    def time(column: Any) -> Any:
        return type_coerce(column, String) if as_text else column

    def document(column: Any) -> Any:
        return type_coerce(column, Text) if as_text else column

    people = select(
        contacts.c.id,
        document(contacts.c.properties),
        time(contacts.c.hubspot_updated_at),
        time(contacts.c.recycled_at),
    ).order_by(contacts.c.id)
    done = select(
        activities.c.contact_id,
        activities.c.kind,
        time(activities.c.occurred_at),
        activities.c.source_id,
        document(activities.c.details),
    ).order_by(activities.c.occurred_at, activities.c.id)
    return people, done


_TEXT, _TYPED = _columns(as_text=True), _columns(as_text=False)


def _utc_text(text: str | None) -> datetime | None:
    """A time as the store keeps it on SQLite: naive UTC text (see `UTCDateTime`)."""
    return datetime.fromisoformat(text + "+00:00") if text else None


def _same(value: Any) -> Any:
    return value


def _details_text() -> Callable[[str], Mapping[str, str]]:
    """Decodes details text, each distinct text once: the activities that share it
    share one read-only mapping."""
    decoded: dict[str, Mapping[str, str]] = {}

    def decode(text: str) -> Mapping[str, str]:
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = MappingProxyType(json.loads(text))
        return found

    return decode


class HistoryQueries:
    def contact_histories(
        self, batch: int = 1000, *, start: str | None = None, stop: str | None = None
    ) -> Iterator[History]:
        """Every stored contact with its activity (oldest first) and recycle time,
        streamed in id order; with `start` and `stop`, only the ids from `start`
        (included) up to `stop` (left out). Activity details are read-only: some
        activities share them."""
        as_text = self.dialect == "sqlite"
        people, done = _TEXT if as_text else _TYPED
        if stop is not None:
            people = people.where(contacts.c.id < stop)
        time = _utc_text if as_text else _same
        document = json.loads if as_text else _same
        after = None
        while True:
            if after is not None:
                page = people.where(contacts.c.id > after)
            elif start is not None:
                page = people.where(contacts.c.id >= start)
            else:
                page = people
            with self.reading() as connection:
                rows = connection.execute(page.limit(batch)).all()
                if not rows:
                    return
                ids = [row[0] for row in rows]
                details = _details_text() if as_text else MappingProxyType
                found = _activities(connection, done, ids, time, details)
            for contact_id, properties, updated_at, recycled_at in rows:
                yield (
                    Contact(contact_id, document(properties), time(updated_at)),
                    found.get(contact_id, []),
                    time(recycled_at),
                )
            after = rows[-1][0]

    def contact_id_cuts(self, size: int) -> list[str]:
        """The first id of each run of `size` contacts in id order (the smallest id
        first): runs for `contact_histories(start=..., stop=...)`. Each cut is found
        from the one before by skipping `size` ids, not by numbering every id."""
        first = select(contacts.c.id).order_by(contacts.c.id).limit(1)
        cuts: list[str] = []
        with self.reading() as connection:
            cut = connection.execute(first).scalar()
            while cut is not None:
                cuts.append(cut)
                cut = connection.execute(first.where(contacts.c.id > cut).offset(size - 1)).scalar()
        return cuts


def _activities(
    connection: Connection,
    query: Select,
    contact_ids: Sequence[str],
    time: Callable[[Any], datetime | None],
    details: Callable[[Any], Mapping[str, str]],
) -> dict[str, list[Activity]]:
    """The activity of these contacts, oldest first."""
    found: dict[str, list[Activity]] = defaultdict(list)
    rows = connection.execute(query.where(activities.c.contact_id.in_(contact_ids)))
    for contact_id, kind, occurred_at, source_id, raw in rows:
        found[contact_id].append(
            Activity(contact_id, ACTIVITY_KINDS[kind], time(occurred_at), source_id, details(raw))
        )
    return found
