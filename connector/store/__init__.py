"""Storage: the only package that builds SQL. Callers get plain objects."""

from connector.domain import Effect
from connector.store.base import StoreBase
from connector.store.contacts import ContactQueries
from connector.store.coordination import CoordinationQueries
from connector.store.database import connect, current_revision, head_revision, schema_drift, upgrade
from connector.store.histories import HistoryQueries
from connector.store.inbox import InboxQueries
from connector.store.locks import ContactLocks
from connector.store.outbox import OutboxQueries
from connector.store.planning import FunnelCounts, PlanningQueries, StoredPlanning, StoredStep
from connector.store.rate_budget import RateBudgetQueries
from connector.store.records import (
    ClaimedEffect,
    ClaimedEvent,
    InboxEvent,
    QueueItem,
    RateGrant,
    StoredContact,
    TransitionRecord,
)
from connector.store.reporting import ReportingQueries
from connector.store.timeline import ContactTimeline, StoredEffect, TimelineQueries


class Store(
    ContactQueries,
    HistoryQueries,
    InboxQueries,
    OutboxQueries,
    CoordinationQueries,
    RateBudgetQueries,
    ContactLocks,
    ReportingQueries,
    TimelineQueries,
    PlanningQueries,
    StoreBase,
):
    """Every named query the rest of the connector needs."""


__all__ = [
    "ClaimedEffect",
    "ClaimedEvent",
    "ContactTimeline",
    "Effect",
    "FunnelCounts",
    "InboxEvent",
    "QueueItem",
    "RateGrant",
    "Store",
    "StoredContact",
    "StoredEffect",
    "StoredPlanning",
    "StoredStep",
    "TransitionRecord",
    "connect",
    "current_revision",
    "head_revision",
    "schema_drift",
    "upgrade",
]
