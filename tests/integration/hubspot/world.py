"""Building a small named world straight in the sandbox (cheap: no HTTP)."""

from __future__ import annotations

import itertools

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
