"""Contacts held by one transaction at a time, taken in one global order.

Replicas judge overlapping sets of contacts at once (two webhook batches, the
hourly pull, the dispatcher recording what it wrote). Each transaction touches
a contact's rows (contact, activities, transitions, effects) in its own order,
so two of them could wait for each other forever: PostgreSQL then kills one
("deadlock detected"). Taking every contact's lock first, sorted by the same
key, makes the later transaction wait for the earlier one instead.

PostgreSQL only: advisory transaction locks, in a key space of their own
(the first key), released at commit or rollback. SQLite has one writer at a
time already.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

CONTACT_LOCKS = 0x1EAD  # the advisory lock space of contacts
_LOCK_CONTACTS = text(
    "SELECT pg_advisory_xact_lock(:space, key) FROM ("
    " SELECT DISTINCT hashtext(contact_id) AS key FROM unnest(:ids) AS contact_id ORDER BY key"
    ") AS keys"
).bindparams(bindparam("ids", type_=ARRAY(Text)))


class ContactLocks:
    def lock_contacts(self, connection: Connection, contact_ids: Iterable[str]) -> None:
        """Hold `contact_ids` until the caller's transaction ends (waiting for any
        other transaction holding one of them)."""
        ids = sorted(set(contact_ids))
        if self.dialect == "postgresql" and ids:
            connection.execute(_LOCK_CONTACTS, {"space": CONTACT_LOCKS, "ids": ids})
