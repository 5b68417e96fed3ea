"""HubSpot's owners, read at most every few minutes (routing asks for every SQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from connector.domain import Owner
from connector.hubspot import Gateway, HubSpotError

log = structlog.get_logger(__name__)


class OwnerDirectory:
    """The active owners, cached for `ttl` seconds; a failed refresh keeps the last list."""

    def __init__(
        self, gateway: Gateway, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.gateway, self.ttl, self.clock = gateway, ttl, clock
        self._owners: list[Owner] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> list[Owner]:
        with self._lock:
            if self._owners is None or self.clock() - self._read_at >= self.ttl:
                try:
                    self._owners = [o for o in self.gateway.owners() if not o.archived]
                    self._read_at = self.clock()
                except HubSpotError as error:
                    if self._owners is None:
                        raise
                    log.warning("owners.stale", error=str(error))
            return self._owners
