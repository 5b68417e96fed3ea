"""CRM records and the rules every write obeys (contacts and tasks).

Rules, as HubSpot documents them or as HUBSPOT-API.md reports them:
1. Every property value is a string; `""` clears a value [spec].
2. Unknown properties, read-only properties and invalid enumeration options are
   rejected with 400 VALIDATION_ERROR and nothing is written [spec/2nd].
3. A contact's `email` is unique; creating a second contact with it is 409
   CONFLICT "Contact already exists. Existing ID: N" [2nd].
4. `lifecyclestage` only moves forward: a write to an earlier stage is ignored
   and the request still succeeds; clearing it first allows any stage [2nd,
   HubSpot staff on integrate.hubspot.com/t/1333].
5. `lastmodifieddate` and `hs_lastmodifieddate` (and `updatedAt`) move on every
   write, even one that changes nothing else.
6. A record merged into another (merges.py) is gone, but its id still leads to
   the record it was merged into, for reads and writes alike [2nd].
Datetime values are stored as ISO-8601 strings; writes may send epoch ms.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from connector.sandbox.modified_index import ModifiedIndex
from connector.sandbox.properties import STAGES, Property, PropertyRegistry
from connector.sandbox.shapes import ApiError, JsonObject, iso, parse_time, validation_error

MODIFIED = ("lastmodifieddate", "hs_lastmodifieddate")
CREATED = {"contacts": "createdate", "tasks": "hs_createdate"}


@dataclass(slots=True)
class Record:
    """One CRM object. `props` holds only set values; HubSpot ids are numeric strings."""

    id: int
    created_ms: int
    updated_ms: int
    props: dict[str, str]
    archived: bool = False
    archived_ms: int | None = None
    associations: dict[str, set[int]] = field(default_factory=dict)

    def to_json(self, names: Iterable[str], *, with_history: Iterable[str] = ()) -> JsonObject:
        """`SimplePublicObject`: requested properties, `null` where unset [spec]."""
        body: JsonObject = {
            "id": str(self.id),
            "properties": {name: self.props.get(name) for name in names},
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": self.archived,
        }
        if self.archived_ms is not None:
            body["archivedAt"] = iso(self.archived_ms)
        history = {
            name: [
                {"value": self.props[name], "timestamp": iso(self.updated_ms), "sourceType": "API"}
            ]
            for name in with_history
            if name in self.props
        }
        if history:
            body["propertiesWithHistory"] = history
        return body


@dataclass(frozen=True, slots=True)
class Change:
    """What a write did, for the webhook sender: one per created/changed/deleted thing."""

    kind: str  # "creation" | "propertyChange" | "deletion" | "privacyDeletion" | "merge"
    object_type: str
    object_id: int
    occurred_ms: int
    property_name: str | None = None
    property_value: str | None = None
    source: str = "API"
    extra: dict[str, object] = field(default_factory=dict)  # a merge's ids and counts


def property_error(problems: list[tuple[str, str, str]]) -> ApiError:
    """HubSpot's "Property values were not valid" 400, one entry per (name, code, message)."""
    details = [
        {
            "isValid": False,
            "message": message,
            "error": code,
            "name": name,
            "localizedErrorMessage": message,
        }
        for name, code, message in problems
    ]
    return validation_error(
        "Property values were not valid: " + json.dumps(details),
        errors=[
            {"message": message, "code": code, "context": {"propertyName": [name]}}
            for name, code, message in problems
        ],
    )


def _normalize(prop: Property, value: object) -> tuple[str | None, tuple[str, str] | None]:
    """The stored form of a written value, or (None, (code, message)) when it is invalid."""
    text = "" if value is None else str(value)
    if text == "":
        return "", None
    if prop.type == "enumeration" and prop.options and text not in prop.options:
        return None, ("INVALID_OPTION", f"{text!r} was not one of the allowed options")
    if prop.type == "number":
        try:
            float(text)
        except ValueError:
            return None, ("INVALID_INTEGER", f"{text!r} is not a valid number")
    if prop.type in ("datetime", "date"):
        try:
            return iso(parse_time(text)), None
        except ValueError:
            return None, ("INVALID_DATE", f"{text!r} is not a valid date")
    if prop.type == "bool" and text.lower() not in ("true", "false"):
        return None, ("INVALID_BOOLEAN", f"{text!r} is not true or false")
    return (text.lower() if prop.type == "bool" else text), None


