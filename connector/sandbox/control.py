"""Sandbox-only control routes (`/_sandbox/...`, bearer token required), for scripts and demos.

- `POST /_sandbox/webhooks`: body a JSON array of (partial) webhook events, sent
  as HubSpot would send them; missing fields are filled in (portalId, appId,
  eventId, occurredAt, attemptNumber 0). Answers 202, or 409 without a webhook URL.
- `GET /_sandbox/sends`: every single-send email recorded, oldest first.
"""

from __future__ import annotations

from flask import Blueprint, request

from connector.sandbox.shapes import ApiError, iso, validation_error
from connector.sandbox.web import sandbox

blueprint = Blueprint("control", __name__, url_prefix="/_sandbox")


@blueprint.post("/webhooks")
def trigger_webhooks():
    state = sandbox()
    events = request.get_json(silent=True)
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise validation_error("Body must be a JSON array of event objects")
    if state.webhooks is None:
        raise ApiError(409, "This sandbox has no webhook URL (--webhook-url)", "CONFLICT")
    now = state.world.now()
    defaults = {
        "portalId": state.world.portal_id,
        "appId": state.options.app_id,
        "occurredAt": now,
        "attemptNumber": 0,
        "subscriptionId": 0,
        "changeSource": "CRM",
    }
    state.webhooks.emit(
        [{"eventId": state.webhooks.next_event_id(), **defaults, **event} for event in events]
    )
    return {"queued": len(events)}, 202


@blueprint.get("/sends")
def list_sends():
    world = sandbox().world
    with world.lock:
        return {
            "results": [
                {
                    "statusId": send.status_id,
                    "sendId": send.send_id,
                    "emailId": send.email_id,
                    "to": send.to,
                    "requestedAt": iso(send.requested_ms),
                    "sendResult": send.send_result,
                    "contactProperties": send.contact_properties,
                    "customProperties": send.custom_properties,
                }
                for send in world.sends
            ]
        }
