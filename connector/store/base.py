"""The store's core: an engine and the two kinds of transaction its queries use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from connector.store.database import WRITE_OPTION, connect


class StoreBase:
    """Holds the engine; query mixins add named operations on top."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def from_url(cls, database_url: str, pool_size: int = 5):
        return cls(connect(database_url, pool_size))

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction that may write; commits on success, rolls back on error."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read-only transaction that never waits for a writer."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.reading() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()
