"""Property definitions: the schema the Properties API serves and writes obey.

HubSpot types a property with `type` (string, number, date, datetime,
enumeration, bool) and `fieldType` [spec enums in the SDK's `PropertyCreate`].
The sandbox uses the type to compare values in search filters and to reject
writes (unknown property, read-only value, invalid option) the way HubSpot
does. The default contact and task properties below are HubSpot's internal
names [doc/2nd]; `challenge` and `budget` stand for custom properties a
marketing team would have created for its "Contact us" form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connector.sandbox.shapes import JsonObject, iso

STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
)
BUYING_ROLES = (
    "BLOCKER",
    "BUDGET_HOLDER",
    "CHAMPION",
    "DECISION_MAKER",
    "END_USER",
    "EXECUTIVE_SPONSOR",
    "INFLUENCER",
    "LEGAL_AND_COMPLIANCE",
    "OTHER",
)
BUDGETS = ("under_10k", "10k_50k", "50k_250k", "over_250k")
TASK_TYPES = ("CALL", "EMAIL", "TODO")
TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
TASK_PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")

FIELD_TYPE = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
}


@dataclass(slots=True)
class Property:
    """One property definition; `read_only` values can only be set by HubSpot itself."""

    name: str
    type: str
    group_name: str
    label: str = ""
    field_type: str = ""
    options: tuple[str, ...] = ()
    read_only: bool = False
    hubspot_defined: bool = True
    description: str = ""
    created_ms: int = 0
    option_labels: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        """The `Property` model [spec]; required keys are always present."""
        return {
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "fieldType": self.field_type or FIELD_TYPE[self.type],
            "description": self.description,
            "groupName": self.group_name,
            "options": [
                {
                    "label": self.option_labels.get(value, value),
                    "value": value,
                    "displayOrder": order,
                    "hidden": False,
                }
                for order, value in enumerate(self.options)
            ],
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": self.name == "email",
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "formField": not self.read_only,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.created_ms),
            "archived": False,
        }


@dataclass(slots=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1

    def to_json(self) -> JsonObject:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": False,
        }


def _spec(
    name: str,
    kind: str,
    group: str,
    options: tuple[str, ...] = (),
    *,
    read_only: bool = False,
    hubspot_defined: bool = True,
) -> Property:
    return Property(
        name, kind, group, options=options, read_only=read_only, hubspot_defined=hubspot_defined
    )


def _system_properties(group: str, *dates: str) -> list[Property]:
    """The id and the create/modify dates HubSpot keeps on every object; read-only."""
    return [_spec("hs_object_id", "number", group, read_only=True)] + [
        _spec(name, "datetime", group, read_only=True) for name in dates
    ]


def default_contact_properties() -> list[Property]:
    """HubSpot's contact properties the connector reads or writes, plus the demo's custom ones."""
    info, analytics, conversion, email = (
        "contactinformation",
        "analyticsinformation",
        "conversioninformation",
        "emailinformation",
    )
    return [
        *_system_properties(info, "createdate", "lastmodifieddate", "hs_lastmodifieddate"),
        _spec("email", "string", info),
        _spec("firstname", "string", info),
        _spec("lastname", "string", info),
        _spec("company", "string", info),
        _spec("jobtitle", "string", info),
        _spec("phone", "string", info),
        _spec("website", "string", info),
        _spec("industry", "string", info),
        _spec("numemployees", "string", info),
        _spec("country", "string", info),
        _spec("city", "string", info),
        _spec("message", "string", info),
        _spec("lifecyclestage", "enumeration", info, STAGES),
        _spec("hs_lead_status", "enumeration", info, LEAD_STATUSES),
        _spec("hubspot_owner_id", "enumeration", info),
        _spec("hs_persona", "enumeration", info, ("persona_1", "persona_2", "persona_3")),
        _spec("hs_buying_role", "enumeration", info, BUYING_ROLES),
        _spec("challenge", "string", info, hubspot_defined=False),
        _spec("budget", "enumeration", info, BUDGETS, hubspot_defined=False),
        _spec("hs_analytics_source", "enumeration", analytics, ANALYTICS_SOURCES, read_only=True),
        _spec("hs_analytics_num_page_views", "number", analytics, read_only=True),
        _spec("hs_analytics_num_visits", "number", analytics, read_only=True),
        _spec("hs_analytics_last_visit_timestamp", "datetime", analytics, read_only=True),
        _spec("num_conversion_events", "number", conversion, read_only=True),
        _spec("num_unique_conversion_events", "number", conversion, read_only=True),
        _spec("first_conversion_event_name", "string", conversion, read_only=True),
        _spec("first_conversion_date", "datetime", conversion, read_only=True),
        _spec("recent_conversion_event_name", "string", conversion, read_only=True),
        _spec("recent_conversion_date", "datetime", conversion, read_only=True),
        _spec("hs_email_optout", "bool", email, ("true", "false")),
        _spec("hs_email_open", "number", email, read_only=True),
        _spec("hs_email_click", "number", email, read_only=True),
        _spec("hs_email_bounce", "number", email, read_only=True),
        _spec("hs_email_last_open_date", "datetime", email, read_only=True),
        _spec("hs_email_last_click_date", "datetime", email, read_only=True),
        _spec("engagements_last_meeting_booked", "datetime", info, read_only=True),
        _spec("hs_additional_emails", "enumeration", info, read_only=True),
        _spec("hs_merged_object_ids", "enumeration", info, read_only=True),
    ]


def default_task_properties() -> list[Property]:
    task = "task"
    return [
        *_system_properties(task, "hs_createdate", "hs_lastmodifieddate"),
        _spec("hs_timestamp", "datetime", task),
        _spec("hs_task_subject", "string", task),
        _spec("hs_task_body", "string", task),
        _spec("hs_task_type", "enumeration", task, TASK_TYPES),
        _spec("hs_task_status", "enumeration", task, TASK_STATUSES),
        _spec("hs_task_priority", "enumeration", task, TASK_PRIORITIES),
        _spec("hubspot_owner_id", "enumeration", task),
    ]


DEFAULT_GROUPS = {
    "contacts": [
        PropertyGroup("contactinformation", "Contact information", 0),
        PropertyGroup("analyticsinformation", "Web analytics history", 1),
        PropertyGroup("conversioninformation", "Conversion information", 2),
        PropertyGroup("emailinformation", "Email information", 3),
    ],
    "tasks": [PropertyGroup("task", "Task information", 0)],
}


class PropertyRegistry:
    """Property definitions and groups of one object type; not thread-safe (the world locks)."""

    def __init__(self, properties: list[Property], groups: list[PropertyGroup]) -> None:
        self.properties = {prop.name: prop for prop in properties}
        self.groups = {group.name: group for group in groups}

    def get(self, name: str) -> Property | None:
        return self.properties.get(name)

    def add(self, prop: Property) -> None:
        self.properties[prop.name] = prop

    def add_group(self, group: PropertyGroup) -> None:
        self.groups[group.name] = group
