"""HubSpot's form submission endpoint, as published, and what a submission does.

`POST /submissions/v3/integration/submit/{portalId}/{formGuid}` [doc: forms
submission v3; no authentication]. Body `{"submittedAt": "<ms>", "fields":
[{"objectTypeId": "0-1", "name": "email", "value": "..."}], "context":
{"hutk": "...", "pageUri": "...", "pageName": "..."}}`. Answers 200
`{"inlineMessage": "Thanks for submitting the form."}`; 404 for an unknown
portal or form; 400 `{"status": "error", "message": "The request is not valid",
"errors": [{"message": "Error in 'fields.email'. ...", "errorType": ...}]}` for
a missing or invalid email or an unknown field [2nd].

A submission, in order:
1. finds the contact by email, or creates it (webhook: contact.creation);
2. writes the submitted fields and the form's lifecycle stage (forward only);
3. attributes the visitor's anonymous page views (`hutk`) to the contact;
4. records `e_submitted_form` and moves the conversion properties
   (num_conversion_events, recent_conversion_*, first_conversion_*), which
   webhook subscribers see as contact.propertyChange;
5. for a webinar registration form, records `e_registered_marketing_event`.
"""

from __future__ import annotations

from flask import Blueprint

from connector.sandbox import engagement
from connector.sandbox.objects import Record
from connector.sandbox.shapes import ApiError, JsonObject, correlation_id, parse_time
from connector.sandbox.web import json_body, sandbox
from connector.sandbox.world import Form, World

blueprint = Blueprint("forms", __name__)


def invalid(message: str, error_type: str) -> ApiError:
    return ApiError(
        400,
        "The request is not valid",
        "VALIDATION_ERROR",
        errors=[{"message": message, "errorType": error_type}],
    )


def _fields(form: Form, body: JsonObject) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in body.get("fields") or []:
        name, value = str(item.get("name", "")), str(item.get("value", ""))
        if name not in form.fields:
            raise invalid(
                f"Error in 'fields.{name}'. Field '{name}' is not in the form",
                "FIELD_NOT_IN_FORM_DEFINITION",
            )
        values[name] = value.strip()
    email = values.get("email", "")
    if not email:
        raise invalid(
            "Error in 'fields.email'. Required field 'email' is missing", "REQUIRED_FIELD"
        )
    local, _, domain = email.partition("@")
    if not local or "." not in domain:
        raise invalid("Error in 'fields.email'. Invalid email address", "INVALID_EMAIL")
    return values


def submit(world: World, form: Form, body: JsonObject) -> Record:
    """Applies one submission (steps 1-5 above); callers hold the world lock."""
    values = _fields(form, body)
    context = body.get("context") or {}
    submitted = body.get("submittedAt")
    at_ms = parse_time(submitted) if submitted else world.now()
    properties = world.contacts.validate({**values, "lifecyclestage": form.lifecycle_stage})
    record = world.contacts.get(values["email"], "email")
    if record is None:
        record = world.contacts.create(properties, at_ms, source="FORM")
    else:
        world.contacts.apply(record, properties, at_ms, source="FORM")
    hutk = context.get("hutk")
    if hutk:
        world.visitor_contacts[hutk] = record.id
        for url, title, viewed_ms in world.visitors.pop(hutk, []):
            engagement.page_view(world, record, url, title, viewed_ms)
    page_url, page_name = str(context.get("pageUri", "")), str(context.get("pageName", ""))
    engagement.form_submission(
        world, record, form.guid, form.name, at_ms, page_url=page_url, page_name=page_name
    )
    if form.marketing_event:
        event_id, name = form.marketing_event
        engagement.marketing_event(
            world, record, engagement.WEBINAR_REGISTRATION, event_id, name, at_ms
        )
    return record


@blueprint.post("/submissions/v3/integration/submit/<portal_id>/<form_guid>")
def submit_form(portal_id: str, form_guid: str):
    world = sandbox().world
    body = json_body()
    with world.lock:
        form = world.forms.get(form_guid)
        if portal_id != str(world.portal_id) or form is None:
            raise ApiError(
                404, f"Form {form_guid} not found in portal {portal_id}", "OBJECT_NOT_FOUND"
            )
        submit(world, form, body)
    return {"inlineMessage": "Thanks for submitting the form.", "correlationId": correlation_id()}
