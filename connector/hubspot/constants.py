"""Everything leadflow knows about HubSpot's API surface, in one place.

Endpoints (as metric labels, with the rate budget each draws from), default
property lists, association type ids and documented limits. Facts carry the
confidence tag of `shared/HUBSPOT-API.md` where they come from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connector.domain import ActivityKind

API_URL = "https://api.hubapi.com"


class Budget(StrEnum):
    """Which client-side rate budget a call draws from."""

    GENERAL = "ten_secondly"  # the portal's rolling 10-second app limit
    SEARCH = "search"  # CRM search: exempt from the 10 s limit, own per-second limit [spec]
    EXEMPT = "exempt"  # single-send email: exempt from daily and 10 s limits [spec]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One HubSpot operation: `name` labels metrics and logs, `route` documents it.
    `idempotent` is False where repeating a call HubSpot already carried out would do
    it twice (HubSpot takes no idempotency key for it)."""

    name: str
    route: str
    budget: Budget = Budget.GENERAL
    idempotent: bool = True


CONTACTS_SEARCH = Endpoint("contacts.search", "POST /crm/v3/objects/contacts/search", Budget.SEARCH)
CONTACTS_BATCH_READ = Endpoint("contacts.batch_read", "POST /crm/v3/objects/contacts/batch/read")
CONTACTS_BATCH_UPDATE = Endpoint(
    "contacts.batch_update", "POST /crm/v3/objects/contacts/batch/update"
)
TASKS_CREATE = Endpoint("tasks.create", "POST /crm/v3/objects/tasks", idempotent=False)
TASKS_BATCH_CREATE = Endpoint(
    "tasks.batch_create", "POST /crm/v3/objects/tasks/batch/create", idempotent=False
)
TASKS_SEARCH = Endpoint("tasks.search", "POST /crm/v3/objects/tasks/search", Budget.SEARCH)
OWNERS_LIST = Endpoint("owners.list", "GET /crm/v3/owners")
PROPERTIES_LIST = Endpoint("properties.list", "GET /crm/v3/properties/{objectType}")
PROPERTIES_CREATE = Endpoint("properties.create", "POST /crm/v3/properties/{objectType}")
PROPERTY_GROUPS_LIST = Endpoint(
    "property_groups.list", "GET /crm/v3/properties/{objectType}/groups"
)
PROPERTY_GROUPS_CREATE = Endpoint(
    "property_groups.create", "POST /crm/v3/properties/{objectType}/groups"
)
EMAIL_SINGLE_SEND = Endpoint(
    "email.single_send", "POST /marketing/v3/transactional/single-email/send", Budget.EXEMPT
)
EVENTS_LIST = Endpoint("events.list", "GET /events/v3/events")
EMAIL_EVENTS_LIST = Endpoint("email_events.list", "GET /email/public/v1/events")
EMAIL_EVENTS_PATH = "/email/public/v1/events"  # legacy API with no SDK class [doc]

# Limits
BATCH_MAX_INPUTS = 100  # [2nd] inputs per batch read/create/update call
SEARCH_PAGE_MAX = 200  # [spec] search `limit`
SEARCH_RESULT_CAP = 10_000  # [2nd] results one search query can page through
OWNERS_PAGE_MAX = 100  # [spec] default and maximum owners page
EVENTS_PAGE_MAX = 1000  # [unverified] events API `limit`
EMAIL_EVENTS_PAGE_MAX = 1000  # [doc] email events API `limit`
MAX_RECIPIENTS = 200_000  # email address -> contact id pairs a gateway keeps in memory

# Rate limits of a Professional/Enterprise portal [doc]; Settings may override them.
GENERAL_LIMIT = 190
GENERAL_INTERVAL_SECONDS = 10.0
SEARCH_LIMIT = 5  # [2nd] per second per account
SEARCH_INTERVAL_SECONDS = 1.0
DEFAULT_BUDGET_FRACTION = 0.9

