"""`connector serve`: the long-running service, alone, on the demo sandbox, or under gunicorn."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import click
import structlog

from connector import store as store_room
from connector.app import create_app
from connector.cli.context import CliContext
from connector.sandbox import running_sandbox

log = structlog.get_logger(__name__)
DEMO_CONTACTS = 500
# gunicorn's default access line without the query string: `/dashboard?token=...` must
# not write the dashboard token to the log (the path, status and timing are what matter).
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'


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
    help="Start the built-in HubSpot sandbox with demo "
    "contacts and run against it: no HubSpot account or token needed.",
)
@click.option(
    "--demo-contacts",
    default=DEMO_CONTACTS,
    show_default=True,
    help="How many demo contacts the sandbox starts with.",
)
@click.option(
    "--production",
    is_flag=True,
    help="Serve HTTP with gunicorn (WEB_CONCURRENCY "
    "workers) and run the jobs in one companion `connector worker` process.",
)
@click.option("--no-jobs", is_flag=True, help="Serve HTTP only; run `connector worker` elsewhere.")
@click.pass_obj
def serve(
    context: CliContext,
    host: str,
    port: int,
    demo: bool,
    demo_contacts: int,
    production: bool,
    no_jobs: bool,
) -> None:
    """Serve webhooks, the dashboard, health and metrics, and run the scheduled jobs
    (inbox, outbox, hourly sync, nightly decay, config reload).
    Applies pending database migrations first."""
    base = f"http://{host}:{port}"
    with contextlib.ExitStack() as stack:
        if demo:
            sandbox = stack.enter_context(
                running_sandbox(
                    contacts=demo_contacts, seed=1, webhook_url=f"{base}/webhooks/hubspot"
                )
            )
            context.overrides.update(
                {
                    "LEADFLOW_DEMO": "true",
                    "HUBSPOT_BASE_URL": sandbox.base_url,
                    "HUBSPOT_ACCESS_TOKEN": sandbox.token,
                    "HUBSPOT_CLIENT_SECRET": sandbox.client_secret,
                }
            )
            click.echo(
                f"demo: HubSpot sandbox on {sandbox.base_url} with {demo_contacts} "
                f"contacts; walk the funnel at {sandbox.base_url}/site/"
            )
        settings = context.settings
        settings.require_hubspot_access()
        store_room.upgrade(context.store.engine)
        connector = context.connector
        click.echo(
            f"leadflow serving on {base}  (dashboard: {base}/dashboard, health: "
            f"{base}/healthz, ready: {base}/readyz, metrics: {base}/metrics)"
        )
        if production:
            _serve_with_gunicorn(context, host, port, no_jobs)
            return
        if not no_jobs:
            scheduler = connector.scheduler()
            scheduler.start()
            stack.callback(scheduler.shutdown, wait=False)
        create_app(settings, context.store, connector.clock).run(
            host=host, port=port, threaded=True, use_reloader=False
        )


def _serve_with_gunicorn(context: CliContext, host: str, port: int, no_jobs: bool) -> None:
    from gunicorn.app.wsgiapp import WSGIApplication

    jobs = (
        None
        if no_jobs
        else subprocess.Popen(
            [sys.executable, "-m", "connector.cli", "--env-file", context.env_file, "worker"]
        )
    )
    sys.argv = [
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "connector.wsgi:app",
    ]
    try:
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    finally:
        if jobs is not None:
            jobs.terminate()
            jobs.wait(timeout=30)
