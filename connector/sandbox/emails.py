"""Single-send email: the two published endpoints, `sendId` idempotency, and the status look-up.

Served [spec: transactional single-send v3 and marketing single-send v4, same
request shape; `EmailSendStatusView` response]:
- `POST /marketing/v3/transactional/single-email/send` and
  `POST /marketing/v4/email/single-send`: `emailId` (integer) and `message.to`
  are required (400 otherwise). "No more than one email will be sent per
  sendId" [spec]: a repeat with the same sendId, recipient and email answers the
  first send's status with `sendResult: IDEMPOTENT_IGNORE`; a sendId reused for
  another recipient or email answers `IDEMPOTENT_FAIL`; neither sends [spec
  enum values; behaviour unverified].
- A recipient who opted out answers `PREVIOUSLY_UNSUBSCRIBED_PORTAL`, one who
  hard-bounced `PREVIOUSLY_BOUNCED`; nothing is sent [spec enum values].
- The recipient becomes a contact if unknown; `contactProperties` are written
  to the contact [spec]. A sent email records SENT and DELIVERED email events.
- `GET /marketing/v3/email/send-statuses/{statusId}` [unverified path] answers
  the same view with `status: COMPLETE`.
Both send endpoints are exempt from rate limits [spec].
"""

from __future__ import annotations

import uuid

from flask import Blueprint

from connector.sandbox import engagement
from connector.sandbox.shapes import JsonObject, iso, not_found, validation_error
from connector.sandbox.web import json_body, sandbox
from connector.sandbox.world import Send, World

blueprint = Blueprint("emails", __name__)


def status_json(send: Send, status: str, send_result: str | None = None) -> JsonObject:
    """`EmailSendStatusView` for a recorded send."""
    return {
        "statusId": send.status_id,
        "status": status,
        "sendResult": send_result or send.send_result,
        "requestedAt": iso(send.requested_ms),
        "startedAt": iso(send.requested_ms),
        "completedAt": iso(send.requested_ms),
        "eventId": {"id": send.status_id, "created": iso(send.requested_ms)},
    }


def _parse(body: JsonObject) -> tuple[int, str, str | None]:
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    email_id, to = body.get("emailId"), str(message.get("to") or "").strip()
    if not isinstance(email_id, int) or isinstance(email_id, bool):
        raise validation_error(
            "emailId is required and must be an integer", context={"emailId": [str(email_id)]}
        )
    if "@" not in to:
        raise validation_error(
            "message.to is required and must be an email address", context={"to": [to]}
        )
    send_id = message.get("sendId")
    return email_id, to, (str(send_id) if send_id else None)


def send(world: World, body: JsonObject) -> tuple[Send, str]:
    """Records one send request under the rules above; returns (send, sendResult to answer)."""
    email_id, to, send_id = _parse(body)
    previous = world.sends_by_send_id.get(send_id) if send_id else None
    if previous is not None:
        same = previous.to.lower() == to.lower() and previous.email_id == email_id
        return previous, ("IDEMPOTENT_IGNORE" if same else "IDEMPOTENT_FAIL")
    contact_properties = world.contacts.validate(body.get("contactProperties") or {})
    now = world.now()
    record = world.contacts.get(to, "email") or world.contacts.create(
        {"email": to}, now, source="EMAIL"
    )
    result = "SENT"
    if record.props.get("hs_email_optout") == "true":
        result = "PREVIOUSLY_UNSUBSCRIBED_PORTAL"
    elif int(float(record.props.get("hs_email_bounce") or 0)) > 0:
        result = "PREVIOUSLY_BOUNCED"
    outcome = Send(
        status_id=str(uuid.uuid4()),
        send_id=send_id,
        email_id=email_id,
        to=to,
        requested_ms=now,
        send_result=result,
        contact_properties=contact_properties,
        custom_properties=dict(body.get("customProperties") or {}),
    )
    world.statuses[outcome.status_id] = outcome
    if send_id:
        world.sends_by_send_id[send_id] = outcome
    if result == "SENT":
        world.sends.append(outcome)
        world.contacts.apply(record, contact_properties, now, source="EMAIL")
        for kind in ("SENT", "DELIVERED"):
            engagement.email_event(world, record, to, kind, email_id, now)
    return outcome, result


@blueprint.post("/marketing/v3/transactional/single-email/send")
@blueprint.post("/marketing/v4/email/single-send")
def single_send():
    body = json_body()
    world = sandbox().world
    with world.lock:
        outcome, result = send(world, body)
        return status_json(outcome, "PENDING", result)


@blueprint.get("/marketing/v3/email/send-statuses/<status_id>")
def send_status(status_id: str):
    world = sandbox().world
    with world.lock:
        outcome = world.statuses.get(status_id)
        if outcome is None:
            raise not_found()
        return status_json(outcome, "COMPLETE")
