"""Helpers for sandbox tests: a hand-moved clock, the SDK client, error bodies."""

from __future__ import annotations

import json

from hubspot import HubSpot

from connector.sandbox.testing import RunningSandbox


class FrozenClock:
    """An epoch-ms clock a test moves by hand."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


def sdk_client(hub: RunningSandbox, token: str | None = None, **config) -> HubSpot:
    """The official SDK against the sandbox: every response goes through its models' validation."""
    return HubSpot(
        access_token=token or hub.token,
        host=hub.base_url,
        base_url=hub.base_url,
        client_side_validation=True,
        **config,
    )


def error_body(exception) -> dict:
    """HubSpot's JSON error body carried by an SDK ApiException."""
    return json.loads(exception.body)


def add_contacts(hub: RunningSandbox, count: int, **properties: str) -> list[str]:
    """Creates `count` contacts straight in the world (cheap), returning their ids."""
    world = hub.state
    with world.lock:
        return [
            str(
                world.contacts.create(
                    {"email": f"c{index}@bulk.test", **properties}, world.now()
                ).id
            )
            for index in range(count)
        ]
