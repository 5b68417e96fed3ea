"""`connector serve`: the long-running service."""

from __future__ import annotations

import click

from connector import store as store_room
from connector.app import create_app
from connector.cli.context import CliContext


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    envvar="PORT",
    type=int,
    help="Port to listen on (also read from PORT).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Run against the built-in HubSpot sandbox with "
    "demo data; no HubSpot account or token needed.",
)
@click.pass_obj
def serve(context: CliContext, host: str, port: int, demo: bool) -> None:
    """Serve webhooks, the dashboard and the health endpoints, and run the
    scheduled jobs. Applies pending database migrations first."""
    if demo:
        context.overrides["LEADFLOW_DEMO"] = "true"
    settings = context.settings
    settings.require_hubspot_access()
    store = context.store
    store_room.upgrade(store.engine)
    app = create_app(settings, store)
    base = f"http://{host}:{port}"
    click.echo(
        f"leadflow serving on {base}  (health: {base}/healthz, ready: {base}/readyz, "
        f"metrics: {base}/metrics)"
    )
    app.run(host=host, port=port, threaded=True, use_reloader=False)
