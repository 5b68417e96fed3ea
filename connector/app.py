"""Composition root: builds the parts from Settings and hands them to Flask.

`create_app(settings)` is the only place that knows how the rooms fit together;
tests pass their own parts (a store on a temporary database, a sandbox gateway).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, jsonify, redirect, url_for
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from connector import reports, webhooks
from connector import store as store_room
from connector.settings import Settings
from connector.store import Store

MAX_REQUEST_BYTES = 1024 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings, store: Store | None = None, clock: Callable[[], datetime] = utc_now
) -> Flask:
    """A Flask app serving the connector's HTTP endpoints over `store`."""
    app = Flask("connector")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.extensions["leadflow.settings"] = settings
    app.extensions["leadflow.store"] = store or Store.from_url(settings.database_url)
    app.extensions["leadflow.clock"] = clock
    app.register_blueprint(webhooks.blueprint)

    @app.get("/")
    def home():
        return redirect(url_for("dashboard.dashboard"))

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        problems = readiness_problems(app.extensions["leadflow.store"])
        return jsonify(status="ready" if not problems else "not ready", problems=problems), (
            503 if problems else 200
        )

    @app.get("/metrics")
    def metrics():
        return generate_latest(), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    reports.init_app(app)
    return app


def readiness_problems(store: Store) -> list[str]:
    """What stops this process from doing useful work right now; [] when ready."""
    try:
        store.ping()
    except Exception as error:  # any driver error means "not reachable"
        return [f"database unreachable: {type(error).__name__}"]
    current = store_room.current_revision(store.engine)
    head = store_room.head_revision()
    if current != head:
        return [f"database schema at {current}, code expects {head}: run `connector db upgrade`"]
    return []
