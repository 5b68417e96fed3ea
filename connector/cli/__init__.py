"""The `connector` command: one group, one module per family of subcommands."""

from __future__ import annotations

import sys

import click

from connector.cli.context import CliContext, fail
from connector.cli.database import db
from connector.cli.report import report
from connector.cli.serve import serve
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


cli.add_command(serve)
cli.add_command(db)
cli.add_command(report)


def main() -> None:
    """Console-script entry point: settings problems exit with code 2 and one line."""
    try:
        cli.main(standalone_mode=True)
    except SettingsError as error:
        fail(str(error))


__all__ = ["cli", "main", "fail", "CliContext"]
if __name__ == "__main__":
    sys.exit(main())
