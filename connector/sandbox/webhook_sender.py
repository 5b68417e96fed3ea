"""The webhook sender: posts contact events to a URL the way HubSpot's webhooks API does.

Delivery, as HUBSPOT-API.md §6 reports it:
1. Events are JSON objects with `eventId, subscriptionId, portalId, appId,
   occurredAt (ms), subscriptionType, attemptNumber, objectId, changeSource`,
   plus `changeFlag: "NEW"` on creations and `propertyName/propertyValue` on
   property changes [doc example]. A request body is a JSON array of at most
   100 events [unverified, commonly quoted].
2. Each request is signed: `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client
   secret, method + uri + body + timestamp)) with `X-HubSpot-Request-Timestamp`
   (epoch ms on the world's clock: a simulated portal signs in its own time), and
   the v1 headers `X-HubSpot-Signature-Version: v1`,
   `X-HubSpot-Signature` = hex(sha256(secret + body)) [sdk/doc].
3. A 2xx is success; 400, 401, 403, 404 and 405 drop the batch; anything else,
   a timeout (5 s) or a connection failure is retried up to `max_retries` times,
   the n-th retry `backoff_s * 2**(n-1)` seconds later (or `Retry-After`, if
   longer), with `attemptNumber` increased in every event [2nd].
Subscriptions: contact.creation, contact.deletion, contact.privacyDeletion,
contact.merge (with `primaryObjectId`, `mergedObjectIds`, `newObjectId`,
`numberOfPropertiesMoved` [doc: changelog "New subscription types for
webhooks"]), and contact.propertyChange for each property in `properties`.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import structlog

from connector.sandbox.objects import Change

log = structlog.get_logger(__name__)

MAX_EVENTS_PER_REQUEST = 100
DROPPED_STATUSES = {400, 401, 403, 404, 405}
BASE_SUBSCRIPTIONS = {"creation": 1, "deletion": 2, "privacyDeletion": 3, "merge": 4}


def v3_signature(client_secret: str, method: str, uri: str, body: str, timestamp_ms: int) -> str:
    message = f"{method}{uri}{body}{timestamp_ms}".encode()
    digest = hmac.new(client_secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def v1_signature(client_secret: str, body: str) -> str:
    return hashlib.sha256(f"{client_secret}{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST the sender made: its attempt number, outcome and how many events it carried."""

    attempt: int
    status: int | None
    events: int
    event_ids: tuple[int, ...]


@dataclass(order=True)
class _Batch:
    ready_at: float
    seq: int
    events: list[dict] = field(compare=False)
    attempt: int = field(default=0, compare=False)


