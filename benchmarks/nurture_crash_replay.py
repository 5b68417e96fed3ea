"""The nurture crash replay, longer: many seeds, more kills, SQLite and PostgreSQL.

Each replay is two weeks of nurture and CALL tasks (tests/integration/nurture/
crash.py) driven through real `connector worker --once` processes, each armed
to SIGKILL itself at a failpoint drawn at random. Prints, per replay and in
total: process runs, kills and distinct kill points hit, emails and tasks in
HubSpot, duplicates and missing ones (both must be 0), and the wall time.

    .venv/bin/python benchmarks/nurture_crash_replay.py [--seeds 5] [--kills-per-moment 5]
    scripts/with-postgres .venv/bin/python benchmarks/nurture_crash_replay.py   # both backends
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine_line  # noqa: E402

from connector import store as store_room  # noqa: E402
from connector.store import Store  # noqa: E402
from tests.conftest import fresh_postgres_database  # noqa: E402
from tests.integration.nurture.crash import replay_with_kills  # noqa: E402


def backends() -> list[str]:
    return ["SQLite", "PostgreSQL"] if os.environ.get("TEST_DATABASE_URL") else ["SQLite"]


@contextmanager
def fresh_store(backend: str, workdir: Path) -> Iterator[Store]:
    """A new migrated database (a PostgreSQL one is dropped afterwards)."""
    if backend == "SQLite":
        url, drop = f"sqlite:///{workdir / 'leadflow.db'}", None
    else:
        url, drop = fresh_postgres_database()
    store = Store.from_url(url)
    try:
        store_room.upgrade(store.engine)
        yield store
    finally:
        store.close()
        if drop:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="replays per backend")
    parser.add_argument("--kills-per-moment", type=int, default=5, help="armed deaths per moment")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    if not os.environ.get("TEST_DATABASE_URL"):
        print("TEST_DATABASE_URL not set: SQLite only (scripts/with-postgres runs both)")
    print(machine_line())
    totals: Counter = Counter()
    points: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="leadflow-crash-") as tmp:
        for seed in range(1, args.seeds + 1):
            for name in backends():
                workdir = Path(tmp) / f"{name}-{seed}"
                workdir.mkdir()
                started = time.perf_counter()
                with fresh_store(name, workdir) as store:
                    figures = replay_with_kills(store, workdir, seed, args.kills_per_moment)
                seconds = time.perf_counter() - started
                print(f"{name:10} seed {seed}: {figures.line()} ({seconds:.1f} s)")
                points.update(figures.kills)
                totals.update(
                    replays=1,
                    runs=figures.runs,
                    kills=sum(figures.kills.values()),
                    duplicates=figures.duplicates,
                    missing=figures.missing,
                )
    print(
        f"total: {totals['replays']} replays, {totals['runs']} process runs, "
        f"{totals['kills']} kills at {len(points)} kill points, "
        f"duplicates {totals['duplicates']}, missing {totals['missing']}"
    )
    print("kills by point: " + ", ".join(f"{k} {v}" for k, v in points.most_common()))
    if totals["duplicates"] or totals["missing"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
