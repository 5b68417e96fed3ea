"""Helpers for sandbox tests: a hand-moved clock, the SDK client, error bodies."""

from __future__ import annotations

import json
import threading

from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest
from werkzeug.serving import make_server

from connector.sandbox.testing import RunningSandbox


class FrozenClock:
    """An epoch-ms clock a test moves by hand."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


def sdk_client(hub: RunningSandbox, token: str | None = None, **config) -> HubSpot:
    """The official SDK against the sandbox: every response goes through its models' validation."""
    return HubSpot(
        access_token=token or hub.token,
        host=hub.base_url,
        base_url=hub.base_url,
        client_side_validation=True,
        **config,
    )


def search(client: HubSpot, filters=(), groups=None, **kwargs):
    """A contacts search through the SDK: `filters` as one group, or `groups` as given."""
    request = PublicObjectSearchRequest(
        filter_groups=groups
        if groups is not None
        else ([{"filters": list(filters)}] if filters else []),
        **kwargs,
    )
    return client.crm.contacts.search_api.do_search(request)


def error_body(exception) -> dict:
    """HubSpot's JSON error body carried by an SDK ApiException."""
    return json.loads(exception.body)


def add_contacts(hub: RunningSandbox, count: int, **properties: str) -> list[str]:
    """Creates `count` contacts straight in the world (cheap), returning their ids."""
    world = hub.state
    with world.lock:
        return [
            str(
                world.contacts.create(
                    {"email": f"c{index}@bulk.test", **properties}, world.now()
                ).id
            )
            for index in range(count)
        ]


class Receiver:
    """A loopback webhook endpoint that records each POST and answers scripted statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhooks/hubspot"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode()
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        self.requests.append({"body": body, "headers": headers, "events": json.loads(body)})
        status = self.statuses.pop(0) if self.statuses else 200
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [b""]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
