"""Migrations build the schema from nothing, on SQLite and PostgreSQL, and match the code."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from connector import store as store_room
from connector.store import tables
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url, drop = fresh_postgres_database()
    yield url
    drop()


def test_it_migrates_an_empty_database_to_a_schema_that_matches_the_code(empty_database_url):
    engine = store_room.connect(empty_database_url)
    assert store_room.current_revision(engine) is None
    store_room.upgrade(engine)
    store_room.upgrade(engine)  # a second run is a no-op
    assert store_room.current_revision(engine) == store_room.head_revision()
    assert store_room.schema_drift(engine) == []
    engine.dispose()


def test_it_keeps_times_aware_and_in_utc(store):
    paris = timezone(timedelta(hours=1))
    with store.writing() as connection:
        connection.execute(
            insert(tables.sync_cursors).values(
                name="contacts", value="x", updated_at=datetime(2026, 11, 23, 10, 0, tzinfo=paris)
            )
        )
    with store.reading() as connection:
        stored = connection.execute(select(tables.sync_cursors.c.updated_at)).scalar_one()
    assert stored == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_it_refuses_naive_times(store):
    with pytest.raises(Exception, match="naive datetime"), store.writing() as connection:
        connection.execute(
            insert(tables.sync_cursors).values(
                name="contacts", value="x", updated_at=datetime(2026, 11, 23)
            )
        )


def test_it_runs_sqlite_in_wal_mode(sqlite_url):
    engine = store_room.connect(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_it_lets_replicas_starting_together_migrate_one_after_the_other():
    url, drop = fresh_postgres_database()
    start, failures = threading.Barrier(3), []

    def replica() -> None:
        engine = store_room.connect(url)
        start.wait()
        try:
            store_room.upgrade(engine)
        except Exception as error:  # the test reports any failure below
            failures.append(repr(error))
        finally:
            engine.dispose()

    replicas = [threading.Thread(target=replica, daemon=True) for _ in range(3)]
    for thread in replicas:
        thread.start()
    for thread in replicas:
        thread.join(timeout=60)
    try:
        assert not any(thread.is_alive() for thread in replicas), "a migration hung"
        assert failures == []
        engine = store_room.connect(url)
        assert store_room.current_revision(engine) == store_room.head_revision()
        engine.dispose()
    finally:
        drop()
