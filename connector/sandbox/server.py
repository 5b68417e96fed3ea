"""The sandbox's Flask app and its threaded HTTP server.

Every API request passes the same gate, in HubSpot's order:
1. authentication: `Authorization: Bearer <token>`, else 401 INVALID_AUTHENTICATION;
2. rate limits (limits.py), else 429 with HubSpot's body;
3. fault injection (limits.py): 5xx, 429, slow, timeout or a dropped connection;
4. the route; `ApiError` becomes HubSpot's error body.
Each request is written to the request log once, a dropped one with status 0. The public form
submission endpoint and the demo site need no token and are not rate limited.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import threading
import time
from dataclasses import dataclass, field

from cheroot import wsgi
from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from connector.sandbox import (
    associations,
    control,
    crm,
    emails,
    engagement_api,
    forms,
    merges,
    owners,
    properties_api,
    site,
)
from connector.sandbox.limits import FaultInjector, FaultRule, RateLimiter, rate_limit_body
from connector.sandbox.request_log import LoggedRequest, RequestLog
from connector.sandbox.shapes import ApiError, correlation_id
from connector.sandbox.webhook_sender import WebhookSender
from connector.sandbox.world import World

CRM_ROUTES = (associations, crm, merges, owners, properties_api)
ROUTES = (*CRM_ROUTES, control, emails, engagement_api, forms, site)
DEMO_TOKEN = "pat-sandbox-demo-token"
DEMO_CLIENT_SECRET = "sandbox-demo-client-secret"
API_PREFIXES = ("/crm/", "/events/", "/email/", "/marketing/", "/webhooks/", "/form-integrations/")
CONTROL_PREFIX = "/_sandbox/"
# Requests served at once: slow and timeout faults hold a thread each while they wait.
SERVER_THREADS = 32
RATE_EXEMPT = ("/marketing/v3/transactional/single-email/send", "/marketing/v4/email/single-send")
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


@dataclass
class SandboxOptions:
    """Everything a sandbox run can be told; demo defaults are not secrets."""

    token: str = DEMO_TOKEN
    client_secret: str = DEMO_CLIENT_SECRET
    app_id: int = 54321
    rate_limit: int = 190
    search_rate_limit: int = 5
    daily_limit: int = 650_000
    faults: list[FaultRule] = field(default_factory=list)
    fault_seed: int = 1
    webhook_url: str | None = None
    webhook_properties: tuple[str, ...] = (
        "lifecyclestage",
        "num_conversion_events",
        "recent_conversion_event_name",
        "hs_email_optout",
        "hubspot_owner_id",
        "hs_lead_status",
    )
    webhook_max_retries: int = 10
    webhook_backoff_s: float = 60.0
    webhook_timeout_s: float = 5.0
    merge_new_id: bool = True  # a merge makes a new contact (False: the primary keeps its id)


@dataclass
class Sandbox:
    """One running sandbox: the world plus the machinery around it."""

    world: World
    options: SandboxOptions
    request_log: RequestLog
    limiter: RateLimiter
    faults: FaultInjector
    webhooks: WebhookSender | None = None
    base_url: str = ""

    def start_background(self) -> None:
        if self.webhooks is not None:
            self.webhooks.start()

    def stop_background(self) -> None:
        if self.webhooks is not None:
            self.webhooks.stop()


def create_app(world: World, options: SandboxOptions | None = None) -> Flask:
    """A Flask app serving the sandbox's HubSpot API, forms endpoint and demo site."""
    options = options or SandboxOptions()
    app = Flask(__name__)
    app.json.sort_keys = False
    state = Sandbox(
        world=world,
        options=options,
        request_log=RequestLog(),
        limiter=RateLimiter(options.rate_limit, options.search_rate_limit, options.daily_limit),
        faults=FaultInjector(options.faults, options.fault_seed),
    )
    if options.webhook_url:
        state.webhooks = WebhookSender(
            options.webhook_url,
            options.client_secret,
            portal_id=world.portal_id,
            app_id=options.app_id,
            properties=options.webhook_properties,
            max_retries=options.webhook_max_retries,
            backoff_s=options.webhook_backoff_s,
            timeout_s=options.webhook_timeout_s,
            clock=world.now,
        )
        world.listeners.append(state.webhooks.listen)
    app.extensions["sandbox"] = state
    for module in ROUTES:
        app.register_blueprint(module.blueprint)
    app.before_request(_gate)
    app.after_request(_log)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _state() -> Sandbox:
    from connector.sandbox.web import sandbox

    return sandbox()


