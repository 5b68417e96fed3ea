"""The request log: one line per request the sandbox answered, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """What a call cost: `batch_size` is the number of `inputs` of a batch request, else None."""

    method: str
    path: str
    status: int
    at_ms: int
    duration_ms: float
    batch_size: int | None = None
    token: str | None = None


class RequestLog:
    """Thread-safe, append-only list of answered requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        status: int | None = None,
        where: Callable[[LoggedRequest], bool] | None = None,
    ) -> int:
        """Requests matching all given criteria; `path` matches as a prefix."""
        return sum(
            1
            for entry in self.entries
            if (method is None or entry.method == method)
            and (path is None or entry.path.startswith(path))
            and (status is None or entry.status == status)
            and (where is None or where(entry))
        )
