"""CRM object routes (`/crm/v3/objects/{contacts|tasks}`): read, list, write, batch, search.

Served [spec: contacts v3 and tasks v3; rules in objects.py and search.py]:
- `GET /{type}?limit&after&properties&propertiesWithHistory&associations&archived`:
  ids ascending, `limit` 1..100 (default 10) [2nd], `after` opaque cursor.
- `GET|PATCH|DELETE /{type}/{id}[?idProperty=email]`; `POST /{type}` (201).
- `POST /{type}/batch/{read|create|update|upsert|archive}`: at most 100 inputs;
  batch read with `propertiesWithHistory` at most 50 — both answered with
  HubSpot's "The maximum number of inputs supported in a batch request ..."
  400 [2nd: message quoted in activepieces#9359]. Missing ids give 207 with
  OBJECT_NOT_FOUND errors; duplicate ids in an update are a 400 [2nd]. A batch
  read answers each record once, however many of its ids (an id and the ids
  merged into it) were asked for [unverified].
- `POST /{type}/search` (search.py) and `POST /contacts/gdpr-delete` (204).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, request

from connector.sandbox.associations import associations_json, link, resolve
from connector.sandbox.objects import ObjectStore, Record
from connector.sandbox.search import DEFAULT_PROPERTIES, parse_query, run_search
from connector.sandbox.shapes import (
    ApiError,
    JsonObject,
    batch_envelope,
    cursor_id,
    encode_cursor,
    not_found,
    paging,
    standard_error,
    validation_error,
)
from connector.sandbox.web import flag_arg, int_arg, json_body, list_arg, sandbox

MAX_BATCH = 100
MAX_HISTORY_BATCH = 50
LIST_LIMIT = 100

blueprint = Blueprint("crm", __name__, url_prefix="/crm/v3/objects")


def _store(object_type: str) -> ObjectStore:
    store = sandbox().world.store(object_type)
    if store is None:
        raise ApiError(400, f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
    return store


def _names(store: ObjectStore, requested: list[str]) -> list[str]:
    """Requested property names HubSpot knows (unknown ones are ignored [spec]), or the defaults."""
    if not requested:
        return list(DEFAULT_PROPERTIES.get(store.object_type, ("hs_object_id",)))
    return [name for name in requested if store.registry.get(name)]


def _render(
    store: ObjectStore, record: Record, names: list[str], history: list[str] = ()
) -> JsonObject:
    body = record.to_json(names, with_history=history)
    wanted = list_arg("associations")
    if wanted:
        body["associations"] = associations_json(record, store.object_type, wanted)
    return body


def _missing(store: ObjectStore, ids: list[str]) -> JsonObject:
    kind = store.object_type.rstrip("s").upper()
    return standard_error(
        f"Could not get some {kind} objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        "OBJECT_NOT_FOUND",
        {"ids": ids},
    )


def _inputs(body: JsonObject, limit: int = MAX_BATCH) -> list[JsonObject]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("Invalid input JSON: 'inputs' must be a list")
    if len(inputs) > limit:
        raise validation_error(
            f"The maximum number of inputs supported in a batch request is {limit}. "
            "Please reduce the number of items and try again",
            context={"inputs": [str(len(inputs))]},
        )
    return inputs


@blueprint.get("/<object_type>")
def list_objects(object_type: str):
    store = _store(object_type)
    limit = int_arg("limit", 10, 1, LIST_LIMIT)
    start = cursor_id(request.args.get("after"))
    archived = flag_arg("archived")
    world = sandbox().world
    with world.lock:
        names = _names(store, list_arg("properties"))
        history = list_arg("propertiesWithHistory")
        ids = sorted(i for i, r in store.records.items() if i > start and r.archived == archived)
        page = ids[:limit]
        results = [_render(store, store.records[i], names, history) for i in page]
    more = len(ids) > limit
    cursor = encode_cursor(str(page[-1])) if more else None
    link = f"{request.base_url}?after={cursor}" if cursor else None
    return {"results": results, **paging(cursor, link)}


@blueprint.get("/<object_type>/<object_id>")
def get_object(object_type: str, object_id: str):
    store = _store(object_type)
    world = sandbox().world
    with world.lock:
        record = store.get(object_id, request.args.get("idProperty"), archived=flag_arg("archived"))
        if record is None:
            raise not_found()
        return _render(
            store, record, _names(store, list_arg("properties")), list_arg("propertiesWithHistory")
        )


@blueprint.post("/<object_type>")
def create_object(object_type: str):
    store = _store(object_type)
    body = json_body()
    world = sandbox().world
    with world.lock:
        properties = store.validate(body.get("properties") or {})
        record = _create(store, properties, body.get("associations") or [])
        return record.to_json(_names(store, list(properties))), 201


def _create(
    store: ObjectStore, properties: dict[str, str], associations: list[JsonObject]
) -> Record:
    store.check_new_email(properties)
    targets = resolve(store.object_type, associations)
    record = store.create(properties, sandbox().world.now())
    for to_type, target in targets:
        link(store.object_type, record, to_type, target)
    return record


@blueprint.patch("/<object_type>/<object_id>")
def update_object(object_type: str, object_id: str):
    store = _store(object_type)
    body = json_body()
    world = sandbox().world
    with world.lock:
        record = store.get(object_id, request.args.get("idProperty"))
        if record is None:
            raise not_found()
        properties = store.validate(body.get("properties") or {})
        store.apply(record, properties, world.now())
        return record.to_json(_names(store, list(properties)))


@blueprint.delete("/<object_type>/<object_id>")
def archive_object(object_type: str, object_id: str):
    store = _store(object_type)
    world = sandbox().world
    with world.lock:
        record = store.get(object_id)
        if record is not None:
            store.archive(record, world.now())
    return "", 204


@blueprint.post("/contacts/gdpr-delete")
def gdpr_delete():
    body = json_body()
    world = sandbox().world
    with world.lock:
        record = world.contacts.get(str(body.get("objectId", "")), body.get("idProperty"))
        if record is None:
            raise not_found()
        world.contacts.archive(record, world.now(), privacy=True)
        world.activity.remove_owner(record.id)
    return "", 204


@blueprint.post("/<object_type>/search")
def search_objects(object_type: str):
    store = _store(object_type)
    query = parse_query(json_body(), store.object_type)
    world = sandbox().world
    with world.lock:
        total, page, next_after = run_search(store, query)
        results = [record.to_json(query.properties) for record in page]
    more = {"paging": {"next": {"after": str(next_after)}}} if next_after is not None else {}
    return {"total": total, "results": results, **more}


@blueprint.post("/<object_type>/batch/<operation>")
def batch(object_type: str, operation: str):
    store = _store(object_type)
    handler = BATCH.get(operation)
    if handler is None:
        raise not_found(f"Unknown batch operation {operation!r}")
    body = json_body()
    world = sandbox().world
    with world.lock:
        started = world.now()
        outcome = handler(store, body)
        if outcome is None:
            return "", 204
        results, errors, status = outcome
        envelope = batch_envelope(results, errors, started, world.now())
    return envelope, (207 if errors else status)


Outcome = tuple[list[JsonObject], list[JsonObject], int] | None


def _batch_read(store: ObjectStore, body: JsonObject) -> Outcome:
    history = body.get("propertiesWithHistory") or []
    inputs = _inputs(body, MAX_HISTORY_BATCH if history else MAX_BATCH)
    names = _names(store, body.get("properties") or [])
    archived = flag_arg("archived")
    found: dict[int, Record] = {}
    missing = []
    for item in inputs:
        record = store.get(str(item.get("id", "")), body.get("idProperty"), archived=archived)
        if record is None:
            missing.append(str(item.get("id", "")))
        else:
            found.setdefault(record.id, record)
    results = [record.to_json(names, with_history=history) for record in found.values()]
    return results, [_missing(store, missing)] if missing else [], 200


def _batch_create(store: ObjectStore, body: JsonObject) -> Outcome:
    inputs = _inputs(body)
    validated = [store.validate(item.get("properties") or {}) for item in inputs]
    emails = [props.get("email", "").lower() for props in validated if props.get("email")]
    if len(emails) != len(set(emails)):
        raise validation_error("Duplicate emails found in batch input; emails must be unique")
    for props in validated:
        store.check_new_email(props)
    records = [
        _create(store, props, item.get("associations") or [])
        for props, item in zip(validated, inputs, strict=True)
    ]
    return (
        [r.to_json(_names(store, list(p))) for r, p in zip(records, validated, strict=True)],
        [],
        201,
    )


def _batch_update(store: ObjectStore, body: JsonObject) -> Outcome:
    inputs = _inputs(body)
    ids = [str(item.get("id", "")) for item in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise validation_error(
            f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique",
            context={"ids": duplicates},
        )
    validated = [store.validate(item.get("properties") or {}) for item in inputs]
    results, missing = [], []
    now = sandbox().world.now()
    for item, props in zip(inputs, validated, strict=True):
        record = store.get(str(item.get("id", "")), item.get("idProperty"))
        if record is None:
            missing.append(str(item.get("id", "")))
            continue
        store.apply(record, props, now)
        results.append(record.to_json(_names(store, list(props))))
    return results, [_missing(store, missing)] if missing else [], 200


def _batch_upsert(store: ObjectStore, body: JsonObject) -> Outcome:
    inputs = _inputs(body)
    results = []
    now = sandbox().world.now()
    for item in inputs:
        id_property = item.get("idProperty")
        if id_property not in (None, "email", "hs_object_id"):
            raise validation_error(f"Unable to use {id_property!r} as an idProperty")
        props = store.validate(item.get("properties") or {})
        record = store.get(str(item.get("id", "")), id_property)
        is_new = record is None
        if is_new:
            if id_property == "email":
                props.setdefault("email", str(item.get("id", "")))
            record = store.create(props, now)
        else:
            store.apply(record, props, now)
        results.append({**record.to_json(_names(store, list(props))), "new": is_new})
    return results, [], 200


def _batch_archive(store: ObjectStore, body: JsonObject) -> Outcome:
    now = sandbox().world.now()
    for item in _inputs(body):
        record = store.get(str(item.get("id", "")))
        if record is not None:
            store.archive(record, now)
    return None


BATCH: dict[str, Callable[[ObjectStore, JsonObject], Outcome]] = {
    "read": _batch_read,
    "create": _batch_create,
    "update": _batch_update,
    "upsert": _batch_upsert,
    "archive": _batch_archive,
}
