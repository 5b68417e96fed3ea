"""Structured logs: JSON lines for machines, readable lines on a terminal.

A redaction processor runs last-but-one, so no configured secret, bearer token
or Authorization header value can reach the output, whoever logged it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

import structlog

REDACTED = "[redacted]"
_SENSITIVE_KEYS = re.compile(r"authorization|token|secret|password|signature", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


class Redactor:
    """A structlog processor that scrubs secrets from every field of an event."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = tuple(s for s in secrets if len(s) >= 4)

    def scrub(self, value: object) -> object:
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, REDACTED)
            return _BEARER.sub(rf"\1{REDACTED}", value)
        if isinstance(value, dict):
            return {
                k: REDACTED if _SENSITIVE_KEYS.search(str(k)) else self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return type(value)(self.scrub(v) for v in value)
        return value

    def __call__(self, _logger, _method, event_dict: dict) -> dict:
        return self.scrub(event_dict)


def configure_logging(level: str = "info", fmt: str = "auto", secrets: Iterable[str] = ()) -> None:
    """Set up structlog and the standard library's root logger once per process."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    numeric_level = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            Redactor(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(
        level=numeric_level, stream=sys.stderr, format="%(name)s %(message)s", force=True
    )
    for chatty in ("werkzeug", "alembic", "urllib3", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(numeric_level, logging.WARNING))
