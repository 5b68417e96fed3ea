"""A whole leadflow over the sandbox, in one test process, on one injected clock.

    with live_connector(store, Clock()) as live:
        live.submit_form("contact", {"email": "dm@bigco.test", ...})
        live.settle()                      # webhooks → inbox → verdicts → HubSpot
        assert live.hubspot_contact("dm@bigco.test")["lifecyclestage"] == ...

Real parts all the way: the sandbox over loopback HTTP posts signed webhooks to
leadflow's Flask app (served on its own port), the official SDK talks to the
sandbox, and the Connector's workers run when the test calls them, so a test
replays days in seconds by moving the clock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from werkzeug.serving import make_server

from connector.app import create_app
from connector.hubspot.gateway import HubSpotGateway
from connector.sandbox import DEMO_CLIENT_SECRET, DEMO_TOKEN
from connector.sandbox.site import DEMO_FORMS
from connector.sandbox.testing import RunningSandbox, running_sandbox
from connector.sandbox.world import Send
from connector.services import Connector, build_connector
from connector.settings import Settings
from connector.store import Store

SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / "config"
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
QUIET_ROUNDS = 50
PORTAL_LIMITS = ("rate_limit", "search_rate_limit")


class Clock:
    """One clock for leadflow (aware datetimes) and the sandbox world (epoch ms)."""

    def __init__(self, start: datetime = MONDAY_MORNING) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        self.now += delta if delta is not None else timedelta(**units)
        return self.now


@dataclass
class Live:
    hub: RunningSandbox
    connector: Connector
    store: Store
    clock: Clock
    url: str

    def settle(self) -> int:
        """Deliver webhooks, process the inbox and send due effects until all is quiet;
        return how many effects were sent."""
        sent = 0
        for _ in range(QUIET_ROUNDS):
            assert self._delivered(10), "the sandbox could not deliver its webhooks"
            processed = self.connector.drain_inbox()
            dispatched = self.connector.dispatch_due()
            sent += dispatched
            if not processed and not dispatched and self._delivered(0):
                return sent
        raise AssertionError(f"still busy after {QUIET_ROUNDS} rounds")

    def _delivered(self, timeout: float) -> bool:
        """True when every webhook went out; a refused one (e.g. a 401 because the test
        moved the clock past the signature's 5 minutes before settling) fails the test."""
        webhooks = self.hub.sandbox.webhooks
        if webhooks is None:
            return True
        drained = webhooks.drain(timeout)
        refused = [d for d in webhooks.deliveries if d.status is not None and 400 <= d.status < 500]
        assert not refused, f"leadflow refused webhooks: {refused}"
        return drained

    def submit_form(
        self, form: str, fields: dict[str, str], page: str = "/site/", hutk: str | None = None
    ) -> None:
        """A prospect fills in one of the demo forms (newsletter, ebook, webinar, contact);
        `hutk` is the tracking cookie of a visitor whose page views become theirs."""
        context = {"pageUri": f"https://demo.leadflow.test{page}", "pageName": form}
        answer = requests.post(
            f"{self.hub.base_url}/submissions/v3/integration/submit/"
            f"{self.hub.state.portal_id}/{DEMO_FORMS[form].guid}",
            json={
                "fields": [
                    {"objectTypeId": "0-1", "name": k, "value": v} for k, v in fields.items()
                ],
                "context": {**context, **({"hutk": hutk} if hutk else {})},
            },
            timeout=5,
        )
        assert answer.status_code == 200, answer.text

    def hubspot_contact(self, email: str, *properties: str) -> dict[str, str]:
        """The contact as HubSpot (the sandbox) holds it now, with its id as `hs_object_id`."""
        names = ",".join(("hs_object_id", "lifecyclestage", *properties))
        answer = requests.get(
            f"{self.hub.base_url}/crm/v3/objects/contacts/{email}",
            params={"idProperty": "email", "properties": names},
            headers={"Authorization": f"Bearer {self.hub.token}"},
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["properties"]

    def hubspot_tasks(self) -> list[dict[str, str]]:
        """Every task in the portal (its properties), oldest first."""
        with self.hub.state.lock:
            return [dict(task.props) for task in self.hub.state.tasks.records.values()]

    def hubspot_sends(self) -> list[Send]:
        """Every single-send email request HubSpot received, oldest first."""
        with self.hub.state.lock:
            return list(self.hub.state.sends)

    def hubspot_privacy_delete(self, contact_id: str) -> None:
        """HubSpot's GDPR delete: the contact is erased for good."""
        self._call("POST", "/gdpr-delete", {"objectId": contact_id}, expected=204)

    def hubspot_merge(self, primary_id: str, other_id: str) -> str:
        """Someone merges two contacts in HubSpot; returns the id of the merged contact."""
        body = {"primaryObjectId": primary_id, "objectIdToMerge": other_id}
        return self._call("POST", "/merge", body).json()["id"]

    def hubspot_update(self, contact_id: str, **properties: str) -> None:
        """A person changes the contact in HubSpot (sales, an admin, an import)."""
        self._call("PATCH", f"/{contact_id}", {"properties": properties})

    def _call(self, method: str, path: str, body: dict, expected: int = 200) -> requests.Response:
        """One call to the sandbox's contacts API, as the portal's users' tools make it."""
        answer = requests.request(
            method,
            f"{self.hub.base_url}/crm/v3/objects/contacts{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.hub.token}"},
            timeout=5,
        )
        assert answer.status_code == expected, answer.text
        return answer

    def connector_environment(self, **extra: str) -> dict[str, str]:
        """The environment a real `connector` process needs to work on this portal and store."""
        return {
            **os.environ,
            "DATABASE_URL": self.store.engine.url.render_as_string(hide_password=False),
            "LEADFLOW_CONFIG_DIR": str(SHIPPED_CONFIG),
            "HUBSPOT_BASE_URL": self.hub.base_url,
            "HUBSPOT_ACCESS_TOKEN": self.hub.token,
            "HUBSPOT_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            **extra,
        }


def live_settings(store_url: str, config_dir: Path = SHIPPED_CONFIG) -> Settings:
    return Settings.from_environment(
        {
            "DATABASE_URL": store_url,
            "LEADFLOW_CONFIG_DIR": str(config_dir),
            "HUBSPOT_ACCESS_TOKEN": DEMO_TOKEN,
            "HUBSPOT_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        },
        dotenv_path=None,
    )


@contextmanager
def live_connector(
    store: Store,
    clock: Clock,
    *,
    config_dir: Path = SHIPPED_CONFIG,
    contacts: int = 0,
    owners: int = 4,
    **sandbox_options,
) -> Iterator[Live]:
    """leadflow's HTTP app on a loopback port, a sandbox posting webhooks to it with
    `owners` sales reps, and a Connector over both, all on `clock`.
    `webhook_url=None` starts a portal that sends no webhooks (only the sync sees it).
    A `rate_limit` or `search_rate_limit` given to the sandbox is the Connector's too,
    as HUBSPOT_RATE_LIMIT names the portal's limits in production."""
    settings = live_settings(store.engine.url.render_as_string(hide_password=False), config_dir)
    server = make_server("127.0.0.1", 0, create_app(settings, store, clock), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    sandbox_options.setdefault("webhook_backoff_s", 0.05)
    sandbox_options.setdefault("webhook_url", f"{url}/webhooks/hubspot")
    try:
        with running_sandbox(contacts=contacts, clock=clock.ms, **sandbox_options) as hub:
            with hub.state.lock:
                for index in range(owners if not contacts else 0):
                    hub.state.add_owner(f"rep{index}@demo.test", f"Rep{index}", "Sales")
            limits = {k: v for k, v in sandbox_options.items() if k in PORTAL_LIMITS}
            gateway = HubSpotGateway(hub.base_url, hub.token, now=clock, **limits)
            yield Live(hub, build_connector(settings, store, gateway, clock), store, clock, url)
    finally:
        server.shutdown()
        thread.join(timeout=5)
