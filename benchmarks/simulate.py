"""How long `connector simulate` takes over a store of 1,000,000 contacts (target < 2 min).

The store is a SQLite file filled in bulk (SQLAlchemy Core on the store's
tables) with the sandbox's demo people (`connector.sandbox.demo_data`: the
same journeys, properties and history), their activity shaped as the gateway
stores it. Filling is timed apart. Then, on that store:

1. store read: `Store.contact_histories()` streamed to the end in one
   process, nothing else;
2. simulate: the `simulate` command that `make_config_commands` builds, wired to
   the store as the `connector` CLI wires it (the stored contacts, cut into runs
   for its worker processes, one per core unless `--workers` says otherwise;
   the outbox's plans; the funnel counts), comparing the shipped config with a
   candidate where a download is a strong signal for 180 days rather than 90,
   which turns the demo's cold leads into MQLs (`--json`, so nothing is drawn).

Prints contacts/s of each and the simulate time for 1,000,000 contacts
(measured, or projected from a smaller store), with the store read's share,
and simulate's CPU time: its share of the cores says how much of the machine
it had, which other developers' work on a shared machine lowers.

    .venv/bin/python benchmarks/simulate.py                      # 1,000,000 contacts
    .venv/bin/python benchmarks/simulate.py --quick              # 20,000 contacts
    .venv/bin/python benchmarks/simulate.py --store var/sim.db   # keep the filled store
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import CONFIG_DIR, machine_line, ratio, targets_line
from sqlalchemy import insert

from connector import store as store_room
from connector.cli.config_commands import make_config_commands
from connector.cli.planned import stored_contacts, stored_funnel, stored_planned, stored_runs
from connector.cli.simulation_workers import usable_cores
from connector.domain import ActivityKind
from connector.sandbox.demo_data import (
    NEWSLETTER_EMAIL_ID,
    OWNERS,
    SITE,
    SOURCES,
    DemoContact,
    generate,
)
from connector.sandbox.site import DEMO_FORMS, PAGES, WEBINAR
from connector.store import Store
from connector.store.tables import activities, contacts

TARGET_SECONDS = 120
GOAL_CONTACTS = 1_000_000
CHUNK = 10_000
GATED_90_DAYS = "match: {form_name: 'e-?book|white ?paper|guide|report'}\n          within_days: 90"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMAIL_KINDS = {
    "OPEN": ActivityKind.EMAIL_OPEN,
    "CLICK": ActivityKind.EMAIL_CLICK,
    "BOUNCE": ActivityKind.HARD_BOUNCE,
    "STATUSCHANGE": ActivityKind.UNSUBSCRIBED,
}


def _at(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def stored_rows(person: DemoContact) -> tuple[dict, list[dict]]:
    """One demo person as the store holds them after a sync: properties as HubSpot
    has them, activity with the details the gateway keeps (see hubspot/translate.py)."""
    contact_id = str(person.index + 1)
    properties = dict(person.properties)
    properties["hs_analytics_source"] = SOURCES[person.index % len(SOURCES)][0]
    properties["lifecyclestage"] = "subscriber" if person.journey == "blog_reader" else "lead"
    if person.journey != "blog_reader":
        properties["hubspot_owner_id"] = str(100 + person.index % len(OWNERS))
    found = []
    for number, (kind, ms, details) in enumerate(person.history):
        facts = list(_activity(kind, details))
        for offset, (activity_kind, evidence) in enumerate(facts):
            found.append(
                {
                    "contact_id": contact_id,
                    "kind": str(activity_kind),
                    "occurred_at": _at(ms),
                    "source_id": f"event:{contact_id}-{number}-{offset}",
                    "details": evidence,
                }
            )
    row = {
        "id": contact_id,
        "email": properties["email"],
        "properties": properties,
        "owner_id": properties.get("hubspot_owner_id"),
        "stage": properties["lifecyclestage"],
        "lead_source": properties["hs_analytics_source"],
        "hubspot_updated_at": _at(person.created_ms),
        "evaluated_at": NOW,
        "updated_at": NOW,
    }
    return row, found


def _activity(kind: str, details: tuple[str, ...]) -> Iterator[tuple[ActivityKind, dict]]:
    """The activities one demo history step leaves (a webinar form also registers)."""
    if kind == "page":
        url = SITE + details[0]
        yield ActivityKind.PAGE_VIEW, {"url": url, "title": PAGES.get(details[0], details[0])}
    elif kind == "form":
        form = DEMO_FORMS[details[0]]
        yield (
            ActivityKind.FORM_SUBMISSION,
            {"form_id": form.guid, "form_name": form.name, "url": SITE, "title": form.name},
        )
        if form.marketing_event:
            event_id, name = form.marketing_event
            yield ActivityKind.WEBINAR_REGISTERED, {"event_id": event_id, "event_name": name}
    elif kind == "attend":
        yield ActivityKind.WEBINAR_ATTENDED, {"event_id": WEBINAR[0], "event_name": WEBINAR[1]}
    else:
        event_type, campaign = details
        evidence = {"email_id": campaign or str(NEWSLETTER_EMAIL_ID)}
        if event_type == "CLICK":
            evidence["url"] = f"{SITE}/site/pricing"
        yield EMAIL_KINDS[event_type], evidence


def fill(store: Store, count: int) -> int:
    """Load `count` demo people in transactions of CHUNK; returns activities stored."""
    stored = 0
    people = generate(count, 1, int(NOW.timestamp() * 1000))
    while True:
        contact_rows, activity_rows = [], []
        for person in people:
            row, found = stored_rows(person)
            contact_rows.append(row)
            activity_rows.extend(found)
            if len(contact_rows) == CHUNK:
                break
        if not contact_rows:
            return stored
        with store.writing() as connection:
            connection.execute(insert(contacts), contact_rows)
            connection.execute(insert(activities), activity_rows)
        stored += len(activity_rows)


def candidate_config(directory: Path) -> Path:
    """The shipped config with an admin's edit: a download counts as an MQL signal
    for 180 days instead of 90 (the demo's cold leads downloaded months ago)."""
    shutil.copytree(CONFIG_DIR, directory)
    lifecycle = directory / "lifecycle.yaml"
    text = lifecycle.read_text()
    if GATED_90_DAYS not in text:
        raise SystemExit("config/lifecycle.yaml has no gated-content signal of 90 days to edit")
    lifecycle.write_text(text.replace(GATED_90_DAYS, GATED_90_DAYS.replace("90", "180"), 1))
    return directory


def timed_read(store: Store) -> tuple[int, float]:
    started = time.perf_counter()
    seen = sum(1 for _ in store.contact_histories())
    return seen, time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the workers)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def timed_simulate(store: Store, candidate: Path, workers: int | None) -> tuple[dict, float, float]:
    """The CLI's simulate command over the store; (its JSON report, seconds, CPU seconds)."""

    commands = make_config_commands(
        lambda: stored_contacts(store),
        lambda _: None,
        active_config_dir=lambda: CONFIG_DIR,
        clock=lambda: NOW,
        count_contacts=store.contact_count,
        planned_of=lambda contact_ids: stored_planned(store, contact_ids),
        funnel=lambda now: stored_funnel(store, now),
        contact_runs=lambda: stored_runs(store),
    )
    simulate = next(command for command in commands if command.name == "simulate")
    out = io.StringIO()
    started, cpu = time.perf_counter(), cpu_seconds()
    with contextlib.redirect_stdout(out):
        simulate.main(
            [
                "--config",
                str(candidate),
                "--json",
                *(["--workers", str(workers)] if workers else []),
            ],
            standalone_mode=False,
        )
    return json.loads(out.getvalue()), time.perf_counter() - started, cpu_seconds() - cpu


