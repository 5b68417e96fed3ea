"""Hot reload: the running config is replaced only by a valid one, atomically.

This is the file-reading edge of the config: the service calls `check()` on
a schedule; evaluations read `current` once each and so always see one whole
config, old or new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import structlog

from connector.workflows.config.loader import (
    Config,
    content_version,
    parse_config,
    read_config_files,
)
from connector.workflows.config.source import ConfigError

Reader = Callable[[Path], Mapping[str, bytes]]


class ConfigReloader:
    """Holds the running `Config` of a directory and swaps in valid changes.

    The constructor loads the directory and raises `ConfigError` when it is
    invalid, so a service never starts on a bad config.
    """

    def __init__(
        self, directory: Path | str, read: Reader = read_config_files, log: Any = None
    ) -> None:
        self._directory = Path(directory)
        self._read = read
        self._log = log or structlog.get_logger(__name__)
        self._current = self._parse(self._read(self._directory))
        self._rejected: str | None = None

    @property
    def current(self) -> Config:
        return self._current

    def _parse(self, files: Mapping[str, bytes]) -> Config:
        return parse_config(files, origin=f"{self._directory.as_posix()}/")

    def check(self) -> Config | None:
        """Reload if the files changed: the new config when it was swapped in, else None.

        1. Read the files and hash them; the running ones or the ones just
           rejected (already logged) → None.
        2. Invalid → log `config.rejected` with every error; the running config stays.
        3. Valid → swap it in and log `config.reloaded` with old and new versions.
        """
        try:
            files = self._read(self._directory)
        except ConfigError as error:
            return self._reject("unreadable", error)
        version = content_version(files)
        if version == self._current.version:
            self._rejected = None
            return None
        if version == self._rejected:
            return None
        try:
            config = self._parse(files)
        except ConfigError as error:
            return self._reject(version, error)
        previous, self._current, self._rejected = self._current, config, None
        self._log.info("config.reloaded", version=config.version, previous=previous.version)
        return config

    def _reject(self, version: str, error: ConfigError) -> None:
        if version != self._rejected:
            self._log.warning(
                "config.rejected",
                version=version,
                errors=list(error.errors),
                running=self._current.version,
            )
        self._rejected = version
        return None
