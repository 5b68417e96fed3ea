"""Counting HubSpot calls: Prometheus counters for `/metrics`, plus a per-gateway tally.

The Prometheus counters live in the default registry (the app's `/metrics`
exports it) and add up every gateway of the process. `CallTally` counts for one
gateway only, so a test or a benchmark can read exactly the calls it caused.
"""

from __future__ import annotations

import threading
from collections import Counter

from prometheus_client import Counter as PrometheusCounter

CALLS = PrometheusCounter(
    "leadflow_hubspot_calls_total",
    "HubSpot API calls by endpoint and outcome (HTTP status, or timeout/connection)",
    ["endpoint", "status"],
)
RATE_LIMITED = PrometheusCounter(
    "leadflow_hubspot_rate_limited_total",
    "HubSpot 429 answers by rate-limit policy",
    ["policy"],
)


class CallTally:
    """Calls made by one gateway, by (endpoint, status), and 429s by policy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()
        self._rate_limited: Counter[str] = Counter()

    def record_call(self, endpoint: str, status: str) -> None:
        with self._lock:
            self._calls[(endpoint, status)] += 1
        CALLS.labels(endpoint=endpoint, status=status).inc()

    def record_rate_limited(self, policy: str) -> None:
        with self._lock:
            self._rate_limited[policy] += 1
        RATE_LIMITED.labels(policy=policy).inc()

    def calls(self, endpoint: str | None = None, status: str | None = None) -> int:
        """How many calls matched; `None` matches any endpoint or status."""
        with self._lock:
            return sum(
                n
                for (e, s), n in self._calls.items()
                if endpoint in (None, e) and status in (None, s)
            )

    def rate_limited(self, policy: str | None = None) -> int:
        with self._lock:
            return sum(n for p, n in self._rate_limited.items() if policy in (None, p))

    def by_endpoint(self) -> dict[str, int]:
        """Calls per endpoint, whatever their outcome."""
        with self._lock:
            totals: Counter[str] = Counter()
            for (endpoint, _), n in self._calls.items():
                totals[endpoint] += n
            return dict(totals)
