"""Associations between records, and the v4 associations API that reads and writes them.

Type ids are HubSpot's HUBSPOT_DEFINED ones [sdk: hubspot/crm/association_type.py]:
TASK_TO_CONTACT = 204, CONTACT_TO_TASK = 203. Each association is stored on
both records, so either side can list it.

Served [spec: associations v4]:
- `GET  /crm/v4/objects/{type}/{id}/associations/{toType}` → MultiAssociatedObjectWithLabel list
- `PUT  /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}` (labels in body) → 201
- `PUT  /crm/v4/objects/{type}/{id}/associations/default/{toType}/{toId}` → 200 batch response
- `DELETE /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}` → 204
"""

from __future__ import annotations

from flask import Blueprint, request

from connector.sandbox.objects import Record
from connector.sandbox.shapes import JsonObject, batch_envelope, not_found, validation_error
from connector.sandbox.web import sandbox

TYPE_IDS = {("tasks", "contacts"): 204, ("contacts", "tasks"): 203}
LABELS = {204: "task_to_contact", 203: "contact_to_task"}
CANONICAL = {"contact": "contacts", "0-1": "contacts", "task": "tasks", "0-27": "tasks"}

blueprint = Blueprint("associations", __name__)


def canonical(object_type: str) -> str:
    return CANONICAL.get(object_type, object_type)


def link(from_type: str, record: Record, to_type: str, target: Record) -> None:
    """Associates two records both ways."""
    record.associations.setdefault(to_type, set()).add(target.id)
    target.associations.setdefault(from_type, set()).add(record.id)


def unlink(from_type: str, record: Record, to_type: str, target: Record) -> None:
    record.associations.get(to_type, set()).discard(target.id)
    target.associations.get(from_type, set()).discard(record.id)


def resolve(from_type: str, inputs: list[JsonObject]) -> list[tuple[str, Record]]:
    """Targets of a create request's `associations` [{to:{id}, types:[...]}]; 400 if invalid.

    Resolved before the record is created, so a bad association writes nothing.
    """
    world = sandbox().world
    targets = []
    for item in inputs:
        target_id = str((item.get("to") or {}).get("id", ""))
        type_ids = {int(spec.get("associationTypeId", 0)) for spec in item.get("types") or []}
        to_types = [
            pair[1]
            for pair, known in TYPE_IDS.items()
            if pair[0] == from_type and known in type_ids
        ]
        if not to_types:
            raise validation_error(
                f"Invalid association type(s) {sorted(type_ids)} from {from_type}"
            )
        target = world.store(to_types[0]).get(target_id)
        if target is None:
            raise validation_error(
                f"The association target {to_types[0]} {target_id!r} was not found",
                sub_category="crm.associations.INVALID_OBJECT_IDS",
            )
        targets.append((to_types[0], target))
    return targets


def associations_json(record: Record, from_type: str, to_types: list[str]) -> JsonObject:
    """The v3 `associations` member: {toType: {results: [{id, type}]}} for requested types."""
    body: JsonObject = {}
    for to_type in map(canonical, to_types):
        ids = sorted(record.associations.get(to_type, ()))
        if ids:
            label = LABELS.get(TYPE_IDS.get((from_type, to_type), 0), f"{from_type}_to_{to_type}")
            body[to_type] = {"results": [{"id": str(i), "type": label} for i in ids]}
    return body


OBJECT_TYPE_IDS = {"contacts": "0-1", "tasks": "0-27"}


def _change(
    object_type: str, object_id: str, to_type: str, to_id: str, action
) -> tuple[str, str, int]:
    """Applies `action` (link or unlink) to two existing records; 404 if either is unknown."""
    world = sandbox().world
    from_type, to_type = canonical(object_type), canonical(to_type)
    with world.lock:
        from_store, to_store = world.store(from_type), world.store(to_type)
        record = from_store.get(object_id) if from_store else None
        target = to_store.get(to_id) if to_store else None
        if record is None or target is None:
            raise not_found()
        action(from_type, record, to_type, target)
        return from_type, to_type, world.now()


@blueprint.get("/crm/v4/objects/<object_type>/<object_id>/associations/<to_type>")
def list_associations(object_type: str, object_id: str, to_type: str):
    world = sandbox().world
    from_type, to_type = canonical(object_type), canonical(to_type)
    with world.lock:
        store = world.store(from_type)
        record = store.get(object_id) if store else None
        if record is None:
            raise not_found()
        type_id = TYPE_IDS.get((from_type, to_type), 0)
        results = [
            {
                "toObjectId": str(target_id),
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}
                ],
            }
            for target_id in sorted(record.associations.get(to_type, ()))
        ]
    return {"results": results}


@blueprint.put("/crm/v4/objects/<object_type>/<object_id>/associations/default/<to_type>/<to_id>")
def associate_default(object_type: str, object_id: str, to_type: str, to_id: str):
    from_type, to_type, now = _change(object_type, object_id, to_type, to_id, link)
    spec = {
        "associationCategory": "HUBSPOT_DEFINED",
        "associationTypeId": TYPE_IDS.get((from_type, to_type), 0),
    }
    result = {"from": {"id": object_id}, "to": {"id": to_id}, "associationSpec": spec}
    return batch_envelope([result], [], now, now)


@blueprint.put("/crm/v4/objects/<object_type>/<object_id>/associations/<to_type>/<to_id>")
def associate_labelled(object_type: str, object_id: str, to_type: str, to_id: str):
    specs = request.get_json(silent=True)
    if not isinstance(specs, list) or not specs:
        raise validation_error("Body must be a non-empty list of association specs")
    from_type, to_type, _ = _change(object_type, object_id, to_type, to_id, link)
    body = {
        "fromObjectTypeId": OBJECT_TYPE_IDS.get(from_type, from_type),
        "fromObjectId": object_id,
        "toObjectTypeId": OBJECT_TYPE_IDS.get(to_type, to_type),
        "toObjectId": to_id,
        "labels": [],
    }
    return body, 201


@blueprint.delete("/crm/v4/objects/<object_type>/<object_id>/associations/<to_type>/<to_id>")
def remove_association(object_type: str, object_id: str, to_type: str, to_id: str):
    _change(object_type, object_id, to_type, to_id, unlink)
    return "", 204
