"""Fixture ladder shared by every test: settings → store (SQLite and PostgreSQL) → app → client.

The PostgreSQL variant runs when TEST_DATABASE_URL is set (`make test` starts a
throwaway server); in CI its absence is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connector import store as store_room
from connector.settings import Settings
from connector.store import Store

BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("TEST_DATABASE_URL is not set in CI: PostgreSQL tests must run")
    pytest.skip("PostgreSQL not available here: run `make test` with postgresql installed")


def fresh_postgres_database() -> tuple[str, callable]:
    """A new empty PostgreSQL database, and a function that drops it."""
    admin_url = make_url(postgres_admin_url())
    name = f"leadflow_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (fast and isolated)."""
    path = tmp_path_factory.mktemp("template") / "leadflow.db"
    store = Store.from_url(f"sqlite:///{path}")
    store_room.upgrade(store.engine)
    store.close()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, migrated_sqlite_template) -> Iterator[str]:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "leadflow.db"
        shutil.copy(migrated_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url, drop = fresh_postgres_database()
    engine = create_engine(url)
    store_room.upgrade(engine)
    engine.dispose()
    yield url
    drop()


@pytest.fixture
def store(database_url) -> Iterator[Store]:
    store = Store.from_url(database_url)
    yield store
    store.close()


@pytest.fixture
def sqlite_url(tmp_path, migrated_sqlite_template) -> str:
    path = tmp_path / "leadflow.db"
    shutil.copy(migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(tmp_path, sqlite_url) -> Settings:
    return Settings.from_environment(
        {
            "LEADFLOW_DEMO": "true",
            "DATABASE_URL": sqlite_url,
            "LEADFLOW_CONFIG_DIR": str(Path(__file__).parent.parent / "config"),
        },
        dotenv_path=None,
    )
