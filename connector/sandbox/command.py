"""`connector sandbox`: the HubSpot sandbox as its own process.

The CLI group registers `sandbox_command`.

Prints the base URL, the accepted token and the webhook client secret at
start-up, so the connector can be pointed at it; these are the sandbox's own
demo values unless given, never real credentials.
"""

from __future__ import annotations

import signal

import click

from connector.sandbox.demo_data import populate
from connector.sandbox.limits import parse_fault
from connector.sandbox.server import (
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    SandboxOptions,
    SandboxServer,
    create_app,
)
from connector.sandbox.site import install_forms
from connector.sandbox.world import World


def _faults(context, parameter, values):
    try:
        return [parse_fault(value) for value in values]
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--contacts",
    default=500,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="Demo contacts to generate (up to 1,000,000; about 4 kB and 0.1 ms each).",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Seed of the demo data; the same seed gives the same portal.",
)
@click.option(
    "--token", default=DEMO_TOKEN, show_default=True, help="The bearer token the sandbox accepts."
)
@click.option(
    "--client-secret",
    default=DEMO_CLIENT_SECRET,
    show_default=True,
    help="Secret the webhook sender signs requests with.",
)
@click.option(
    "--webhook-url",
    default=None,
    help="Where to post webhook events, e.g. http://127.0.0.1:8000/webhooks/hubspot "
    "(none if unset).",
)
@click.option(
    "--webhook-property",
    "webhook_properties",
    multiple=True,
    help="Contact property whose changes are posted as contact.propertyChange (repeatable; "
    f"default: {', '.join(SandboxOptions.webhook_properties)}).",
)
@click.option(
    "--webhook-backoff",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds before the first webhook retry; each later retry waits twice as long.",
)
@click.option(
    "--rate-limit",
    default=190,
    show_default=True,
    type=click.IntRange(1),
    help="Requests per token per rolling 10 seconds (TEN_SECONDLY_ROLLING).",
)
@click.option(
    "--search-rate-limit",
    default=5,
    show_default=True,
    type=click.IntRange(1),
    help="Search requests per token per second (SECONDLY).",
)
@click.option(
    "--daily-limit",
    default=650_000,
    show_default=True,
    type=click.IntRange(1),
    help="Requests per token per day (DAILY), reset at midnight UTC.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=_faults,
    metavar="KIND:RATE[:PATTERN[:DELAY_S]]",
    help="Inject a fault (500, 502, 503, 504, 429, slow, timeout, drop) into a share of "
    "matching requests, e.g. 503:0.05:/crm/* (repeatable).",
)
@click.option(
    "--fault-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Shortcut: answer this share of all API requests with 503.",
)
@click.option(
    "--fault-seed",
    default=1,
    show_default=True,
    type=int,
    help="Seed of the fault draws, to replay a run.",
)
def sandbox_command(
    host: str,
    port: int,
    contacts: int,
    seed: int,
    token: str,
    client_secret: str,
    webhook_url: str | None,
    webhook_properties: tuple[str, ...],
    webhook_backoff: float,
    rate_limit: int,
    search_rate_limit: int,
    daily_limit: int,
    faults: list,
    fault_rate: float,
    fault_seed: int,
) -> None:
    """Run a local stand-in for HubSpot's API, with demo data, a demo site and webhooks."""
    options = SandboxOptions(
        token=token,
        client_secret=client_secret,
        rate_limit=rate_limit,
        search_rate_limit=search_rate_limit,
        daily_limit=daily_limit,
        faults=faults + ([parse_fault(f"503:{fault_rate}")] if fault_rate else []),
        fault_seed=fault_seed,
        webhook_url=webhook_url,
        webhook_backoff_s=webhook_backoff,
    )
    if webhook_properties:
        options.webhook_properties = webhook_properties
    world = World()
    install_forms(world)
    if contacts:
        with click.progressbar(length=contacts, label="Generating demo contacts", file=None) as bar:
            populate(world, contacts, seed, progress=bar.update)
    server = SandboxServer(create_app(world, options), host, port)
    click.echo(f"HubSpot sandbox on {server.base_url}  ({contacts} contacts, seed {seed})")
    click.echo(f"  token:          {token}")
    click.echo(f"  client secret:  {client_secret}")
    click.echo(f"  demo site:      {server.base_url}/site/")
    click.echo(f"  webhooks to:    {webhook_url or '(none: pass --webhook-url)'}")
    click.echo(f"Point the connector at it: HUBSPOT_BASE_URL={server.base_url}")
    click.echo("  HUBSPOT_ACCESS_TOKEN=<token above>  HUBSPOT_CLIENT_SECRET=<client secret above>")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    finally:
        server.stop()
        click.echo("Sandbox stopped.")


def _interrupt(signum, frame) -> None:
    """SIGTERM stops the server as Ctrl-C does: its loop ends on KeyboardInterrupt."""
    raise KeyboardInterrupt
