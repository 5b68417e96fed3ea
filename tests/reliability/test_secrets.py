"""No secret ever reaches a log line or a page, and the dashboard refuses strangers.

Two real `connector serve` processes get secrets made up for the test:
- a production run (gunicorn and its worker) against a sandbox that accepts only
  the test's token, some of whose calls fail and which finally stops accepting
  the token at all, so errors of every kind get logged;
- the demo (`serve --demo`), which replaces the HubSpot token and client secret
  with its sandbox's: neither the given ones nor those in use may show.
Strangers, forgers and an admin make their requests meanwhile; every log line of
every process, and every answer, is searched for each secret.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from collections.abc import Callable

import pytest
import requests

from connector.sandbox import DEMO_CLIENT_SECRET, DEMO_TOKEN
from connector.sandbox.limits import FaultRule
from connector.sandbox.site import DEMO_FORMS
from connector.sandbox.testing import running_sandbox
from tests.reliability.outcome import portal, submit_wave
from tests.reliability.processes import CONNECTOR, Runner, Server, environment, free_port

DEMO_PORTAL = 62515


def made_up(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(16)}"


def visit(url: str, dashboard_token: str) -> dict[str, requests.Response]:
    """What strangers, forgers and the admin ask; each answer by what was asked."""
    too_big = b"[" * (2 * 1024 * 1024)
    forged = {"X-HubSpot-Signature-v3": "Zm9yZ2Vk", "X-HubSpot-Request-Timestamp": "1"}
    asked = {
        "health": ("GET", "/healthz", {}),
        "ready": ("GET", "/readyz", {}),
        "metrics": ("GET", "/metrics", {}),
        "dashboard, no token": ("GET", "/dashboard", {}),
        "dashboard, wrong token": ("GET", "/dashboard?token=wrong", {}),
        "dashboard, wrong bearer": (
            "GET",
            "/dashboard",
            {"headers": {"Authorization": "Bearer x"}},
        ),
        "webhook, forged": ("POST", "/webhooks/hubspot", {"data": b"[]", "headers": forged}),
        "webhook, too big": ("POST", "/webhooks/hubspot", {"data": too_big}),
        "workflow, wrong secret": (
            "POST",
            "/webhooks/hubspot/workflow",
            {"json": {"objectId": 1}, "headers": {"X-Leadflow-Workflow-Secret": "guess"}},
        ),
        "no such page": ("GET", "/admin", {}),
        "wrong method": ("PUT", "/webhooks/hubspot", {}),
        "dashboard, admin bearer": (
            "GET",
            "/dashboard",
            {"headers": {"Authorization": f"Bearer {dashboard_token}"}},
        ),
        "dashboard, admin link": ("GET", f"/dashboard?token={dashboard_token}", {}),
    }
    session = requests.Session()
    return {
        what: session.request(method, url + path, timeout=30, **options)
        for what, (method, path, options) in asked.items()
    }


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.2)


def leaks(text: str, kept: dict[str, str]) -> list[str]:
    return [name for name, value in kept.items() if value in text]


def assert_nothing_leaked(logs: str, answers: dict, kept: dict[str, str], figures) -> None:
    """No secret in any log line or answer (headers and body); strangers were refused."""
    pages = "\n".join(f"{a.headers}\n{a.text}" for a in answers.values())
    figures(
        log_lines=logs.count("\n"),
        pages=len(answers),
        secrets_checked=len(kept),
        leaked_in_logs=leaks(logs, kept),
        leaked_in_pages=leaks(pages, kept),
    )
    assert_strangers_refused(answers)
    assert leaks(logs, kept) == []
    assert leaks(pages, kept) == []


def assert_strangers_refused(answers: dict[str, requests.Response]) -> None:
    status = {what: answer.status_code for what, answer in answers.items()}
    assert status["dashboard, no token"] == 401
    assert status["dashboard, wrong token"] == 401
    assert status["dashboard, wrong bearer"] == 401
    assert status["webhook, forged"] == 401
    assert status["webhook, too big"] == 413
    assert status["workflow, wrong secret"] == 401
    assert status["dashboard, admin bearer"] == 200
    assert status["dashboard, admin link"] == 200  # after the redirect that drops the token
    assert answers["dashboard, admin link"].url.endswith("/dashboard")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_production_run_shows_no_secret_in_any_log_or_page(
    database_url, round_the_clock, tmp_path, figures
):
    kept = {
        "HUBSPOT_ACCESS_TOKEN": made_up("pat"),
        "HUBSPOT_CLIENT_SECRET": made_up("secret"),
        "LEADFLOW_DASHBOARD_TOKEN": made_up("dash"),
        "LEADFLOW_WORKFLOW_SECRET": made_up("flow"),
    }
    port = free_port()
    with running_sandbox(
        token=kept["HUBSPOT_ACCESS_TOKEN"],
        client_secret=kept["HUBSPOT_CLIENT_SECRET"],
        webhook_url=f"http://127.0.0.1:{port}/webhooks/hubspot",
        webhook_backoff_s=0.05,
        faults=[FaultRule("/crm/*", "503", 0.2)],
    ) as hub:
        with hub.state.lock:
            hub.state.add_owner("rep0@demo.test", "Rep0", "Sales")
        env = environment(
            hub,
            database_url,
            round_the_clock,
            LEADFLOW_ENV="production",
            LEADFLOW_DASHBOARD_TOKEN=kept["LEADFLOW_DASHBOARD_TOKEN"],
            LEADFLOW_WORKFLOW_SECRET=kept["LEADFLOW_WORKFLOW_SECRET"],
            LOG_LEVEL="debug",
            WEB_CONCURRENCY="1",
        )
        runner = Runner(env, tmp_path)
        server = Server(runner, port, options=("--production",))
        live = portal(hub)
        try:
            server.ensure_up()
            answers = visit(server.url, kept["LEADFLOW_DASHBOARD_TOKEN"])
            submit_wave(live, 0)
            wait_for(lambda: scored(hub, "sql0@bigco.test"), "the SQL was written back")
            hub.sandbox.options.token = made_up("rotated")  # HubSpot stops taking our token
            submit_wave(live, 1)
            wait_for(lambda: "INVALID_AUTHENTICATION" in runner.logs(), "a refused HubSpot call")
            answers |= {f"{k}, later": v for k, v in visit(server.url, "x").items()}
        finally:
            server.stop()
    assert_nothing_leaked(runner.logs(), answers, kept, figures)


def scored(hub, email: str) -> bool:
    with hub.state.lock:
        return any(
            c.props.get("email") == email and c.props.get("leadflow_score")
            for c in hub.state.contacts.records.values()
        )


def test_the_demo_shows_neither_the_secrets_it_was_given_nor_its_own(
    tmp_path, round_the_clock, figures
):
    given = {
        "HUBSPOT_ACCESS_TOKEN": made_up("pat"),
        "HUBSPOT_CLIENT_SECRET": made_up("secret"),
        "LEADFLOW_DASHBOARD_TOKEN": made_up("dash"),
    }
    in_use = {"sandbox token": DEMO_TOKEN, "sandbox client secret": DEMO_CLIENT_SECRET}
    env = {
        **os.environ,
        **given,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "LEADFLOW_CONFIG_DIR": str(round_the_clock),
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    runner = Runner(env, tmp_path)
    server = Server(runner, free_port(), options=("--demo", "--demo-contacts", "40"))
    try:
        server.ensure_up()
        sandbox_url = re.search(
            r"sandbox on (\S+)", runner.runs[0].log.with_suffix(".out").read_text()
        )[1]
        answers = visit(server.url, given["LEADFLOW_DASHBOARD_TOKEN"])
        fill_in_contact_form(sandbox_url)
        wait_for(
            lambda: demo_scored(sandbox_url, "cfo@demo-visitor.test"), "the visitor was judged"
        )
    finally:
        server.stop()
    assert_nothing_leaked(runner.logs(), answers, {**given, **in_use}, figures)


def fill_in_contact_form(sandbox_url: str) -> None:
    answer = requests.post(
        f"{sandbox_url}/submissions/v3/integration/submit/{DEMO_PORTAL}/{DEMO_FORMS['contact'].guid}",
        json={
            "fields": [
                {"objectTypeId": "0-1", "name": name, "value": value}
                for name, value in {
                    "email": "cfo@demo-visitor.test",
                    "jobtitle": "CFO",
                    "hs_buying_role": "DECISION_MAKER",
                    "budget": "over_250k",
                    "challenge": "Leads go cold before sales calls.",
                }.items()
            ],
            "context": {
                "pageUri": "https://demo.leadflow.test/site/contact",
                "pageName": "contact",
            },
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def demo_scored(sandbox_url: str, email: str) -> bool:
    answer = requests.get(
        f"{sandbox_url}/crm/v3/objects/contacts/{email}",
        params={"idProperty": "email", "properties": "leadflow_score"},
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
        timeout=10,
    )
    return answer.status_code == 200 and bool(answer.json()["properties"].get("leadflow_score"))


def test_production_refuses_to_start_without_a_dashboard_token(tmp_path):
    result = subprocess.run(
        [CONNECTOR, "--env-file", os.devnull, "serve", "--production"],
        env={
            **os.environ,
            "LEADFLOW_ENV": "production",
            "LEADFLOW_DASHBOARD_TOKEN": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: LEADFLOW_DASHBOARD_TOKEN is required when LEADFLOW_ENV=production"
    )
