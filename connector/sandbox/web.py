"""Small helpers every sandbox route uses: the running sandbox, JSON in, lists in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, request

from connector.sandbox.shapes import JsonObject, validation_error

if TYPE_CHECKING:
    from connector.sandbox.server import Sandbox


def sandbox() -> Sandbox:
    """The `Sandbox` (world, options, log, limiter) the current app serves."""
    return current_app.extensions["sandbox"]


def json_body() -> JsonObject:
    """The request's JSON object; a missing or malformed body is HubSpot's 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise validation_error(
            "Invalid input JSON on line 1, column 1: request body must be an object"
        )
    return body


def list_arg(name: str) -> list[str]:
    """A list query parameter sent either repeated (`a=x&a=y`) or comma-separated."""
    values: list[str] = []
    for raw in request.args.getlist(name):
        values.extend(part for part in raw.split(",") if part)
    return values


def flag_arg(name: str) -> bool:
    return request.args.get(name, "false").lower() == "true"


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer parameter within [low, high], `default` when absent; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise validation_error(f"{name} must be an integer; got {raw!r}") from error
    if not low <= value <= high:
        raise validation_error(f"{name} must be between {low} and {high}; got {value}")
    return value
