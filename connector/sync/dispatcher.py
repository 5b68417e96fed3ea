"""Sends planned effects to HubSpot, each exactly once, whatever crashes in between.

1. Claim due effects of one kind, each marked `sending` before any call is made:
   write-backs first (they carry the verdict a user waits for), then tasks, then
   emails, so a claim of a batched kind fills its batches.
2. Property write-backs go 100 contacts per batch call, new tasks 100 per batch
   call; emails go one call each, a few at once (HubSpot exempts single sends from
   its limits), and tasks tried before one by one. What HubSpot accepted is
   recorded per claim, in one transaction. Beside a running sync
   (`sync/alongside.py`), emails have a lane of their own and write-backs and
   tasks go by whole batches; the rest waits for the pass's end.
3. An effect claimed `in_doubt` (a worker died mid-send) or tried before (an
   earlier call may have been carried out although it failed, e.g. timed out) is
   reconciled first: a task is looked up by the key stored on it, alone; emails and
   property writes are idempotent (HubSpot's `sendId`, the same values written again).
   A failed task batch is deferred whole, so each of its tasks is looked up next time;
   a refused one (HubSpot's 400) is retried task by task, so only a bad task is parked.
4. Success records HubSpot's result id. A permanent error parks the effect for
   an admin; a transient one backs off; a daily limit or an auth failure hands
   every claimed effect back untouched until it can succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from connector import failpoints
from connector.domain import EffectKind
from connector.hubspot import (
    AuthError,
    DailyLimitReached,
    EmailSend,
    Gateway,
    HubSpotError,
    RateLimited,
    TaskRequest,
)
from connector.store import ClaimedEffect, Store

log = structlog.get_logger(__name__)
UPDATE_BATCH = 100
TASK_BATCH = 100
EMAIL_CLAIM = 100  # emails go one call each: a smaller claim lets write-backs in sooner
# Emails in flight at once: each call mostly waits on HubSpot, so a few overlap that
# wait with the next calls' work (more only queue up in the same Python process).
EMAIL_SENDERS = 4
AUTH_PAUSE = timedelta(minutes=5)
# (kind, batch size), in the order claims serve them.
PRIORITY = (
    (EffectKind.UPDATE_CONTACT, UPDATE_BATCH),
    (EffectKind.CREATE_TASK, TASK_BATCH),
    (EffectKind.SEND_EMAIL, 1),
)


@dataclass
class DispatchOutcome:
    sent: int = 0
    deferred: int = 0
    parked: int = 0
    dropped: int = 0
    paused_until: datetime | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Effects this pass settled one way or another: 0 means nothing was due."""
        return self.sent + self.deferred + self.parked + self.dropped

    def add(self, other: DispatchOutcome) -> None:
        self.sent += other.sent
        self.deferred += other.deferred
        self.parked += other.parked
        self.dropped += other.dropped