# 429 `policyName` values [doc/2nd]; search 429s carry no policy name, only a message.
POLICY_DAILY = "DAILY"
POLICY_TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
POLICY_SECONDLY = "SECONDLY"

# Rate-limit response headers [2nd]; search responses carry none of them.
HEADER_MAX = "X-HubSpot-RateLimit-Max"
HEADER_REMAINING = "X-HubSpot-RateLimit-Remaining"
HEADER_INTERVAL_MS = "X-HubSpot-RateLimit-Interval-Milliseconds"
HEADER_RETRY_AFTER = "Retry-After"

# Association type ids [sdk: hubspot/crm/association_type.py]
TASK_TO_CONTACT = 204
CONTACT_TO_TASK = 203
ASSOCIATION_CATEGORY = "HUBSPOT_DEFINED"

# Contact properties
LAST_MODIFIED = "lastmodifieddate"
OBJECT_ID = "hs_object_id"
MERGED_IDS = "hs_merged_object_ids"  # `;`-separated ids merged into this contact
# HubSpot answers 200 to a backward stage and keeps the old one [2nd].
FORWARD_ONLY_PROPERTIES: tuple[str, ...] = ("lifecyclestage",)
DEFAULT_CONTACT_PROPERTIES: tuple[str, ...] = (
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "company",
    "country",
    "industry",
    "numemployees",
    "lifecyclestage",
    "hs_lead_status",
    "hubspot_owner_id",
    "createdate",
    LAST_MODIFIED,
    OBJECT_ID,
    MERGED_IDS,
    "hs_analytics_source",
    "hs_analytics_num_page_views",
    "hs_analytics_num_visits",
    "num_conversion_events",
    "recent_conversion_event_name",
    "recent_conversion_date",
    "hs_email_optout",
    "hs_email_bounce",
    "hs_email_open",
    "hs_email_click",
)

# Tasks
TASK_PROPERTIES: tuple[str, ...] = (
    "hs_task_subject",
    "hs_task_body",
    "hs_task_type",
    "hs_task_status",
    "hs_task_priority",
    "hs_timestamp",
    "hubspot_owner_id",
)
TASK_KEY_PREFIX = "leadflowref"  # marks the deterministic key token in `hs_task_body`

# Single-send `sendResult` values that mean "HubSpot has taken (or already took) it" [spec].
EMAIL_ACCEPTED_RESULTS = frozenset({"SENT", "QUEUED", "IDEMPOTENT_IGNORE"})

# Activity: behavioural events API `eventType` -> kind, and its property names
# -> Activity.details keys (see docs/sandbox.md for each name's confidence).
EVENT_KINDS: dict[str, ActivityKind] = {
    "e_visited_page": ActivityKind.PAGE_VIEW,
    "e_submitted_form": ActivityKind.FORM_SUBMISSION,
    "e_registered_marketing_event": ActivityKind.WEBINAR_REGISTERED,
    "e_attended_marketing_event": ActivityKind.WEBINAR_ATTENDED,
    "e_booked_meeting": ActivityKind.MEETING_BOOKED,
}
EVENT_DETAIL_NAMES: dict[str, str] = {
    "hs_url": "url",
    "hs_title": "title",
    "hs_referrer": "referrer",
    "hs_form_id": "form_id",
    "hs_form_title": "form_name",
    "hs_marketing_event_id": "event_id",
    "hs_marketing_event_name": "event_name",
    "hs_meeting_title": "meeting_title",
}
# Email events API `type` -> kind; each type is asked for separately, so the far
# more numerous SENT/DELIVERED events are never downloaded.
EMAIL_EVENT_KINDS: dict[str, ActivityKind] = {
    "OPEN": ActivityKind.EMAIL_OPEN,
    "CLICK": ActivityKind.EMAIL_CLICK,
    "BOUNCE": ActivityKind.HARD_BOUNCE,
    "STATUSCHANGE": ActivityKind.UNSUBSCRIBED,
}
HARD_BOUNCE_CATEGORY = "HARD_BOUNCE"
UNSUBSCRIBED_STATUS = "UNSUBSCRIBED"
