"""`connector simulate` shared out to worker processes reads the store in runs of ids
and reports exactly what one process reading every contact reports."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector import store as store_room
from connector.cli.planned import stored_contacts, stored_funnel, stored_planned, stored_runs
from connector.cli.simulation_workers import SimulationJob, simulation_runner
from connector.domain import Activity, ActivityKind, Contact
from connector.store import Store
from connector.workflows import load_config
from tests.live import SHIPPED_CONFIG

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def ebook(contact_id: str, days_ago: int) -> Activity:
    details = {"form_id": "f-ebook", "form_name": "Ebook download", "url": "https://x.test"}
    moment = NOW - timedelta(days=days_ago)
    return Activity(contact_id, ActivityKind.FORM_SUBMISSION, moment, f"f-{contact_id}", details)


@pytest.fixture
def candidate(tmp_path: Path) -> Path:
    """The shipped config where a download is a strong MQL signal for 180 days, not 90."""
    folder = Path(shutil.copytree(SHIPPED_CONFIG, tmp_path / "candidate"))
    lifecycle = folder / "lifecycle.yaml"
    old = "match: {form_name: 'e-?book|white ?paper|guide|report'}\n          within_days: 90"
    lifecycle.write_text(lifecycle.read_text().replace(old, old.replace("90", "180"), 1))
    return folder


def test_it_reports_alike_from_workers_reading_runs_of_the_store(store, candidate) -> None:
    # Seven leads who downloaded the ebook 10, 120 or 300 days ago: those of 120 days
    # become MQLs under the candidate only, and are planned an email or a task.
    with store.writing() as connection:
        for n in range(7):
            contact_id = str(500 + n)
            properties = {"email": f"{n}@x.test", "lifecyclestage": "lead"}
            store.save_contacts(connection, [(Contact(contact_id, properties, NOW), {})], NOW)
            store.save_activities(connection, [ebook(contact_id, (10, 120, 300)[n % 3])])
    active = load_config(SHIPPED_CONFIG)
    job = SimulationJob(
        active,
        load_config(candidate),
        NOW,
        stored_funnel(store, NOW),
        lambda contact_ids: stored_planned(store, contact_ids),
        sample_size=1,
    )
    outcomes = []
    for workers in (1, 2):
        done: list[int] = []
        contacts = stored_contacts(store)
        with simulation_runner(job, contacts, stored_runs(store), workers, run_size=2) as run:
            report, forecast = run(done.append)
        outcomes.append((report.to_dict(), forecast.to_dict()))
        assert done[-1] == 7
    (alone, alone_effects), (shared, shared_effects) = outcomes
    assert (shared["contacts"], shared["changed"]) == (7, 2)
    assert shared == alone
    assert shared_effects == alone_effects
    assert shared_effects["contacts_planned"] == 2


def test_it_simulates_a_database_in_memory_in_one_process() -> None:
    # A worker could not open this process's in-memory database: it would read nothing.
    store = Store.from_url("sqlite://")
    store_room.upgrade(store.engine)
    with store.writing() as connection:
        for n in range(3):
            contact = Contact(str(600 + n), {"email": f"{n}@x.test"}, NOW)
            store.save_contacts(connection, [(contact, {})], NOW)
    config = load_config(SHIPPED_CONFIG)
    job = SimulationJob(config, config, NOW, stored_funnel(store, NOW))
    with simulation_runner(job, stored_contacts(store), stored_runs(store), 2, run_size=1) as run:
        report, _ = run(lambda done: None)
    assert report.contacts == 3
