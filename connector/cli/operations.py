"""Commands for operators: one pass of each job, the queues, the portal set-up."""

from __future__ import annotations

import sys
import time

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from connector.cli.context import CliContext
from connector.services import Connector, utc_now
from connector.store import QueueItem
from connector.sync import SyncOutcome, alongside


@click.command()
@click.option(
    "--full",
    is_flag=True,
    help="Read every contact, not just those changed since "
    "the last pass; also forgets contacts deleted in HubSpot.",
)
@click.option(
    "--no-dispatch",
    is_flag=True,
    help="Only pull, judge and plan; leave sending to `connector dispatch`.",
)
@click.pass_obj
def sync(context: CliContext, full: bool, no_dispatch: bool) -> None:
    """Pull what changed in HubSpot, judge it and plan the effects, sending due effects
    while the pass reads and the rest after it (one pass, for cron)."""
    connector = context.connector
    if no_dispatch:
        outcome = _pull(connector, full)
        sent = ""
    else:
        connector.prepare_portal()
        with alongside(connector.dispatcher) as beside:
            outcome = _pull(connector, full)
        sent = f", sent {beside.sent + connector.dispatch_due()} effects"
    judged = outcome.judged
    click.echo(
        f"synced {outcome.contacts} contacts: {judged.transitions} stage changes, "
        f"{judged.effects} effects planned, {outcome.forgotten} forgotten{sent}"
        + (" (resumed an interrupted pass)" if outcome.resumed else "")
    )


def _pull(connector: Connector, full: bool) -> SyncOutcome:
    """One pass of the puller, with a progress bar on a terminal (progress logs otherwise)."""
    if not sys.stderr.isatty():
        return connector.puller.run(full=full)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} contacts"),
        transient=True,
    ) as bar:
        task = bar.add_task("syncing", total=None)
        connector.puller.progress = lambda phase, count: bar.update(
            task, description=f"syncing {phase}", advance=count if phase == "contacts" else 0
        )
        return connector.puller.run(full=full)


@click.command()
@click.pass_obj
def dispatch(context: CliContext) -> None:
    """Send every due effect (property writes, emails, tasks) to HubSpot (one pass)."""
    sent = context.connector.dispatch_due()
    left = context.store.outbox_depth()
    waiting = ", ".join(f"{count} {state}" for state, count in sorted(left.items()))
    click.echo(f"sent {sent} effects; outbox: {waiting or 'empty'}")


@click.command()
@click.option("--once", is_flag=True, help="Process what is due, then exit.")
@click.pass_obj
def worker(context: CliContext, once: bool) -> None:
    """Process webhook events and send effects; with no --once, run the scheduled jobs too
    (hourly sync, nightly decay, config reload) until stopped."""
    connector = context.connector
    if once:
        events, sent = connector.drain_inbox(), connector.dispatch_due()
        click.echo(f"processed {events} events, sent {sent} effects")
        return
    scheduler = connector.scheduler()
    scheduler.start()
    click.echo(f"worker {connector.worker_id} running; Ctrl-C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        scheduler.shutdown()


def _show_queue(name: str, depth: dict[str, int], items: list[QueueItem]) -> None:
    """The queue's counts by state, then the listed items (or a line saying there are none)."""
    counts = ", ".join(f"{count} {state}" for state, count in sorted(depth.items()))
    title = f"{name}: {counts or 'empty'}"
    if not items:
        click.echo(f"{title}; nothing in the listed states")
        return
    table = Table(title=title)
    for column in ("id", "key", "kind", "contact", "state", "attempts", "due", "error"):
        table.add_column(column)
    for item in items:
        table.add_row(
            str(item.id),
            item.key,
            item.kind,
            item.contact_id or "",
            item.state,
            str(item.attempts),
            item.due_at.isoformat(timespec="seconds"),
            (item.error or "")[:80],
        )
    Console().print(table)


@click.group(invoke_without_command=True)
@click.option(
    "--state",
    "states",
    multiple=True,
    default=("pending", "parked"),
    show_default=True,
    help="Which states to list (repeatable).",
)
@click.pass_context
def inbox(context: click.Context, states: tuple[str, ...]) -> None:
    """List webhook events waiting or parked after repeated failures."""
    if context.invoked_subcommand is None:
        store = context.obj.store
        _show_queue("inbox", store.inbox_depth(), store.list_inbox(states))


@inbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.pass_obj
def inbox_retry(context: CliContext, ids: tuple[int, ...]) -> None:
    """Put parked events (all, or those with the given ids) back in line."""
    count = context.store.requeue_inbox(utc_now(), ids)
    click.echo(f"requeued {count} events")


@click.group(invoke_without_command=True)
@click.option(
    "--state",
    "states",
    multiple=True,
    default=("pending", "sending", "parked"),
    show_default=True,
    help="Which states to list (repeatable).",
)
@click.pass_context
def outbox(context: click.Context, states: tuple[str, ...]) -> None:
    """List effects waiting to be sent, in flight, or parked on a permanent error."""
    if context.invoked_subcommand is None:
        store = context.obj.store
        _show_queue("outbox", store.outbox_depth(), store.list_outbox(states))


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.pass_obj
def outbox_retry(context: CliContext, ids: tuple[int, ...]) -> None:
    """Put parked effects (all, or those with the given ids) back in line."""
    count = context.store.requeue_effects(utc_now(), ids)
    click.echo(f"requeued {count} effects")


@click.group()
def hubspot() -> None:
    """Prepare the HubSpot portal for leadflow."""


@hubspot.command()
@click.pass_obj
def setup(context: CliContext) -> None:
    """Create leadflow's property group and custom contact properties (safe to repeat)."""
    created = context.connector.prepare_portal()
    click.echo(f"created {', '.join(created)}" if created else "all properties already exist")