class Paused(Exception):
    """HubSpot cannot take any call until `until`; stop this pass."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until


class Dispatcher:
    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        clock: Callable[[], datetime],
        worker_id: str,
        batch: int = 500,
    ) -> None:
        self.store, self.gateway, self.clock = store, gateway, clock
        self.worker_id, self.batch = worker_id, batch

    def run_once(
        self, whole_batches: bool = False, kinds: Sequence[str] | None = None
    ) -> DispatchOutcome:
        """Send one claim of due effects, of the first kind in `PRIORITY` (among `kinds`,
        or all) that has any; with `whole_batches`, write-backs and new tasks only by
        full batches of 100. See the module docstring."""
        outcome = DispatchOutcome()
        effects = self._claim(whole_batches, kinds)
        failpoints.hit("dispatch.after_claim")
        updates = [e for e in effects if e.kind == EffectKind.UPDATE_CONTACT]
        tasks = [e for e in effects if _fresh_task(e)]
        emails = [e for e in effects if e.kind == EffectKind.SEND_EMAIL]
        tried_tasks = [
            e for e in effects if e.kind == EffectKind.CREATE_TASK and not _fresh_task(e)
        ]
        done: set[int] = set()
        try:
            for batch, size, send in (
                (updates, UPDATE_BATCH, self._send_updates),
                (tasks, TASK_BATCH, self._send_tasks),
                (emails, EMAIL_CLAIM, self._send_emails),
            ):
                for start in range(0, len(batch), size):
                    chunk = batch[start : start + size]
                    send(chunk, outcome)
                    done.update(e.id for e in chunk)
            for effect in tried_tasks:
                self._send_tried_task(effect, outcome)
                done.add(effect.id)
        except Paused as pause:
            left = [e.id for e in effects if e.id not in done]
            self.store.release_effects(left, self.worker_id, pause.until)
            outcome.paused_until = pause.until
            log.warning(
                "outbox.paused",
                until=pause.until.isoformat(),
                reason=str(pause),
                released=len(left),
            )
        if effects:
            log.info(
                "outbox.dispatched",
                sent=outcome.sent,
                deferred=outcome.deferred,
                parked=outcome.parked,
                dropped=outcome.dropped,
            )
        return outcome

    def _claim(self, whole_batches: bool, kinds: Sequence[str] | None) -> list[ClaimedEffect]:
        now = self.clock()
        for kind, size in PRIORITY:
            if kinds is not None and kind not in kinds:
                continue
            effects = self.store.claim_due_effects(
                self.worker_id,
                now,
                self.batch if size > 1 else min(self.batch, EMAIL_CLAIM),
                kinds=[kind],
                multiple_of=size if whole_batches else 1,
            )
            if effects:
                return effects
        return []

    def lane(self, name: str) -> Dispatcher:
        """This dispatcher under a worker id of its own, for a thread beside the others:
        a claim that outlived its lease and was taken again in doubt by another lane is
        then no longer this lane's to record."""
        return Dispatcher(
            self.store, self.gateway, self.clock, f"{self.worker_id}/{name}", self.batch
        )

    def _pause_for(self, error: HubSpotError) -> None:
        now = self.clock()
        if isinstance(error, DailyLimitReached):
            raise Paused(error.resets_at, "daily limit reached") from error
        if isinstance(error, AuthError):
            raise Paused(now + AUTH_PAUSE, f"HubSpot refused our credentials: {error}") from error
        if isinstance(error, RateLimited):
            raise Paused(now + timedelta(seconds=error.retry_after), "rate limited") from error

    def _failed(self, effect: ClaimedEffect, error: HubSpotError, outcome: DispatchOutcome) -> None:
        self._pause_for(error)
        permanent = not error.transient
        self.store.defer_effect(
            effect.id, self.worker_id, str(error), self.clock(), permanent=permanent
        )
        if permanent:
            outcome.parked += 1
            log.warning("outbox.parked", key=effect.idempotency_key, error=str(error))
        else:
            outcome.deferred += 1

    def _record_sent(
        self, accepted: Sequence[tuple[ClaimedEffect, str | None]], outcome: DispatchOutcome
    ) -> None:
        """Record what HubSpot accepted, with its result ids, in one transaction."""
        failpoints.hit("dispatch.before_mark_sent")
        outcome.sent += self.store.mark_effects_sent(
            [(effect.id, result_id) for effect, result_id in accepted],
            self.worker_id,
            self.clock(),
        )
        failpoints.hit("dispatch.after_mark_sent")

    def _send_updates(self, chunk: Sequence[ClaimedEffect], outcome: DispatchOutcome) -> None:
        changes: dict[str, dict[str, str]] = {}
        for effect in chunk:  # claim order is due order, so later writes win
            changes.setdefault(effect.contact_id, {}).update(effect.payload.get("properties", {}))
        try:
            result = self.gateway.update_contacts(changes)
        except HubSpotError as error:
            for effect in chunk:
                self._failed(effect, error, outcome)
            return
        failpoints.hit("dispatch.after_hubspot_accepted")
        refused = {contact_id: item for item in result.errors for contact_id in item.ids}
        for effect in chunk:
            if effect.contact_id in refused:
                self.store.defer_effect(
                    effect.id,
                    self.worker_id,
                    refused[effect.contact_id].message,
                    self.clock(),
                    permanent=True,
                )
                outcome.parked += 1
        failpoints.hit("dispatch.before_mark_sent")
        outcome.sent += self.store.mark_updates_sent(
            [
                (e.id, e.contact_id, e.payload.get("properties", {}))
                for e in chunk
                if e.contact_id not in refused
            ],
            self.worker_id,
            self.clock(),
        )
        failpoints.hit("dispatch.after_mark_sent")

    def _send_tasks(self, chunk: Sequence[ClaimedEffect], outcome: DispatchOutcome) -> None:
        """One batch call for tasks never tried. A failure defers the chunk whole; each
        task is then looked up by key before it is created again, alone."""
        requests: dict[str, TaskRequest] = {}
        for effect in chunk:
            try:
                requests[effect.idempotency_key] = _task_request(effect)
            except (KeyError, TypeError, ValueError) as error:
                self._park_malformed(effect, error, outcome)
        sendable = [e for e in chunk if e.idempotency_key in requests]
        if not sendable:
            return
        try:
            created = self.gateway.create_tasks(list(requests.values()))
        except HubSpotError as error:
            self._pause_for(error)
            if error.transient or len(sendable) == 1:
                for effect in sendable:
                    self._failed(effect, error, outcome)
            else:
                self._retry_alone(sendable, error, outcome)
            return
        failpoints.hit("dispatch.after_hubspot_accepted")
        self._record_sent([(e, created[e.idempotency_key]) for e in sendable], outcome)

    def _retry_alone(
        self, chunk: Sequence[ClaimedEffect], error: HubSpotError, outcome: DispatchOutcome
    ) -> None:
        """HubSpot refused the batch for what may be one task (a contact deleted since):
        each is due again now, to be sent alone, so only the refused one is parked."""
        now = self.clock()
        for effect in chunk:
            reason = f"task batch refused, retried alone: {error}"
            self.store.defer_effect(effect.id, self.worker_id, reason, now, until=now)
            outcome.deferred += 1

    def _send_tried_task(self, effect: ClaimedEffect, outcome: DispatchOutcome) -> None:
        try:
            result_id = self._create_task(effect)
        except HubSpotError as error:
            self._failed(effect, error, outcome)
            return
        except (KeyError, TypeError, ValueError) as error:
            self._park_malformed(effect, error, outcome)
            return
        failpoints.hit("dispatch.after_hubspot_accepted")
        self._record_sent([(effect, result_id)], outcome)

    def _send_emails(self, chunk: Sequence[ClaimedEffect], outcome: DispatchOutcome) -> None:
        """Send a claim's emails EMAIL_SENDERS at a time, then record them: accepted ones
        in one transaction, then refusals and failures. After an error that pauses
        dispatch no more are sent; every result is recorded before the pause is raised,
        and the effects not sent (or refused by the pause) go back with the claim."""
        stop = threading.Event()

        def send(effect: ClaimedEffect) -> EmailSend | Exception | None:
            try:
                request = _email_request(effect)
            except (KeyError, TypeError, ValueError) as error:
                return error
            if stop.is_set():
                return None
            try:
                return self.gateway.send_email(*request)
            except HubSpotError as error:
                if _pauses(error):
                    stop.set()
                return error

        with ThreadPoolExecutor(EMAIL_SENDERS, thread_name_prefix="email") as senders:
            results = list(zip(chunk, senders.map(send, chunk), strict=True))
        accepted = [(e, r) for e, r in results if isinstance(r, EmailSend) and r.accepted]
        if accepted:
            failpoints.hit("dispatch.after_hubspot_accepted")
            self._record_sent([(e, r.status_id or r.send_result) for e, r in accepted], outcome)
        pause: HubSpotError | None = None
        for effect, result in results:
            if isinstance(result, EmailSend) and not result.accepted:
                self.store.drop_effect(
                    effect.id, self.worker_id, f"HubSpot did not send: {result.send_result}"
                )
                outcome.dropped += 1
                log.info("outbox.dropped", key=effect.idempotency_key, result=result.send_result)
            elif isinstance(result, HubSpotError) and _pauses(result):
                pause = pause or result
            elif isinstance(result, HubSpotError):
                self._failed(effect, result, outcome)
            elif isinstance(result, Exception):
                self._park_malformed(effect, result, outcome)
        if pause is not None:
            self._pause_for(pause)

    def _park_malformed(
        self, effect: ClaimedEffect, error: Exception, outcome: DispatchOutcome
    ) -> None:
        """A payload no call can be made from is parked alone, not retried for ever,
        so one bad row never stalls the effects claimed beside it."""
        reason = f"malformed payload: {type(error).__name__}: {error}"
        self.store.defer_effect(effect.id, self.worker_id, reason, self.clock(), permanent=True)
        outcome.parked += 1
        log.error("outbox.malformed", key=effect.idempotency_key, error=reason)

    def _create_task(self, effect: ClaimedEffect) -> str:
        if effect.in_doubt or effect.attempts:
            found = self.gateway.find_task_by_key(effect.idempotency_key)
            if found is not None:
                log.info("outbox.reconciled", key=effect.idempotency_key, task_id=found)
                return found
        return self.gateway.create_task(_task_request(effect))


