"""`running_sandbox`: the sandbox on an ephemeral loopback port, for any room's tests.

    from connector.sandbox.testing import running_sandbox

    with running_sandbox(contacts=50, seed=1) as hub:
        client = HubSpot(access_token=hub.token, host=hub.base_url)
        ...
        assert hub.request_log.count("POST", "/crm/v3/objects/contacts/batch/") == 1

Keyword options are `SandboxOptions` fields (token, client_secret, rate_limit,
search_rate_limit, daily_limit, faults, fault_seed, webhook_url, ...) plus
`contacts`/`seed` (demo data) and `clock` (epoch-ms callable for the world).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

from connector.sandbox.request_log import RequestLog
from connector.sandbox.server import Sandbox, SandboxOptions, SandboxServer, create_app
from connector.sandbox.site import install_forms
from connector.sandbox.webhook_sender import WebhookSender
from connector.sandbox.world import Clock, World


@dataclass
class RunningSandbox:
    """Handles on a sandbox a test started; `state` is the in-memory world."""

    base_url: str
    token: str
    client_secret: str
    state: World
    request_log: RequestLog
    sandbox: Sandbox
    server: SandboxServer

    @property
    def webhooks(self) -> WebhookSender:
        """The webhook sender (needs `webhook_url`); `drain(timeout)` waits for delivery."""
        if self.sandbox.webhooks is None:
            raise RuntimeError("this sandbox was started without webhook_url")
        return self.sandbox.webhooks


def build_world(contacts: int = 0, seed: int = 1, clock: Clock | None = None) -> World:
    """A world with the demo forms and `contacts` deterministic demo contacts (0: none)."""
    world = World(clock=clock)
    install_forms(world)
    if contacts:
        from connector.sandbox.demo_data import populate

        populate(world, contacts, seed)
    return world


@contextmanager
def running_sandbox(
    *,
    contacts: int = 0,
    seed: int = 1,
    clock: Clock | None = None,
    world: World | None = None,
    **options,
) -> Iterator[RunningSandbox]:
    """Starts a sandbox in a thread, yields its handles, and stops it (and its webhook sender)."""
    known = {f.name for f in fields(SandboxOptions)}
    unknown = set(options) - known
    if unknown:
        raise TypeError(f"unknown sandbox option(s): {sorted(unknown)}")
    settings = SandboxOptions(**options)
    world = world or build_world(contacts, seed, clock)
    server = SandboxServer(create_app(world, settings)).start()
    state = server.sandbox
    try:
        yield RunningSandbox(
            base_url=server.base_url,
            token=settings.token,
            client_secret=settings.client_secret,
            state=world,
            request_log=state.request_log,
            sandbox=state,
            server=server,
        )
    finally:
        server.stop()
