"""Building a small named world straight in the sandbox (cheap: no HTTP)."""

from __future__ import annotations

import itertools

from connector.sandbox import engagement
from connector.sandbox.testing import RunningSandbox

_numbers = itertools.count(1)


def add_contacts(hub: RunningSandbox, count: int, step_ms: int = 0, **properties: str) -> list[str]:
    """`count` new contacts with unique emails, the world clock moved `step_ms` after each."""
    world = hub.state
    ids = []
    with world.lock:
        for _ in range(count):
            email = f"person{next(_numbers)}@example.test"
            record = world.contacts.create({"email": email, **properties}, world.now())
            ids.append(str(record.id))
            if step_ms:
                world.clock.advance(step_ms)
    return ids


def archive(hub: RunningSandbox, contact_id: str) -> None:
    world = hub.state
    with world.lock:
        world.contacts.archive(world.contacts.get(contact_id), world.now())


def record_of(hub: RunningSandbox, contact_id: str):
    return hub.state.contacts.get(contact_id)


def did(hub: RunningSandbox, contact_id: str, what: str, at_ms: int, **details) -> None:
    """Records one activity of a contact as HubSpot would: `what` names the sandbox helper."""
    world = hub.state
    with world.lock:
        record = record_of(hub, contact_id)
        if what == "email":
            extra = details.pop("extra", None)
            engagement.email_event(
                world, record, record.props["email"], details.pop("type"), 77, at_ms, extra
            )
        else:
            getattr(engagement, what)(world, record, at_ms=at_ms, **details)
