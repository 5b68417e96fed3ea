"""Owners v3 (`/crm/v3/owners/`): the sales reps and queues contacts and tasks are assigned to.

Served [spec: owners v3]: `GET /crm/v3/owners/?email&after&limit&archived` (limit
default 100 [spec], at most 500 [unverified]; ids ascending, opaque `after`) and
`GET /crm/v3/owners/{ownerId}?idProperty=id|userId`.
"""

from __future__ import annotations

from flask import Blueprint, request

from connector.sandbox.shapes import (
    JsonObject,
    cursor_id,
    encode_cursor,
    iso,
    not_found,
    paging,
)
from connector.sandbox.web import flag_arg, int_arg, sandbox
from connector.sandbox.world import Owner

blueprint = Blueprint("owners", __name__, url_prefix="/crm/v3/owners")


def owner_json(owner: Owner) -> JsonObject:
    """`PublicOwner` [spec example shape]."""
    return {
        "id": str(owner.id),
        "email": owner.email,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.user_id,
        "userIdIncludingInactive": owner.user_id,
        "type": "PERSON",
        "teams": [{"id": "1", "name": owner.team, "primary": True}],
        "createdAt": iso(owner.created_ms),
        "updatedAt": iso(owner.created_ms),
        "archived": owner.archived,
    }


@blueprint.get("/")
def list_owners():
    limit = int_arg("limit", 100, 1, 500)
    start = cursor_id(request.args.get("after"))
    email = (request.args.get("email") or "").lower()
    archived = flag_arg("archived")
    world = sandbox().world
    with world.lock:
        owners = [
            owner
            for owner_id, owner in sorted(world.owners.items())
            if owner_id > start
            and owner.archived == archived
            and (not email or owner.email.lower() == email)
        ]
    page = owners[:limit]
    cursor = encode_cursor(str(page[-1].id)) if len(owners) > limit else None
    link = f"{request.base_url}?after={cursor}" if cursor else None
    return {"results": [owner_json(owner) for owner in page], **paging(cursor, link)}


@blueprint.get("/<owner_id>")
def get_owner(owner_id: str):
    by_user = request.args.get("idProperty") == "userId"
    world = sandbox().world
    with world.lock:
        for owner in world.owners.values():
            if str(owner.user_id if by_user else owner.id) == owner_id and not owner.archived:
                return owner_json(owner)
    raise not_found()
