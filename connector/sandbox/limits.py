"""Rate limits and fault injection: what makes the sandbox as unreliable as the real thing.

Rate limits, per token [doc/2nd, see HUBSPOT-API.md §5]:
- a rolling 10-second window (default 190 requests, Professional tier),
  policy TEN_SECONDLY_ROLLING; search is exempt from it [spec];
- search's own per-second limit (default 5), policy SECONDLY [2nd];
- a daily limit (default 650,000), policy DAILY, reset at midnight UTC (HubSpot
  uses the account's time zone [doc]; the sandbox's account is in UTC);
- single-send email is exempt from both the window and the daily limit [spec].
Rejected requests do not use up quota [unverified]. Non-search responses carry
the `X-HubSpot-RateLimit-*` headers; search responses carry none [2nd].

Faults are drawn from a seeded `random.Random`, so a run can be replayed.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from connector.sandbox.shapes import correlation_id

TEN_SECONDS_MS = 10_000
ONE_SECOND_MS = 1_000
DAY_MS = 86_400_000
FAULT_KINDS = ("500", "502", "503", "504", "429", "slow", "timeout", "drop")


@dataclass(frozen=True, slots=True)
class WindowDecision:
    allowed: bool
    remaining: int


def rolling_window(hits: Sequence[int], now_ms: int, window_ms: int, limit: int) -> WindowDecision:
    """Whether one more request fits a rolling window that already holds `hits`.

    `hits` are the times of accepted requests; those at or before
    `now_ms - window_ms` have left the window. `remaining` counts what is left
    after this request if it is allowed, else 0.
    """
    inside = sum(1 for hit in hits if hit > now_ms - window_ms)
    if inside >= limit:
        return WindowDecision(False, 0)
    return WindowDecision(True, limit - inside - 1)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The limiter's answer: a 429 body when refused, and headers to send either way."""

    refusal: dict | None
    headers: dict[str, str]


def rate_limit_body(policy: str) -> dict:
    """HubSpot's 429 body [doc: usage-guidelines, quoted in HUBSPOT-API.md §5]."""
    message = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "SECONDLY": "You have reached your secondly limit.",
        "DAILY": "You have reached your daily limit.",
    }[policy]
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "requestId": correlation_id(),
    }


class RateLimiter:
    """Per-token windows and daily counts; thread-safe."""

    def __init__(self, ten_second_limit: int, search_per_second: int, daily_limit: int) -> None:
        self.ten_second_limit = ten_second_limit
        self.search_per_second = search_per_second
        self.daily_limit = daily_limit
        self._lock = threading.Lock()
        self._window: dict[str, deque[int]] = {}
        self._search: dict[str, deque[int]] = {}
        self._daily: dict[str, tuple[int, int]] = {}

    def check(self, token: str, now_ms: int, *, search: bool, exempt: bool) -> Verdict:
        """Admits or refuses one request and says which headers its response carries."""
        if exempt:
            return Verdict(None, {})
        with self._lock:
            day = now_ms // DAY_MS
            used_day, today = self._daily.get(token, (0, day))
            used = used_day if today == day else 0
            if used >= self.daily_limit:
                return Verdict(rate_limit_body("DAILY"), {} if search else self._headers(0, 0))
            if search:
                hits = self._prune(self._search, token, now_ms, ONE_SECOND_MS)
                decision = rolling_window(hits, now_ms, ONE_SECOND_MS, self.search_per_second)
                if not decision.allowed:
                    return Verdict(rate_limit_body("SECONDLY"), {})
                hits.append(now_ms)
                self._daily[token] = (used + 1, day)
                return Verdict(None, {})
            hits = self._prune(self._window, token, now_ms, TEN_SECONDS_MS)
            decision = rolling_window(hits, now_ms, TEN_SECONDS_MS, self.ten_second_limit)
            if not decision.allowed:
                return Verdict(
                    rate_limit_body("TEN_SECONDLY_ROLLING"),
                    self._headers(0, self.daily_limit - used),
                )
            hits.append(now_ms)
            self._daily[token] = (used + 1, day)
            return Verdict(None, self._headers(decision.remaining, self.daily_limit - used - 1))

    def _prune(
        self, windows: dict[str, deque[int]], token: str, now_ms: int, span: int
    ) -> deque[int]:
        hits = windows.setdefault(token, deque())
        while hits and hits[0] <= now_ms - span:
            hits.popleft()
        return hits

    def _headers(self, remaining: int, daily_remaining: int) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(self.ten_second_limit),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(TEN_SECONDS_MS),
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(daily_remaining, 0)),
        }


@dataclass(frozen=True, slots=True)
class FaultRule:
    """Inject `kind` into a share `rate` of requests whose "METHOD /path" matches `pattern`.

    `pattern` is a shell-style pattern on the path (`/crm/v3/objects/contacts/batch/*`)
    or on "METHOD path" (`POST /crm/*`). `delay_s` is how long `slow` and
    `timeout` hold the response (a timeout is a delay longer than the client waits).
    """

    pattern: str
    kind: str
    rate: float
    delay_s: float = 2.0

    def matches(self, method: str, path: str) -> bool:
        target = f"{method} {path}" if " " in self.pattern else path
        return fnmatch.fnmatchcase(target, self.pattern)


def parse_fault(text: str) -> FaultRule:
    """A rule from `KIND:RATE[:PATTERN[:DELAY_S]]`, e.g. `503:0.1:/crm/*`; ValueError if bad."""
    parts = text.split(":")
    if len(parts) < 2 or parts[0] not in FAULT_KINDS:
        raise ValueError(f"fault must be KIND:RATE[:PATTERN[:DELAY_S]] with KIND in {FAULT_KINDS}")
    rate = float(parts[1])
    if not 0 <= rate <= 1:
        raise ValueError(f"fault rate must be between 0 and 1, got {rate}")
    pattern = parts[2] if len(parts) > 2 and parts[2] else "*"
    delay = float(parts[3]) if len(parts) > 3 else 2.0
    return FaultRule(pattern, parts[0], rate, delay)


class FaultInjector:
    """Draws faults from a seeded generator; rules can change while the server runs."""

    def __init__(self, rules: Sequence[FaultRule] = (), seed: int = 1) -> None:
        self.rules: list[FaultRule] = list(rules)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule that fires for this request, or None."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path) and self._random.random() < rule.rate:
                    return rule
        return None
