"""Composition root of the running connector: every part built once from Settings.

`build_connector` wires store, gateway, config, the Refresher and the workers;
`create_app` (connector.app) serves HTTP over the same store. Tests build a
Connector around a sandbox and a temporary database with an injected clock.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from connector.hubspot import Gateway, shared_limiters
from connector.hubspot.gateway import HubSpotGateway
from connector.settings import Settings
from connector.store import Store
from connector.sync import (
    Dispatcher,
    InboxWorker,
    LeaderJob,
    Leadership,
    OwnerDirectory,
    Puller,
    Refresher,
    build_scheduler,
    daily_slot,
    hourly_slot,
)
from connector.sync.pull import CURSOR as PASS_CURSOR
from connector.sync.setup import ensure_properties
from connector.workflows import Config, ConfigReloader

log = structlog.get_logger(__name__)
INBOX_RETENTION = timedelta(days=7)
# Each inbox batch costs about three HubSpot calls whatever its size (contacts, events,
# email events): a tick lets a burst gather into one batch, which keeps a portal's
# 19 calls a second for the rest at 50 submissions a second.
INBOX_TICK_SECONDS = 0.5
OUTBOX_TICK_SECONDS = 0.5


def utc_now() -> datetime:
    return datetime.now(UTC)


def settings_clock(settings: Settings) -> Callable[[], datetime]:
    """The wall clock, or the instant LEADFLOW_NOW holds still (a test replaying days)."""
    frozen = settings.frozen_now
    return utc_now if frozen is None else lambda: frozen


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Connector:
    settings: Settings
    store: Store
    gateway: Gateway
    config: ConfigReloader
    clock: Callable[[], datetime]
    worker_id: str
    refresher: Refresher = field(init=False)
    inbox: InboxWorker = field(init=False)
    dispatcher: Dispatcher = field(init=False)
    puller: Puller = field(init=False)
    _properties_of: str = field(init=False, default="")
    _portal_ready_for: str = field(init=False, default="")

    def __post_init__(self) -> None:
        owners = OwnerDirectory(self.gateway)
        self.current_config()
        self.refresher = Refresher(self.store, self.current_config, owners, self.clock)
        self.inbox = InboxWorker(
            self.store, self.gateway, self.refresher, self.clock, self.worker_id
        )
        self.dispatcher = Dispatcher(self.store, self.gateway, self.clock, self.worker_id)
        self.puller = Puller(self.store, self.gateway, self.refresher, self.clock)

    def current_config(self) -> Config:
        """The config in force; when it changed, the gateway reads the properties it needs."""
        config = self.config.current
        if config.version != self._properties_of:
            self.gateway.read_properties(config.contact_properties)
            self._properties_of = config.version
        return config

    def drain_inbox(self) -> int:
        """Process inbox batches until none is due; return how many events were finished."""
        total = 0
        while done := self.inbox.run_once():
            total += done
        return total

    def inbox_tick(self) -> int:
        """One inbox batch, and more only while batches come back full (a backlog): what
        arrives meanwhile waits for the next tick, to be read with the rest."""
        total = 0
        while (done := self.inbox.run_once()) >= self.inbox.batch:
            total += done
        return total + done

    def prepare_portal(self) -> list[str]:
        """Create the custom properties the write-back needs, once per config version;
        return the names created (none when the portal is ready)."""
        config = self.current_config()
        if config.version == self._portal_ready_for:
            return []
        created = ensure_properties(self.gateway, config.ruleset.writeback)
        self._portal_ready_for = config.version
        if created:
            log.info("hubspot.properties_created", properties=created)
        return created

    def dispatch_due(self) -> int:
        """Send effects until none is due (or HubSpot asks us to pause); return how many sent.
        The portal is prepared first, so no write-back names a property HubSpot lacks."""
        self.prepare_portal()
        total = 0
        while True:
            outcome = self.dispatcher.run_once()
            total += outcome.sent
            if outcome.paused_until or not outcome.handled:
                return total

    def decay_refresh(self) -> int:
        """Re-judge every stored contact with its stored facts: scores decay with time."""
        judged = 0
        for ids in _chunks(self.store.contacts_not_judged_since(self.clock()), 200):
            judged += self.refresher.rejudge(ids).evaluated
        return judged

    def scheduler(self) -> BackgroundScheduler:
        leadership = Leadership(self.store, self.worker_id, self.clock)
        leader_jobs = [
            LeaderJob(
                "sync",
                CronTrigger(minute=0),
                self.puller.run,
                hourly_slot,
                never_done=lambda: self.store.cursor(PASS_CURSOR) is None,
            ),
            LeaderJob("decay", CronTrigger(hour=3, minute=30), self.decay_refresh, daily_slot),
            LeaderJob(
                "inbox-retention",
                CronTrigger(hour=4),
                lambda: self.store.forget_processed_events(self.clock() - INBOX_RETENTION),
                daily_slot,
            ),
        ]
        everywhere = {
            "inbox": (INBOX_TICK_SECONDS, self.inbox_tick),
            "outbox": (OUTBOX_TICK_SECONDS, self.dispatch_due),
            "config": (10.0, self.config.check),
        }
        return build_scheduler(leadership, leader_jobs, everywhere)


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def build_connector(
    settings: Settings,
    store: Store | None = None,
    gateway: Gateway | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Connector:
    """Every part of the running connector, from settings (parts may be injected;
    the clock defaults to the settings' one)."""
    store = store or Store.from_url(settings.database_url)
    if gateway is None:
        settings.require_hubspot_access()
        gateway = HubSpotGateway(
            settings.hubspot_base_url,
            settings.hubspot_access_token or "",
            rate_limit=settings.hubspot_rate_limit,
            search_rate_limit=settings.hubspot_search_rate_limit,
            rate_budget=settings.hubspot_rate_budget,
            limiters=shared_limiters(
                store,
                settings.hubspot_rate_limit,
                settings.hubspot_search_rate_limit,
                settings.hubspot_rate_budget,
            )
            if settings.shares_rate_budget
            else None,
        )
    return Connector(
        settings,
        store,
        gateway,
        ConfigReloader(settings.config_dir),
        clock or settings_clock(settings),
        worker_name(),
    )
