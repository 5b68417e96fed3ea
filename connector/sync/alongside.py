"""Dispatch beside a running sync pass, so what it plans reaches HubSpot while it reads.

`connector sync` (and the benchmark) wrap a pass in `alongside(dispatcher)`; the
caller sends what is left (the last partial batches) after the block.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import structlog

from connector.domain import EffectKind
from connector.sync.dispatcher import Dispatcher, DispatchOutcome

log = structlog.get_logger(__name__)
ALONGSIDE_TICK_SECONDS = 0.5


# The lanes of `alongside`. Emails are exempt from HubSpot's limits, so they never wait
# behind a write-back that waits for the rate budget. Two lanes send batches: one batch
# call waits on HubSpot about as long as the next one's claim and record take here.
LIMITED_KINDS = (EffectKind.UPDATE_CONTACT, EffectKind.CREATE_TASK)
ALONGSIDE_LANES = {
    "batches-alongside-1": LIMITED_KINDS,
    "batches-alongside-2": LIMITED_KINDS,
    "emails-alongside": (EffectKind.SEND_EMAIL,),
}


@contextmanager
def alongside(
    dispatcher: Dispatcher, tick: float = ALONGSIDE_TICK_SECONDS
) -> Iterator[DispatchOutcome]:
    """Send due effects while the block runs (a sync pass), so the pass's write-backs,
    tasks and emails reach HubSpot while it reads; the caller sends what is left (the
    last partial batches) after the block. Yields the running totals (sent, deferred,
    parked, dropped).

    1. One thread per lane (`ALONGSIDE_LANES`), under a worker id of its own, claims and
       sends until none of its kinds is due (write-backs and tasks by whole batches),
       then waits `tick` and looks again.
    2. A pause (daily limit, credentials, 429) or an error stops a lane: the caller's
       dispatch after the block meets it again and reports it.
    3. Leaving the block stops the lanes once their current claims are sent.
    """
    stop = threading.Event()
    total, adding = DispatchOutcome(), threading.Lock()

    def send(lane: Dispatcher, kinds: Sequence[str]) -> None:
        try:
            while not stop.is_set():
                outcome = lane.run_once(whole_batches=True, kinds=kinds)
                with adding:
                    total.add(outcome)
                if outcome.paused_until:
                    return
                if not outcome.handled:
                    stop.wait(tick)
        except Exception:  # the caller's own dispatch meets it again, in its thread
            log.exception("outbox.alongside_failed")

    lanes = [
        threading.Thread(target=send, args=(dispatcher.lane(name), kinds), name=name, daemon=True)
        for name, kinds in ALONGSIDE_LANES.items()
    ]
    for lane in lanes:
        lane.start()
    try:
        yield total
    finally:
        stop.set()
        for lane in lanes:
            lane.join()
