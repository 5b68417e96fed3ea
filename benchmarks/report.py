"""How long a full funnel report takes over 1,000,000 contacts and 10,000,000 activities.

Loads the synthetic funnel (tests/integration/reports/synthetic.py) into a fresh
SQLite file and, when TEST_DATABASE_URL is set, a fresh PostgreSQL database, in
bulk (sqlite3 executemany, PostgreSQL COPY), then times `build_report` over the
last 30 days (the CLI's default), the last 90 days (the dashboard's, also broken
down by source as the dashboard does) and the whole year, plus the health query
`/metrics` runs at every scrape. Load time is printed apart from report time.

    scripts/with-postgres .venv/bin/python benchmarks/report.py            # both backends
    .venv/bin/python benchmarks/report.py --contacts 100000                # smaller, SQLite
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector import store as store_room  # noqa: E402
from connector.reports import build_report  # noqa: E402
from connector.store import Store  # noqa: E402
from connector.store.reporting import Period  # noqa: E402
from tests.integration.reports.synthetic import COLUMNS, generate  # noqa: E402

UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 365
CHUNK = 50_000
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


class SqliteLoader:
    """Rows straight to sqlite3, times in the text form SQLAlchemy stores on SQLite."""

    def __init__(self, store: Store) -> None:
        self.connection = store.engine.raw_connection()
        self.statements = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
            for table, columns in COLUMNS.items()
        }

    def write(self, table: str, rows: list[tuple]) -> None:
        converted = [
            tuple(
                v.astimezone(UTC).strftime(SQLITE_TIME) if isinstance(v, datetime) else v
                for v in row
            )
            for row in rows
        ]
        cursor = self.connection.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(self.statements[table], converted)
        cursor.execute("COMMIT")

    def finish(self) -> None:
        self.connection.cursor().execute("ANALYZE")
        self.connection.close()


class PostgresLoader:
    """Rows through COPY; ANALYZE at the end so the planner knows the tables' sizes."""

    def __init__(self, store: Store) -> None:
        self.connection = store.engine.raw_connection()

    def write(self, table: str, rows: list[tuple]) -> None:
        statement = f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        self.connection.commit()

    def finish(self) -> None:
        self.connection.commit()
        self.connection.driver_connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.connection.close()


def load(loaders: list, contacts: int, activities_per_contact: int) -> dict[str, int]:
    """Generate once, write every chunk to every backend; returns rows per table."""
    buffers: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    counts = dict.fromkeys(COLUMNS, 0)
    for table, row in generate(contacts, activities_per_contact, UNTIL, DAYS):
        buffer = buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            for loader in loaders:
                loader.write(table, buffer)
            counts[table] += len(buffer)
            buffer.clear()
    for table, buffer in buffers.items():
        if buffer:
            for loader in loaders:
                loader.write(table, buffer)
            counts[table] += len(buffer)
    for loader in loaders:
        loader.finish()
    return counts


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(name: str, store: Store) -> None:
    """Each figure is the second run (the first warms the caches)."""
    periods = {days: Period(UNTIL - timedelta(days=days), UNTIL) for days in (30, 90, DAYS)}
    figures = {
        "report, last 30 days (CLI default)": lambda: build_report(store, periods[30], UNTIL),
        "report, last 90 days (dashboard)": lambda: build_report(store, periods[90], UNTIL),
        "dashboard: 90 days by source": lambda: build_report(store, periods[90], UNTIL, "source"),
        "report, whole year": lambda: build_report(store, periods[DAYS], UNTIL),
        "health (every /metrics scrape)": lambda: store.store_health(UNTIL),
    }
    for label, action in figures.items():
        action()
        print(f"  {name:<10} {label:<36} {timed(action):7.2f} s", flush=True)


def fresh_postgres(admin_url: str) -> tuple[str, callable]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"leadflow_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--activities-per-contact", type=int, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="leadflow-bench-"))
    stores = {"sqlite": Store.from_url(f"sqlite:///{workdir / 'report.db'}")}
    cleanups = []
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        url, drop = fresh_postgres(admin_url)
        stores["postgresql"] = Store.from_url(url)
        cleanups.append(drop)
    else:
        print("TEST_DATABASE_URL not set: SQLite only (use scripts/with-postgres for both)")
    try:
        for store in stores.values():
            store_room.upgrade(store.engine)
        loaders = [
            SqliteLoader(store) if name == "sqlite" else PostgresLoader(store)
            for name, store in stores.items()
        ]
        started = time.perf_counter()
        counts = load(loaders, args.contacts, args.activities_per_contact)
        print(
            f"loaded {', '.join(f'{n:,} {t}' for t, n in counts.items())} into "
            f"{' and '.join(stores)} in {time.perf_counter() - started:.0f} s"
        )
        for name, store in stores.items():
            measure(name, store)
    finally:
        for store in stores.values():
            store.close()
        for cleanup in cleanups:
            cleanup()
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
