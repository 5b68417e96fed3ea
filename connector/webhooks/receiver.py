"""`POST /webhooks/hubspot`: verify, store in the inbox, answer at once.

The request never calls HubSpot: it checks the signature, validates the shape,
writes the batch to the inbox in one transaction (duplicates are ignored by the
database) and answers 200. Anything refused is stored nowhere and answered with
a JSON error whose status tells HubSpot whether to retry (401/400/413: no;
503: yes).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime

import structlog
from flask import Blueprint, current_app, jsonify, request
from prometheus_client import Counter
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from connector.settings import Settings
from connector.store import InboxEvent, Store
from connector.webhooks import events, signatures

log = structlog.get_logger(__name__)
blueprint = Blueprint("webhooks", __name__)

EVENTS = Counter("leadflow_webhook_events", "Webhook events received, by outcome", ["outcome"])
REJECTIONS = Counter(
    "leadflow_webhook_rejections", "Webhook requests refused, by reason", ["reason"]
)
WORKFLOW_SECRET_HEADER = "X-Leadflow-Workflow-Secret"


class Refused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def _settings() -> Settings:
    return current_app.extensions["leadflow.settings"]


def _now() -> datetime:
    clock: Callable[[], datetime] = current_app.extensions["leadflow.clock"]
    return clock()


def _body() -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Refused(
            413, "too_large", f"body larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes"
        ) from None


def _signed_uri(settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/") + request.full_path.rstrip("?")
    return request.url


def _verify_signature(body: bytes) -> None:
    settings = _settings()
    if not settings.hubspot_client_secret:
        raise Refused(
            503, "not_configured", "HUBSPOT_CLIENT_SECRET is not set; cannot verify webhooks"
        )
    try:
        signatures.verify(
            request.headers,
            request.method,
            _signed_uri(settings),
            body,
            settings.hubspot_client_secret,
            _now(),
            settings.webhook_signature_versions,
        )
    except signatures.InvalidSignature as error:
        raise Refused(401, "signature", f"invalid signature: {error.reason}") from None


def _store(batch: list[InboxEvent]) -> tuple[int, int]:
    store: Store = current_app.extensions["leadflow.store"]
    try:
        new = store.add_inbox_events(batch, _now())
    except SQLAlchemyError as error:
        log.error("webhook.store_failed", error=type(error).__name__)
        raise Refused(503, "storage", "could not store the events; retry later") from None
    EVENTS.labels("accepted").inc(new)
    EVENTS.labels("duplicate").inc(len(batch) - new)
    if len(batch) > new:
        log.info("webhook.duplicate", count=len(batch) - new)
    return new, len(batch) - new


@blueprint.post("/webhooks/hubspot")
def receive_events():
    """HubSpot's Webhooks API: a signed JSON array of events."""
    body = _body()
    _verify_signature(body)
    try:
        batch = events.parse_batch(body)
    except events.BadPayload as error:
        raise Refused(400, "malformed", error.reason) from None
    accepted, duplicates = _store(batch)
    log.info("webhook.accepted", events=len(batch), new=accepted)
    return jsonify(status="ok", accepted=accepted, duplicates=duplicates)


@blueprint.post("/webhooks/hubspot/workflow")
def receive_workflow_call():
    """A workflow's "Send a webhook" action: one contact, signed or with the shared secret."""
    body = _body()
    secret = _settings().workflow_secret
    given = request.headers.get(WORKFLOW_SECRET_HEADER)
    if given is not None:
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise Refused(401, "signature", "invalid workflow secret")
    else:
        _verify_signature(body)
    try:
        event = events.parse_workflow_call(body, _now())
    except events.BadPayload as error:
        raise Refused(400, "malformed", error.reason) from None
    accepted, duplicates = _store([event])
    return jsonify(status="ok", accepted=accepted, duplicates=duplicates)


@blueprint.errorhandler(Refused)
def refuse(error: Refused):
    REJECTIONS.labels(error.reason).inc()
    log.warning("webhook.rejected", reason=error.reason, detail=error.message, status=error.status)
    response = jsonify(status="error", category=error.reason.upper(), message=error.message)
    if error.status == 503:
        response.headers["Retry-After"] = "30"
    return response, error.status