class WebhookSender:
    """Queues events from world changes and delivers them from a background thread."""

    def __init__(
        self,
        url: str,
        client_secret: str,
        *,
        portal_id: int,
        app_id: int,
        properties: tuple[str, ...] = (),
        max_retries: int = 10,
        backoff_s: float = 60.0,
        timeout_s: float = 5.0,
        clock: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self.url, self.clock = url, clock
        self.client_secret = client_secret
        self.portal_id, self.app_id = portal_id, app_id
        self.subscriptions = dict(BASE_SUBSCRIPTIONS)
        self.subscriptions.update({f"propertyChange:{p}": 10 + i for i, p in enumerate(properties)})
        self.max_retries, self.backoff_s, self.timeout_s = max_retries, backoff_s, timeout_s
        self.deliveries: list[Delivery] = []
        self.emitted: list[dict] = []
        self._fresh: deque[dict] = deque()
        self._retries: list[_Batch] = []
        self._in_flight = 0
        self._event_ids = itertools.count(1)
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)

    # -- producing -------------------------------------------------------------------------

    def listen(self, change: Change) -> None:
        """World listener: turns a contact change into an event if a subscription wants it."""
        if change.object_type != "contacts":
            return
        key = (
            change.kind
            if change.kind != "propertyChange"
            else f"propertyChange:{change.property_name}"
        )
        subscription = self.subscriptions.get(key)
        if subscription is None:
            return
        event = {
            "eventId": self.next_event_id(),
            "subscriptionId": subscription,
            "portalId": self.portal_id,
            "appId": self.app_id,
            "occurredAt": change.occurred_ms,
            "subscriptionType": f"contact.{change.kind}",
            "attemptNumber": 0,
            "objectId": change.object_id,
            "changeSource": change.source,
        }
        if change.kind == "creation":
            event["changeFlag"] = "NEW"
        if change.kind == "propertyChange":
            event["propertyName"] = change.property_name
            event["propertyValue"] = change.property_value
        event.update(change.extra)
        self.emit([event])

    def next_event_id(self) -> int:
        return next(self._event_ids)

    def emit(self, events: list[dict]) -> None:
        """Queues ready-made events (a script's way in); they go out in arrival order.
        `emitted` keeps each one, so a test can deliver it again as HubSpot's retries do."""
        with self._cond:
            self.emitted.extend(events)
            self._fresh.extend(events)
            self._cond.notify_all()

    # -- delivering ------------------------------------------------------------------------

    def start(self) -> WebhookSender:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=self.timeout_s + 1)
        self._session.close()

    def drain(self, timeout: float = 5.0) -> bool:
        """Waits until nothing is queued, in flight or waiting for a retry; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._fresh or self._retries or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _next_batch(self) -> _Batch | None:
        """Steps: 1. stop if asked; 2. a due retry; 3. up to 100 fresh events; 4. wait."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._retries and self._retries[0].ready_at <= now:
                    batch = heapq.heappop(self._retries)
                elif self._fresh:
                    count = min(MAX_EVENTS_PER_REQUEST, len(self._fresh))
                    batch = _Batch(
                        now, next(self._seq), [self._fresh.popleft() for _ in range(count)]
                    )
                else:
                    wait = self._retries[0].ready_at - now if self._retries else None
                    self._cond.wait(wait)
                    continue
                self._in_flight += 1
                return batch
        return None

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            retry_after = self._post(batch)
            with self._cond:
                self._in_flight -= 1
                if retry_after is not None and batch.attempt < self.max_retries:
                    batch.attempt += 1
                    delay = max(self.backoff_s * 2 ** (batch.attempt - 1), retry_after)
                    batch.ready_at, batch.seq = time.monotonic() + delay, next(self._seq)
                    heapq.heappush(self._retries, batch)
                elif retry_after is not None:
                    log.warning(
                        "sandbox.webhook.abandoned",
                        events=len(batch.events),
                        attempts=batch.attempt + 1,
                    )
                self._cond.notify_all()

    def _post(self, batch: _Batch) -> float | None:
        """Sends one batch; None when done (delivered or dropped), else a minimum retry delay."""
        events = [{**event, "attemptNumber": batch.attempt} for event in batch.events]
        body = json.dumps(events, separators=(",", ":"))
        timestamp = self.clock()
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Signature-Version": "v1",
            "X-HubSpot-Signature": v1_signature(self.client_secret, body),
            "X-HubSpot-Signature-v3": v3_signature(
                self.client_secret, "POST", self.url, body, timestamp
            ),
            "X-HubSpot-Request-Timestamp": str(timestamp),
        }
        status, retry_after = None, 0.0
        try:
            response = self._session.post(
                self.url, data=body.encode(), headers=headers, timeout=self.timeout_s
            )
            status = response.status_code
            retry_after = _seconds(response.headers.get("Retry-After"))
        except requests.RequestException as error:
            log.info("sandbox.webhook.failed", error=type(error).__name__, attempt=batch.attempt)
        self.deliveries.append(
            Delivery(batch.attempt, status, len(events), tuple(e["eventId"] for e in events))
        )
        if status is not None and (200 <= status < 300 or status in DROPPED_STATUSES):
            return None
        return retry_after


def _seconds(value: str | None) -> float:
    try:
        return max(float(value), 0.0) if value else 0.0
    except ValueError:
        return 0.0
