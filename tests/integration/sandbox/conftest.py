"""Fixtures: a running sandbox and the official SDK pointed at it, with client-side validation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hubspot import HubSpot

from connector.sandbox.testing import RunningSandbox, running_sandbox
from tests.integration.sandbox.helpers import FrozenClock, sdk_client


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def hub(clock: FrozenClock) -> Iterator[RunningSandbox]:
    with running_sandbox(clock=clock) as running:
        yield running


@pytest.fixture
def client(hub: RunningSandbox) -> HubSpot:
    return sdk_client(hub)
