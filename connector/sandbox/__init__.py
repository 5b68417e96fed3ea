"""A local stand-in for the parts of HubSpot's public API leadflow uses.

Public names: `World` (the in-memory portal), `SandboxOptions`, `create_app`,
`SandboxServer`, `running_sandbox` (tests), `sandbox_command` (CLI),
`DEMO_TOKEN`, `DEMO_CLIENT_SECRET`.

Endpoints served, and how sure the shapes are ([spec] HubSpot's OpenAPI as the
official SDK's models carry it, [doc] developer docs, [2nd] other projects,
[unverified] an assumption; docs/sandbox.md has the details):

| endpoint | module | confidence |
|---|---|---|
| GET/POST /crm/v3/objects/{contacts,tasks}; GET/PATCH/DELETE .../{id} | crm | [spec] |
| POST /crm/v3/objects/{type}/batch/{read,create,update,upsert,archive} | crm | [spec] |
| POST /crm/v3/objects/{type}/search | crm, search | [spec]; 10,000 cap, limits [2nd/doc] |
| POST /crm/v3/objects/contacts/merge | merges | [spec]; new id, values [doc]; rest [unverified] |
| POST /crm/v3/objects/contacts/gdpr-delete | crm | [spec] |
| GET/PUT/DELETE /crm/v4/objects/{type}/{id}/associations/... | associations | [spec] |
| GET/POST /crm/v3/properties/{type}[/groups], GET .../{name} | properties_api | [spec] |
| GET /crm/v3/owners/, GET /crm/v3/owners/{id} | owners | [spec] |
| GET /events/v3/events/, GET /events/v3/events/event-types | engagement_api | [spec] |
| GET /marketing/v3/.../participations/contacts/{id}/breakdown | engagement_api | [spec] |
| GET /email/public/v1/events | engagement_api | [doc] |
| POST /submissions/v3/integration/submit/{portalId}/{formGuid} | forms | [doc]; errors [2nd] |
| POST /marketing/v3/transactional/single-email/send | emails | [spec] |
| POST /marketing/v4/email/single-send | emails | [spec] |
| GET /marketing/v3/email/send-statuses/{statusId} | emails | [unverified] |
| webhook POSTs to --webhook-url (v1 + v3 signatures) | webhook_sender | [sdk/doc]; retries [2nd] |
| contact.merge webhook fields | merges, webhook_sender | [doc]; objectId [unverified] |
| /site/... demo pages, /_sandbox/... control routes | site, control | sandbox-only |

Searches on a `lastmodifieddate`/`hs_lastmodifieddate` range, or sorted by one,
are served from an index of live records by modified time (modified_index),
so they cost the page, not the portal.

Event types on the events API: e_visited_page [spec example], e_submitted_form
[2nd], e_registered_marketing_event and e_attended_marketing_event [2nd, one
source], e_booked_meeting [unverified stand-in]. Email event types: SENT,
DELIVERED, OPEN, CLICK, BOUNCE, STATUSCHANGE [doc].
"""

from connector.sandbox.command import sandbox_command
from connector.sandbox.server import (
    DEMO_CLIENT_SECRET,
    DEMO_TOKEN,
    SandboxOptions,
    SandboxServer,
    create_app,
)
from connector.sandbox.testing import running_sandbox
from connector.sandbox.world import World

__all__ = [
    "DEMO_CLIENT_SECRET",
    "DEMO_TOKEN",
    "SandboxOptions",
    "SandboxServer",
    "World",
    "create_app",
    "running_sandbox",
    "sandbox_command",
]
