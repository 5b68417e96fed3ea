"""A sandbox and a gateway sharing one hand-moved clock, so waits take no real time.

The gateway's rate budget and retries read the sandbox's world clock (in
seconds) and "sleep" by moving it on: a 10-second rate-limit pause is
instant, yet the sandbox's rolling window sees exactly those 10 seconds pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from connector.hubspot.gateway import HubSpotGateway
from connector.sandbox.testing import RunningSandbox, running_sandbox
from tests.integration.sandbox.helpers import FrozenClock


class SharedTime:
    """The sandbox's FrozenClock seen as the gateway's monotonic clock and sleep."""

    def __init__(self, clock: FrozenClock) -> None:
        self.frozen = clock
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.frozen() / 1000

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.frozen() / 1000, UTC)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.frozen.advance(math.ceil(seconds * 1000))


@pytest.fixture
def frozen() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def time_(frozen: FrozenClock) -> SharedTime:
    return SharedTime(frozen)


@pytest.fixture
def start_hub(frozen: FrozenClock) -> Iterator[Callable[..., RunningSandbox]]:
    """Starts a sandbox with the given options (the test's own clock); stops them all."""
    stack: list = []

    def start(**options) -> RunningSandbox:
        context = running_sandbox(clock=frozen, **options)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def hub(start_hub) -> RunningSandbox:
    return start_hub()


@pytest.fixture
def connect(time_: SharedTime) -> Callable[..., HubSpotGateway]:
    """A gateway for a sandbox, on the shared clock; keyword options override defaults."""

    def make(hub: RunningSandbox, **options) -> HubSpotGateway:
        defaults = dict(
            clock=time_.clock,
            sleep=time_.sleep,
            now=time_.now,
            draw=lambda: 0.5,
            timeout=(2.0, 5.0),
        )
        return HubSpotGateway(hub.base_url, hub.token, **{**defaults, **options})

    return make


@pytest.fixture
def gateway(hub: RunningSandbox, connect) -> HubSpotGateway:
    return connect(hub)