def _pauses(error: HubSpotError) -> bool:
    """An error after which no call can succeed for a while (`Dispatcher._pause_for`)."""
    return isinstance(error, DailyLimitReached | AuthError | RateLimited)


def _fresh_task(effect: ClaimedEffect) -> bool:
    """A task never tried: nothing on HubSpot can hold it yet, so no lookup is needed."""
    return effect.kind == EffectKind.CREATE_TASK and not (effect.in_doubt or effect.attempts)


def _email_request(effect: ClaimedEffect) -> tuple:
    """The single send an effect plans, as `Gateway.send_email`'s arguments; its key is
    HubSpot's `sendId`, so a resend of an email in doubt never reaches the person twice.
    KeyError, TypeError or ValueError if its payload is malformed."""
    payload = effect.payload
    return (
        int(payload["email_id"]),
        payload["to"],
        effect.idempotency_key,
        payload.get("contact_properties"),
        payload.get("custom_properties"),
    )


def _task_request(effect: ClaimedEffect) -> TaskRequest:
    """The task an effect plans; KeyError, TypeError or ValueError if its payload is malformed."""
    payload = effect.payload
    return TaskRequest(
        key=effect.idempotency_key,
        contact_id=effect.contact_id,
        subject=payload["subject"],
        body=payload.get("body", ""),
        due_at=datetime.fromisoformat(payload["due_at"]),
        owner_id=payload.get("owner_id"),
        task_type=payload.get("task_type", "CALL"),
        priority=payload.get("priority", "HIGH"),
    )