class ObjectStore:
    """The records of one object type with its property schema; callers hold the world lock."""

    def __init__(
        self,
        object_type: str,
        registry: PropertyRegistry,
        next_id: Callable[[], int],
        notify: Callable[[Change], None],
    ) -> None:
        self.object_type = object_type
        self.registry = registry
        self.records: dict[int, Record] = {}
        self.by_email: dict[str, int] = {}
        self.merged_into: dict[int, int] = {}
        self.modified = ModifiedIndex()
        self._next_id = next_id
        self._notify = notify

    # -- reading -------------------------------------------------------------------------

    def get(self, object_id: str, id_property: str | None = None, *, archived: bool = False):
        """The record for an id (or unique `idProperty` value), or None."""
        if id_property and id_property != "hs_object_id":
            if id_property != "email":
                raise validation_error(f"Unable to use {id_property!r} as an idProperty")
            found = self.by_email.get(object_id.strip().lower())
            record = self.records.get(found) if found is not None else None
        else:
            record = self.records.get(self.resolve(int(object_id))) if object_id.isdigit() else None
        if record is None or record.archived != archived:
            return None
        return record

    def resolve(self, object_id: int) -> int:
        """The id a record has now: a merged-away id leads to the record it was merged into."""
        while object_id in self.merged_into:
            object_id = self.merged_into[object_id]
        return object_id

    def live(self) -> Iterable[Record]:
        return (record for record in self.records.values() if not record.archived)

    # -- writing -------------------------------------------------------------------------

    def validate(self, properties: Mapping[str, object]) -> dict[str, str]:
        """Stored forms of API-written properties; raises the 400 HubSpot answers on bad input."""
        clean: dict[str, str] = {}
        problems: list[tuple[str, str, str]] = []
        for name, value in properties.items():
            prop = self.registry.get(name)
            if prop is None:
                problems.append(
                    (name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
                )
            elif prop.read_only:
                problems.append((name, "READ_ONLY_VALUE", f'"{name}" is a read only property'))
            else:
                stored, problem = _normalize(prop, value)
                if problem:
                    problems.append((name, *problem))
                else:
                    clean[name] = stored or ""
        if problems:
            raise property_error(problems)
        return clean

    def check_new_email(self, properties: Mapping[str, str], own_id: int | None = None) -> None:
        email = (properties.get("email") or "").strip().lower()
        if self.object_type != "contacts" or not email:
            return
        existing = self.by_email.get(email)
        if existing is not None and existing != own_id:
            raise ApiError(409, f"Contact already exists. Existing ID: {existing}", "CONFLICT")

    def create(
        self,
        properties: Mapping[str, str],
        now_ms: int,
        *,
        source: str = "API",
        announce: bool = True,
    ) -> Record:
        """A new record from validated properties; announces its creation unless told not to."""
        self.check_new_email(properties)
        record = Record(self._next_id(), now_ms, now_ms, {})
        record.props["hs_object_id"] = str(record.id)
        record.props[CREATED.get(self.object_type, "createdate")] = iso(now_ms)
        self.records[record.id] = record
        if announce:
            self._notify(Change("creation", self.object_type, record.id, now_ms, source=source))
        self.apply(record, properties, now_ms, source=source, announce=False)
        return record

    def apply(
        self,
        record: Record,
        properties: Mapping[str, str],
        now_ms: int,
        *,
        source: str = "API",
        announce: bool = True,
    ) -> list[str]:
        """Writes validated values under rules 1, 4 and 5; returns the names that changed."""
        self.check_new_email(properties, record.id)
        changed: list[str] = []
        for name, value in properties.items():
            old = record.props.get(name, "")
            if name == "lifecyclestage" and _is_backwards(old, value):
                continue
            if value == old:
                continue
            if value == "":
                record.props.pop(name, None)
            else:
                record.props[name] = value
            if name == "email":
                self._reindex_email(record.id, old, value)
            changed.append(name)
            if announce:
                self._notify(
                    Change(
                        "propertyChange", self.object_type, record.id, now_ms, name, value, source
                    )
                )
        record.updated_ms = now_ms
        for name in MODIFIED:
            record.props[name] = iso(now_ms)
        if not record.archived:
            self.modified.touch(record.id, now_ms)
        return changed

    def archive(self, record: Record, now_ms: int, *, privacy: bool = False) -> None:
        """Archive (restorable) or, with `privacy`, erase for good (GDPR delete)."""
        if privacy:
            self.records.pop(record.id, None)
        else:
            record.archived = True
            record.archived_ms = now_ms
        self.modified.discard(record.id)
        self._reindex_email(record.id, record.props.get("email", ""), "")
        kind = "privacyDeletion" if privacy else "deletion"
        self._notify(Change(kind, self.object_type, record.id, now_ms))

    def retire(self, record: Record, survivor: Record, addresses: Iterable[str]) -> None:
        """`record` was merged into `survivor`: it is gone, and its id and `addresses` lead
        to the survivor from now on (rule 6)."""
        del self.records[record.id]
        self.modified.discard(record.id)
        self.merged_into[record.id] = survivor.id
        for address in addresses:
            self.by_email[address.lower()] = survivor.id

    def _reindex_email(self, record_id: int, old: str, new: str) -> None:
        if self.object_type != "contacts":
            return
        if old and self.by_email.get(old.lower()) == record_id:
            del self.by_email[old.lower()]
        if new:
            self.by_email[new.strip().lower()] = record_id


def _is_backwards(old: str, new: str) -> bool:
    """True when `new` is an earlier default stage than a set `old` (rule 4)."""
    if not old or not new or old not in STAGES or new not in STAGES:
        return False
    return STAGES.index(new) < STAGES.index(old)
