"""One typed Settings object, read once at start-up from the environment and `.env`.

Every problem names the variable it comes from, so an operator can fix it
without reading a traceback. A secret may also come from `NAME_FILE` (a path
whose content is the value), the way container secrets are mounted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

HUBSPOT_API_URL = "https://api.hubapi.com"
SECRET_VARIABLES = (
    "HUBSPOT_ACCESS_TOKEN",
    "HUBSPOT_CLIENT_SECRET",
    "LEADFLOW_DASHBOARD_TOKEN",
    "LEADFLOW_WORKFLOW_SECRET",
)


class SettingsError(ValueError):
    """A variable is missing or invalid; the message names it."""


def _text(raw: str) -> str:
    return raw.strip()


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 1:
        raise ValueError("must be a number above 0 and at most 1")
    return value


def _flag(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be true or false")


def _flag_or_auto(raw: str) -> bool | None:
    """`auto` (None: the connector decides) or a flag."""
    if raw.strip().lower() in {"auto", ""}:
        return None
    try:
        return _flag(raw)
    except ValueError:
        raise ValueError("must be auto, true or false") from None


def _instant(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValueError("must be an ISO 8601 time with its offset, e.g. 2026-11-23T08:00:00Z")
    return value.astimezone(UTC)


def _database_url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError as error:
        raise ValueError(f"is not a database URL ({error})") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError("must be a sqlite:// or postgresql:// URL")
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _choice(*allowed: str):
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return parse


def _signature_versions(raw: str) -> tuple[str, ...]:
    versions = tuple(v.strip().lower() for v in raw.split(",") if v.strip())
    if not versions or set(versions) - {"v1", "v2", "v3"}:
        raise ValueError("must list signature versions among v1, v2, v3 (e.g. v3 or v1,v3)")
    return versions


def _setting(env: str, parse=_text, default: Any = None, secret: bool = False):
    return field(default=default, metadata={"env": env, "parse": parse, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Everything the connector can be told from outside; see `.env.example`."""

    hubspot_access_token: str | None = _setting("HUBSPOT_ACCESS_TOKEN", secret=True)
    hubspot_client_secret: str | None = _setting("HUBSPOT_CLIENT_SECRET", secret=True)
    hubspot_base_url: str = _setting("HUBSPOT_BASE_URL", default=HUBSPOT_API_URL)
    hubspot_rate_limit: int = _setting("HUBSPOT_RATE_LIMIT", _positive_int, 190)
    hubspot_search_rate_limit: int = _setting("HUBSPOT_SEARCH_RATE_LIMIT", _positive_int, 5)
    hubspot_daily_limit: int = _setting("HUBSPOT_DAILY_LIMIT", _positive_int, 650_000)
    hubspot_rate_budget: float = _setting("HUBSPOT_RATE_BUDGET", _fraction, 0.9)
    database_url: str = _setting("DATABASE_URL", _database_url, "sqlite:///var/leadflow.db")
    shared_rate_budget: bool | None = _setting("LEADFLOW_SHARED_RATE_BUDGET", _flag_or_auto)
    config_dir: Path = _setting("LEADFLOW_CONFIG_DIR", Path, Path("config"))
    dashboard_token: str | None = _setting("LEADFLOW_DASHBOARD_TOKEN", secret=True)
    workflow_secret: str | None = _setting("LEADFLOW_WORKFLOW_SECRET", secret=True)
    public_url: str | None = _setting("LEADFLOW_PUBLIC_URL")
    webhook_signature_versions: tuple[str, ...] = _setting(
        "LEADFLOW_WEBHOOK_SIGNATURES", _signature_versions, ("v3",)
    )
    environment: str = _setting("LEADFLOW_ENV", _choice("development", "production"), "development")
    demo: bool = _setting("LEADFLOW_DEMO", _flag, False)
    log_level: str = _setting("LOG_LEVEL", _choice("debug", "info", "warning", "error"), "info")
    log_format: str = _setting("LOG_FORMAT", _choice("auto", "json", "console"), "auto")
    # Test-only: the connector's clock stands still at this instant, so a test can
    # replay days through real `connector` processes. Refused in production.
    frozen_now: datetime | None = _setting("LEADFLOW_NOW", _instant)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line or an error page."""
        return tuple(
            value
            for item in fields(self)
            if item.metadata["secret"] and (value := getattr(self, item.name))
        )

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
    ) -> Settings:
        """Read `environ` (default: the process environment) over `.env`; raise SettingsError."""
        source: dict[str, str] = {}
        if dotenv_path and Path(dotenv_path).is_file():
            source.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        source.update(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for item in fields(cls):
            name = item.metadata["env"]
            raw = _read_variable(source, name)
            if raw is None or (raw.strip() == "" and item.default is not None):
                continue
            try:
                values[item.name] = item.metadata["parse"](raw)
            except ValueError as error:
                raise SettingsError(f"{name} {error}") from None
        settings = cls(**values)
        settings._check_consistency()
        return settings

    @property
    def shares_rate_budget(self) -> bool:
        """Whether every replica draws its HubSpot calls from one budget in the database;
        by default on PostgreSQL, where replicas share a database."""
        if self.shared_rate_budget is None:
            return self.database_url.startswith("postgresql")
        return self.shared_rate_budget

    def require_hubspot_access(self) -> None:
        """Commands that talk to HubSpot call this; the others run without a token."""
        if not self.demo and not self.hubspot_access_token:
            raise SettingsError(
                "HUBSPOT_ACCESS_TOKEN is required (or set LEADFLOW_DEMO=true to use the sandbox)"
            )

    def _check_consistency(self) -> None:
        if self.environment == "production" and not self.dashboard_token:
            raise SettingsError("LEADFLOW_DASHBOARD_TOKEN is required when LEADFLOW_ENV=production")
        if self.environment == "production" and self.frozen_now is not None:
            raise SettingsError(
                "LEADFLOW_NOW is for tests only; unset it when LEADFLOW_ENV=production"
            )


def _read_variable(source: Mapping[str, str], name: str) -> str | None:
    path = source.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise SettingsError(f"{name}_FILE cannot be read: {error.strerror}") from None
    return source.get(name)
