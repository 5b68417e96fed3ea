"""Properties API (`/crm/v3/properties/{objectType}`): list, read, create; groups list and create.

So the connector can create its own properties (score, reasons) the way it would
in a real portal [spec: properties v3]. A duplicate name answers 409
OBJECT_ALREADY_EXISTS [2nd]; an unknown group or type answers 400.
"""

from __future__ import annotations

from flask import Blueprint

from connector.sandbox.properties import FIELD_TYPE, Property, PropertyGroup, PropertyRegistry
from connector.sandbox.shapes import ApiError, not_found, validation_error
from connector.sandbox.web import json_body, sandbox

blueprint = Blueprint("properties", __name__, url_prefix="/crm/v3/properties")


def _registry(object_type: str) -> PropertyRegistry:
    store = sandbox().world.store(object_type)
    if store is None:
        raise validation_error(f"Unable to infer object type from: {object_type}")
    return store.registry


@blueprint.get("/<object_type>")
def list_properties(object_type: str):
    registry = _registry(object_type)
    with sandbox().world.lock:
        return {"results": [prop.to_json() for prop in registry.properties.values()]}


@blueprint.get("/<object_type>/<name>")
def get_property(object_type: str, name: str):
    registry = _registry(object_type)
    with sandbox().world.lock:
        prop = registry.get(name)
        if prop is None:
            raise not_found(f"Property {name} does not exist")
        return prop.to_json()


@blueprint.post("/<object_type>")
def create_property(object_type: str):
    registry = _registry(object_type)
    body = json_body()
    missing = [
        key for key in ("name", "label", "type", "fieldType", "groupName") if not body.get(key)
    ]
    if missing:
        raise validation_error(f"Missing required fields: {missing}", context={"missing": missing})
    if body["type"] not in FIELD_TYPE:
        raise validation_error(f"Invalid property type {body['type']!r}")
    world = sandbox().world
    with world.lock:
        if body["groupName"] not in registry.groups:
            raise validation_error(f"Property group {body['groupName']!r} does not exist")
        if registry.get(body["name"]):
            raise ApiError(
                409, f"Property named '{body['name']}' already exists.", "OBJECT_ALREADY_EXISTS"
            )
        options = tuple(str(option["value"]) for option in body.get("options") or ())
        prop = Property(
            name=body["name"],
            type=body["type"],
            group_name=body["groupName"],
            label=body["label"],
            field_type=body["fieldType"],
            options=options,
            hubspot_defined=False,
            description=body.get("description", ""),
            created_ms=world.now(),
            option_labels={
                str(o["value"]): str(o.get("label", o["value"])) for o in body.get("options") or ()
            },
        )
        registry.add(prop)
        return prop.to_json(), 201


@blueprint.get("/<object_type>/groups")
def list_groups(object_type: str):
    registry = _registry(object_type)
    with sandbox().world.lock:
        return {"results": [group.to_json() for group in registry.groups.values()]}


@blueprint.post("/<object_type>/groups")
def create_group(object_type: str):
    registry = _registry(object_type)
    body = json_body()
    if not body.get("name") or not body.get("label"):
        raise validation_error("Missing required fields: name and label")
    with sandbox().world.lock:
        if body["name"] in registry.groups:
            raise ApiError(
                409, f"Property group '{body['name']}' already exists.", "OBJECT_ALREADY_EXISTS"
            )
        group = PropertyGroup(body["name"], body["label"], int(body.get("displayOrder", -1)))
        registry.add_group(group)
        return group.to_json(), 201