def _token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _gate():
    g.started = time.perf_counter()
    g.rate_headers = {}
    if not request.path.startswith((*API_PREFIXES, CONTROL_PREFIX)):
        return None
    state = _state()
    token = _token()
    if token is None or not hmac.compare_digest(token.encode(), state.options.token.encode()):
        body = {
            "status": "error",
            "message": AUTH_MESSAGE,
            "correlationId": correlation_id(),
            "category": "INVALID_AUTHENTICATION",
        }
        return body, 401
    if request.path.startswith(CONTROL_PREFIX):
        return None
    is_search = request.path.startswith("/crm/") and request.path.endswith("/search")
    verdict = state.limiter.check(
        token, state.world.now(), search=is_search, exempt=request.path in RATE_EXEMPT
    )
    g.rate_headers = verdict.headers
    if verdict.refusal is not None:
        return verdict.refusal, 429
    return _fault(state)


def _fault(state: Sandbox):
    rule = state.faults.draw(request.method, request.path)
    if rule is None:
        return None
    if rule.kind in ("slow", "timeout"):
        time.sleep(rule.delay_s)
        return None
    if rule.kind == "drop":
        g.dropped = True
        return DroppedConnection()
    if rule.kind == "429":
        return rate_limit_body("TEN_SECONDLY_ROLLING"), 429
    message = "Internal error" if rule.kind == "500" else "Service unavailable, try again later"
    body = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": "INTERNAL_ERROR",
    }
    return body, int(rule.kind)


class DroppedConnection(Response):
    """A response that is never sent: serving it closes the connection without an answer.

    It passes through `after_request` like any answer, so the request is logged
    once (status 0) before the client sees the connection go; the server takes the
    ECONNRESET for a client that went away, closes the socket and sends nothing.
    """

    def __call__(self, environ, start_response):
        raise ConnectionResetError(errno.ECONNRESET, "sandbox fault: connection dropped")


def _batch_size() -> int | None:
    if "/batch/" not in request.path:
        return None
    body = request.get_json(silent=True)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    return len(inputs) if isinstance(inputs, list) else None


def _record(state: Sandbox, status: int) -> None:
    started = g.get("started", time.perf_counter())
    state.request_log.add(
        LoggedRequest(
            method=request.method,
            path=request.path,
            status=status,
            at_ms=state.world.now(),
            duration_ms=(time.perf_counter() - started) * 1000,
            batch_size=_batch_size(),
            token=_token(),
        )
    )


def _log(response):
    for name, value in g.get("rate_headers", {}).items():
        response.headers[name] = value
    _record(_state(), 0 if g.get("dropped") else response.status_code)
    return response


def _api_error(error: ApiError):
    return error.body, error.status_code


def _http_error(error: HTTPException):
    body = {
        "status": "error",
        "message": error.description or error.name,
        "correlationId": correlation_id(),
        "category": "OBJECT_NOT_FOUND" if error.code == 404 else "VALIDATION_ERROR",
    }
    return body, error.code or 500


class SandboxServer:
    """The app on a real socket, served by cheroot's thread pool in a daemon thread.

    Connections are kept alive between requests, as HubSpot keeps them: a client's
    connection pool then costs what it costs in production (werkzeug's development
    server closes every connection after one answer).
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = wsgi.Server((host, port), app, numthreads=SERVER_THREADS)
        self._server.prepare()
        self.host, self.port = host, self._server.bind_addr[1]
        self.base_url = f"http://{host}:{self.port}"
        app.extensions["sandbox"].base_url = self.base_url
        self._thread = threading.Thread(target=self.serve_forever, name="sandbox-http", daemon=True)

    @property
    def sandbox(self) -> Sandbox:
        return self.app.extensions["sandbox"]

    def start(self) -> SandboxServer:
        """Serves from a daemon thread (tests); `stop()` ends it."""
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serves on the calling thread until `stop()` or Ctrl-C."""
        self.sandbox.start_background()
        with contextlib.suppress(KeyboardInterrupt):
            self._server.serve()

    def stop(self) -> None:
        self.sandbox.stop_background()
        self._server.stop()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
