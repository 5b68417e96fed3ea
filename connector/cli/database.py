"""`connector db ...`: schema migrations."""

from __future__ import annotations

import click

from connector import store as store_room
from connector.cli.context import CliContext


@click.group()
def db() -> None:
    """Manage the connector's database schema."""


@db.command()
@click.pass_obj
def upgrade(context: CliContext) -> None:
    """Apply every pending migration (safe to run again)."""
    store = context.store
    store_room.upgrade(store.engine)
    click.echo(f"database at revision {store_room.current_revision(store.engine)}")


@db.command()
@click.pass_obj
def check(context: CliContext) -> None:
    """Exit 1 when the database schema and the code's tables disagree."""
    store = context.store
    current, head = store_room.current_revision(store.engine), store_room.head_revision()
    drift = store_room.schema_drift(store.engine) if current == head else []
    if current != head:
        click.echo(f"database at revision {current}, code expects {head}", err=True)
    for difference in drift:
        click.echo(f"drift: {difference}", err=True)
    if current != head or drift:
        raise SystemExit(1)
    click.echo(f"schema matches the code (revision {head})")
