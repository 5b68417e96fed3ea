"""Two weeks of a deployment, replayed on the test's clock over a live sandbox.

`Replay.until(moment)` moves the clock forward the way a running connector
lives through time: each effect is sent when it falls due (the outbox tick),
the hourly sync runs on the hour and the decay pass at 03:30 UTC (the leader
jobs of `Connector.scheduler()`), and webhooks are settled after each step.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connector.sandbox import engagement
from connector.sandbox.world import Send
from connector.store import Store
from connector.workflows import Config, load_config
from tests.live import MONDAY_MORNING, SHIPPED_CONFIG, Clock, Live, live_connector

HOUR = timedelta(hours=1)
DECAY_AT = time(3, 30)
NEW_YORK = ZoneInfo("America/New_York")
# Two weeks pass in seconds of real time, so HubSpot's per-second limits would
# throttle the replay itself (the sandbox counts on the replayed clock, the
# connector on the real one): the replayed portal allows far more.
REPLAY_LIMITS = {"rate_limit": 100_000, "search_rate_limit": 10_000}


def shipped_config() -> Config:
    return load_config(SHIPPED_CONFIG)


def edited_config(folder: Path, file: str, old: str, new: str) -> Path:
    """The shipped config copied to `folder`, with `old` replaced by `new` in `file`."""
    shutil.copytree(SHIPPED_CONFIG, folder)
    path = folder / file
    text = path.read_text()
    assert old in text, f"{file} no longer holds {old!r}"
    path.write_text(text.replace(old, new))
    return folder


def at(moment_ms: int) -> datetime:
    return datetime.fromtimestamp(moment_ms / 1000, UTC)


def ny(text: str) -> datetime:
    """A New York wall-clock time ("2026-11-23 09:00"), the portal's zone, as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(UTC)


@dataclass
class Replay:
    """The scheduler's jobs, run at their times as the clock moves."""

    live: Live
    syncs: int = 0
    decays: int = 0

    def until(self, end: datetime) -> None:
        """Step to each due effect, hour and 03:30 before `end` (and `end` itself)."""
        live = self.live
        live.settle()
        while live.clock.now < end:
            live.clock.now = min([*self._stops(live.clock.now), end])
            if live.clock.now.minute == 0 and live.clock.now.second == 0:
                live.connector.puller.run()
                self.syncs += 1
            if live.clock.now.time() == DECAY_AT:
                live.connector.decay_refresh()
                self.decays += 1
            live.settle()

    def days(self, count: float) -> None:
        self.until(self.live.clock.now + timedelta(days=count))

    def _stops(self, now: datetime) -> list[datetime]:
        next_hour = now.replace(minute=0, second=0, microsecond=0) + HOUR
        decay = datetime.combine(now.date(), DECAY_AT, tzinfo=UTC)
        if decay <= now:
            decay += timedelta(days=1)
        due = self.live.store.next_effect_due()
        return [moment for moment in (next_hour, decay, due) if moment and moment > now]


@contextmanager
def replaying(store: Store, start: datetime = MONDAY_MORNING, **options) -> Iterator[Replay]:
    """A live portal (see tests/live.py) on a clock at `start`, ready to replay."""
    with live_connector(store, Clock(start), **{**REPLAY_LIMITS, **options}) as live:
        yield Replay(live)


def sends_to(live: Live, email: str) -> list[Send]:
    return [send for send in live.hubspot_sends() if send.to == email]


def unsubscribe(live: Live, email: str) -> None:
    """The person clicks "unsubscribe from all" in an email: HubSpot records the
    subscription change and opts the contact out (a webhook follows)."""
    world = live.hub.state
    with world.lock:
        record = world.contacts.get(email, "email")
        engagement.email_event(
            world,
            record,
            email,
            "STATUSCHANGE",
            0,
            world.now(),
            {"portalSubscriptionStatus": "UNSUBSCRIBED"},
        )
