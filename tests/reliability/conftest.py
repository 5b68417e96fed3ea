"""Fixtures of the reliability suite, and the figures each test proves, printed at the end.

Every test reports what it drove and found through the `figures` fixture
(events, kills, faults, duplicates, losses); they are printed with the test and
again in the session summary, so a reader of a CI log sees what was proven.
`LEADFLOW_LONG=1` runs the longer variants (more events, more kills). Tests that
need PostgreSQL alone (many processes on one database) select it with
`@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connector import store as store_room
from connector.store import Store
from tests.reliability.outcome import round_the_clock_config

LONG = os.environ.get("LEADFLOW_LONG") == "1"
_REPORTED: list[str] = []


def scaled(short: int, long: int) -> int:
    """`short` in CI, `long` with LEADFLOW_LONG=1."""
    return long if LONG else short


@pytest.fixture
def figures(request) -> Callable[..., None]:
    """Call with name=value pairs: printed now and in the session's summary."""

    def report(**values) -> None:
        line = f"{request.node.nodeid}: " + ", ".join(f"{k}={v}" for k, v in values.items())
        print(line)
        _REPORTED.append(line)

    return report


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORTED:
        terminalreporter.section("reliability figures")
        for line in _REPORTED:
            terminalreporter.write_line(line)


@pytest.fixture
def fault_free_store(tmp_path) -> Iterator[Store]:
    """A second, migrated database (SQLite) for the run every result is compared with."""
    store = Store.from_url(f"sqlite:///{tmp_path / 'fault-free.db'}")
    store_room.upgrade(store.engine)
    yield store
    store.close()


@pytest.fixture(scope="session")
def round_the_clock(tmp_path_factory) -> Path:
    return round_the_clock_config(tmp_path_factory.mktemp("config") / "config")
