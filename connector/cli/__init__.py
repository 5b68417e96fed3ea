"""The `connector` command: one group, one module per family of subcommands."""

from __future__ import annotations

import sys

import click

from connector.cli.config_commands import make_config_commands
from connector.cli.contact import contact
from connector.cli.context import CliContext, fail
from connector.cli.database import db
from connector.cli.operations import dispatch, hubspot, inbox, outbox, sync, worker
from connector.cli.planned import stored_contacts, stored_funnel, stored_planned, stored_runs
from connector.cli.report import report
from connector.cli.serve import serve
from connector.lifecycle import ContactFacts
from connector.sandbox.command import sandbox_command
from connector.services import settings_clock
from connector.settings import SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--env-file",
    default=".env",
    show_default=True,
    metavar="PATH",
    help="Read variables from this file before the environment.",
)
@click.pass_context
def cli(context: click.Context, env_file: str) -> None:
    """leadflow: scores HubSpot contacts, moves them along the funnel,
    nurtures leads and gives sales CALL tasks.

    Settings come from the environment and .env (see .env.example).
    """
    context.obj = CliContext(env_file=env_file)


@cli.command()
def version() -> None:
    """Print the connector's version."""
    from importlib.metadata import version as package_version

    click.echo(f"leadflow-connector {package_version('leadflow-connector')}")


def _context() -> CliContext:
    return click.get_current_context().find_object(CliContext)


def _stored_contact(id_or_email: str) -> ContactFacts | None:
    history = _context().store.contact_history(id_or_email)
    return ContactFacts(*history) if history else None


for command in make_config_commands(
    lambda: stored_contacts(_context().store),
    _stored_contact,
    active_config_dir=lambda: _context().settings.config_dir,
    clock=lambda: settings_clock(_context().settings)(),
    count_contacts=lambda: _context().store.contact_count(),
    planned_of=lambda contact_ids: stored_planned(_context().store, contact_ids),
    funnel=lambda now: stored_funnel(_context().store, now),
    contact_runs=lambda: stored_runs(_context().store),
):
    cli.add_command(command)
cli.add_command(serve)
cli.add_command(db)
cli.add_command(report)
for command in (sync, dispatch, worker, inbox, outbox, hubspot, contact):
    cli.add_command(command)
cli.add_command(sandbox_command, name="sandbox")


def main() -> None:
    """Console-script entry point: settings problems exit with code 2 and one line."""
    try:
        cli.main(standalone_mode=True)
    except SettingsError as error:
        fail(str(error))


__all__ = ["cli", "main", "fail", "CliContext"]
if __name__ == "__main__":
    sys.exit(main())
