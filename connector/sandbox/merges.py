"""Merging two contacts: `POST /crm/v3/objects/contacts/merge` and what a merge does to the world.

Served [spec: contacts v3 `merge`, body `PublicMergeInput`
`{"primaryObjectId", "objectIdToMerge"}`, answer 200 `SimplePublicObject`]:
a missing id is a 400 VALIDATION_ERROR, an unknown (or archived) contact a
404 OBJECT_NOT_FOUND, a contact merged with itself a 400 [unverified codes].

What a merge does, as HubSpot's docs describe it (tags per line):
1. The result is a new contact with a new id, into which both are merged
   [doc: changelog "Updated merge functionality for contacts and companies"];
   with `merge_new_id=False` the primary keeps its id instead, as HubSpot did
   before that change. Either way the merged-away ids (and their email
   addresses) lead to the result: a get or batch read of one answers the
   result, whose `hs_merged_object_ids` (`;`-separated) lists them [2nd].
2. Values: the primary's values stay current and the other contact's fill
   what the primary lacks [doc: same changelog]. Exceptions [unverified]: the
   lifecycle stage furthest along is kept, an opt-out from either stays, count
   roll-ups add up, "last ..." dates keep the later and "first ..." the
   earlier (with their event names), the earlier create date is kept. The
   other email address goes to `hs_additional_emails` [2nd].
3. Activity: both contacts' behavioural events, tasks and tracked visitors
   belong to the result (the timeline shows "the combined history" [doc:
   legacy merge-contacts reference]). Email events stay with their recipient
   address, as the email events API files them.
4. Webhooks: one `contact.merge` event with `primaryObjectId`,
   `mergedObjectIds` (array), `newObjectId` (the result's id) and
   `numberOfPropertiesMoved` [doc: changelog "New subscription types for
   webhooks"]; its `objectId` is the primary's id [unverified]. No creation or
   property-change events accompany it [unverified].
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint

from connector.sandbox.associations import link, unlink
from connector.sandbox.objects import Change, Record
from connector.sandbox.properties import STAGES
from connector.sandbox.search import DEFAULT_PROPERTIES
from connector.sandbox.shapes import iso, not_found, parse_time, validation_error
from connector.sandbox.web import json_body, sandbox
from connector.sandbox.world import World

MERGED_IDS = "hs_merged_object_ids"
ADDITIONAL_EMAILS = "hs_additional_emails"
# Set on the result by the merge itself, never taken from either side.
OWN = {"hs_object_id", "createdate", "lastmodifieddate", "hs_lastmodifieddate", MERGED_IDS}
SUMMED = (
    "hs_analytics_num_page_views",
    "hs_analytics_num_visits",
    "num_conversion_events",
    "num_unique_conversion_events",
    "hs_email_open",
    "hs_email_click",
    "hs_email_bounce",
)
# A date property, and the properties that travel with it, kept from the later side.
LATEST = (
    ("recent_conversion_date", "recent_conversion_event_name"),
    ("hs_analytics_last_visit_timestamp",),
    ("hs_email_last_open_date",),
    ("hs_email_last_click_date",),
    ("engagements_last_meeting_booked",),
)
EARLIEST = (("first_conversion_date", "first_conversion_event_name"),)

INPUTS = ("primaryObjectId", "objectIdToMerge")

blueprint = Blueprint("merges", __name__)


@dataclass(frozen=True, slots=True)
class Merge:
    """A done merge: the resulting contact and the `contact.merge` payload's facts."""

    result: Record
    primary_id: int
    merged_ids: tuple[int, ...]
    properties_moved: int


@blueprint.post("/crm/v3/objects/contacts/merge")
def merge_route():
    body = json_body()
    ids = [str(body.get(name) or "").strip() for name in INPUTS]
    missing = [name for name, value in zip(INPUTS, ids, strict=True) if not value]
    if missing:
        raise validation_error(
            "primaryObjectId and objectIdToMerge are both required", context={"missing": missing}
        )
    state = sandbox()
    world = state.world
    with world.lock:
        primary, other = (world.contacts.get(i) for i in ids)
        if primary is None or other is None:
            raise not_found(f"Object not found. objectId are usually numeric: {ids}")
        if primary is other:
            raise validation_error(f"Cannot merge a contact with itself: {ids}")
        done = merge_contacts(world, primary, other, world.now(), new_id=state.options.merge_new_id)
        return done.result.to_json(DEFAULT_PROPERTIES["contacts"])