def open_store(path: Path, count: int) -> Store:
    """The store at `path`, filled with `count` people unless it already holds them."""
    store = Store.from_url(f"sqlite:///{path}")
    store_room.upgrade(store.engine)
    held = store.contact_count()
    if held == count:
        print(f"store: {path} already holds {held:,} contacts (delete it to fill it again)")
        return store
    if held:
        raise SystemExit(f"{path} holds {held:,} contacts, not {count:,}: give another path")
    started = time.perf_counter()
    stored = fill(store, count)
    took = time.perf_counter() - started
    print(
        f"store: filled {path.name} with {count:,} contacts and {stored:,} activities in "
        f"{took:.0f} s ({count / took:,.0f} contacts/s), {path.stat().st_size / 1e6:,.0f} MB",
        flush=True,
    )
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=GOAL_CONTACTS, help="stored contacts")
    parser.add_argument("--quick", action="store_true", help="20,000 contacts (a smoke run)")
    parser.add_argument(
        "--store", type=Path, help="SQLite file to fill and keep (reused if already filled)"
    )
    parser.add_argument("--workers", type=int, help="simulate's worker processes (default: cores)")
    args = parser.parse_args()
    count = 20_000 if args.quick else args.contacts
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="leadflow-simulate-") as tmp:
        store = open_store(args.store or Path(tmp) / "simulate.db", count)
        try:
            read, read_seconds = timed_read(store)
            candidate = candidate_config(Path(tmp) / "candidate")
            report, seconds, cpu = timed_simulate(store, candidate, args.workers)
        finally:
            store.close()
    rate, read_rate = report["contacts"] / seconds, read / read_seconds
    projected = GOAL_CONTACTS / rate
    workers = args.workers or usable_cores()
    print(f"store read:  {read:,} contacts in {read_seconds:.1f} s ({read_rate:,.0f} contacts/s)")
    print(
        f"simulate:    {report['contacts']:,} contacts in {seconds:.1f} s ({rate:,.0f} contacts/s;"
        f" {report['changed']:,} would change stage) with {workers} worker process(es); "
        f"the store read alone, in one process, takes {read_seconds / seconds:.0%} of that"
    )
    cores = usable_cores()
    print(
        f"simulate CPU: {cpu:.1f} s ({cpu / report['contacts'] * 1e6:.0f} us a contact), "
        f"{cpu / (seconds * cores):.0%} of the {cores} cores while it ran (other processes "
        "on a shared machine take the rest)"
    )
    label = "measured" if report["contacts"] == GOAL_CONTACTS else "projected"
    print(
        f"simulate over {GOAL_CONTACTS:,} contacts: {projected:.0f} s {label} "
        f"(target < {TARGET_SECONDS} s: {ratio(projected, TARGET_SECONDS)})"
    )
    print(targets_line({f"simulate 1,000,000 < {TARGET_SECONDS} s": projected < TARGET_SECONDS}))


if __name__ == "__main__":
    main()
