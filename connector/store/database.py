"""Engines and schema migrations, the same for SQLite and PostgreSQL.

SQLite runs in WAL mode with a busy timeout so a web thread and a worker thread
can share one file; PostgreSQL gets a pre-pinged pool for replicas.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from connector.store.tables import metadata

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
# Prepared statements each SQLite connection keeps (Python's default is 128). A
# multi-row insert of another size (a page's activities, a batch's effects) is a
# new statement of up to 1,000 rows; 128 of them held about 50 MB in a sync.
SQLITE_CACHED_STATEMENTS = 32
WRITE_OPTION = "leadflow_writes"
MIGRATION_LOCK = 0x1EAD_F10E  # pg_advisory_lock key: one migrator at a time


def connect(database_url: str, pool_size: int = 5) -> Engine:
    """An engine for `database_url`; creates the SQLite file's folder when needed."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "cached_statements": SQLITE_CACHED_STATEMENTS,
            },
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection) -> None:
    # A writer takes the lock up front: a deferred transaction that later writes
    # fails with "database is locked" instead of waiting out the busy timeout.
    # Readers begin deferred so they never wait on a writer (WAL).
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent).

    Replicas starting together take turns: on PostgreSQL the first holds an
    advisory lock while it migrates (concurrent DDL hangs or fails), and the
    others then find nothing left to do.
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(_alembic_config(engine), revision)
        return
    with engine.connect() as turn:
        turn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            command.upgrade(_alembic_config(engine), revision)
        finally:
            turn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            turn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def schema_drift(engine: Engine) -> list:
    """Differences between the tables in code and the migrated database; [] when they agree."""
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)