def merge_contacts(
    world: World, primary: Record, other: Record, now_ms: int, *, new_id: bool = True
) -> Merge:
    """Merges `other` into `primary` under the module's rules; the caller holds the lock."""
    store = world.contacts
    values, moved = merged_values(primary.props, other.props)
    gone = [primary, other] if new_id else [other]
    result = store.create({}, now_ms, announce=False) if new_id else primary
    for record in gone:
        store.retire(record, result, _addresses(record.props))
        world.activity.reassign(record.id, result.id)
        _move_associations(world, record, result)
    gone_ids = {record.id for record in gone}
    for hutk, contact_id in world.visitor_contacts.items():
        if contact_id in gone_ids:
            world.visitor_contacts[hutk] = result.id
    earlier = [*_split(primary.props.get(MERGED_IDS)), *_split(other.props.get(MERGED_IDS))]
    values[MERGED_IDS] = ";".join([*earlier, *(str(r.id) for r in gone)])
    values["createdate"] = iso(min(primary.created_ms, other.created_ms))
    values["hs_object_id"] = str(result.id)
    result.created_ms = min(primary.created_ms, other.created_ms)
    result.props = values
    store.apply(result, {}, now_ms)
    world.notify(
        Change(
            "merge",
            "contacts",
            primary.id,
            now_ms,
            extra={
                "primaryObjectId": primary.id,
                "mergedObjectIds": [other.id],
                "newObjectId": result.id,
                "numberOfPropertiesMoved": moved,
            },
        )
    )
    return Merge(result, primary.id, (other.id,), moved)


def merged_values(primary: dict[str, str], other: dict[str, str]) -> tuple[dict[str, str], int]:
    """The result's property values (rule 2) and how many of them differ from the primary's."""
    values = {
        name: value for name, value in {**other, **primary}.items() if name not in OWN and value
    }
    for name in SUMMED:
        total = _number(primary.get(name)) + _number(other.get(name))
        if total:
            values[name] = str(total)
    for names, later in [*((n, True) for n in LATEST), *((n, False) for n in EARLIEST)]:
        if other.get(names[0]) and _sooner(primary.get(names[0]), other[names[0]]) == later:
            values.update({name: other[name] for name in names if other.get(name)})
    stages = [primary.get("lifecyclestage"), other.get("lifecyclestage")]
    known = [stage for stage in stages if stage in STAGES]
    if known:
        values["lifecyclestage"] = max(known, key=STAGES.index)
    if "true" in (primary.get("hs_email_optout"), other.get("hs_email_optout")):
        values["hs_email_optout"] = "true"
    values.pop(ADDITIONAL_EMAILS, None)
    emails = list(dict.fromkeys(a for side in (primary, other) for a in _addresses(side)))
    values.update({"email": emails[0]} if emails else {})
    values.update({ADDITIONAL_EMAILS: ";".join(emails[1:])} if len(emails) > 1 else {})
    moved = sum(1 for name, value in values.items() if primary.get(name) != value)
    return values, moved


def _addresses(props: dict[str, str]) -> list[str]:
    """A contact's email address, then its additional ones."""
    return [a for a in (props.get("email", ""), *_split(props.get(ADDITIONAL_EMAILS))) if a]


def _sooner(primary: str | None, other: str) -> bool:
    """Whether the primary's date is earlier than the other's (an unset one is earliest)."""
    return not primary or parse_time(primary) < parse_time(other)


def _move_associations(world: World, record: Record, result: Record) -> None:
    for to_type, ids in list(record.associations.items()):
        targets = world.store(to_type)
        for target_id in list(ids):
            target = targets.records.get(target_id) if targets else None
            if target is not None:
                unlink("contacts", record, to_type, target)
                link("contacts", result, to_type, target)


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(";") if part]


def _number(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0
