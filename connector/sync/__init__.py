"""Scheduling and moving work: refresh, inbox worker, pull, dispatcher, scheduler."""

from connector.sync.alongside import alongside
from connector.sync.dispatcher import Dispatcher, DispatchOutcome
from connector.sync.inbox_worker import InboxWorker
from connector.sync.owners import OwnerDirectory
from connector.sync.pull import Puller, SyncOutcome
from connector.sync.refresh import Refresher, RefreshOutcome, transition_id
from connector.sync.scheduler import LeaderJob, Leadership, build_scheduler, daily_slot, hourly_slot

__all__ = [
    "DispatchOutcome",
    "Dispatcher",
    "InboxWorker",
    "LeaderJob",
    "Leadership",
    "OwnerDirectory",
    "Puller",
    "RefreshOutcome",
    "Refresher",
    "SyncOutcome",
    "alongside",
    "build_scheduler",
    "daily_slot",
    "hourly_slot",
    "transition_id",
]
