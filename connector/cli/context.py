"""What every subcommand shares: settings read once, a store opened on demand."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import NoReturn

import click
from sqlalchemy.exc import SQLAlchemyError

from connector.logging import configure_logging
from connector.services import Connector, build_connector
from connector.settings import Settings
from connector.store import Store
from connector.workflows import ConfigError

EXIT_SETUP_ERROR = 2


def fail(message: str) -> NoReturn:
    """Stop with one line on stderr and exit code 2 (a setup problem, not a crash)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_SETUP_ERROR)


@dataclass
class CliContext:
    env_file: str
    overrides: dict[str, str] = field(default_factory=dict)
    _settings: Settings | None = None
    _store: Store | None = None
    _connector: Connector | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            environ = {**os.environ, **self.overrides}
            self._settings = Settings.from_environment(environ, dotenv_path=self.env_file)
            configure_logging(
                self._settings.log_level, self._settings.log_format, self._settings.secrets
            )
        return self._settings

    @property
    def store(self) -> Store:
        """The store, reachable or the command stops with a one-line error."""
        if self._store is None:
            store = Store.from_url(self.settings.database_url)
            try:
                store.ping()
            except SQLAlchemyError as error:
                fail(f"DATABASE_URL: cannot reach the database ({_first_line(error)})")
            self._store = store
        return self._store

    @property
    def connector(self) -> Connector:
        """Every part of the running connector; a broken config stops with its errors."""
        if self._connector is None:
            try:
                self._connector = build_connector(self.settings, self.store)
            except ConfigError as error:
                for line in error.errors:
                    click.echo(line, err=True)
                fail(
                    f"LEADFLOW_CONFIG_DIR: {self.settings.config_dir} has "
                    f"{len(error.errors)} problem(s); see above"
                )
        return self._connector


def _first_line(error: Exception) -> str:
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__
