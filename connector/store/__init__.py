"""Storage: the only package that builds SQL. Callers get plain objects."""

from connector.store.base import StoreBase
from connector.store.database import connect, current_revision, head_revision, schema_drift, upgrade


class Store(StoreBase):
    """Every named query the rest of the connector needs."""


__all__ = ["Store", "connect", "current_revision", "head_revision", "schema_drift", "upgrade"]
