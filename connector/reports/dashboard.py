"""`/dashboard`: the report as a page with charts, plus the connector's operational health.

Access (checked before every request of the blueprint):
1. With LEADFLOW_DASHBOARD_TOKEN set, a request must offer it as `?token=`, as
   `Authorization: Bearer`, or carry the cookie a first successful visit sets (a
   keyed hash of the token, never the token itself). `?token=` answers with a
   redirect to the same page without it, so the token leaves the address bar.
2. Without a token, a development process serves the page to anyone with a
   banner saying so; a production process refuses (settings already insist
   production has a token; this is the second lock).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request

from connector.domain import Stage
from connector.reports import charts, metrics
from connector.reports.figures import (
    bucket_labels,
    rate,
    show_duration,
    show_rate,
    stage_name,
)
from connector.reports.health import current_time, read_health
from connector.reports.report import Report, build_report
from connector.settings import Settings
from connector.store.reporting import MEASURED_STAYS, STAY_BUCKETS, Period

COOKIE = "leadflow_dashboard"
DEFAULT_DAYS = 90
MAX_DAYS = 730
BREAKDOWN = "source"
TOP_SOURCES = 8

blueprint = Blueprint("dashboard", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Serve /dashboard and add the store's figures to the app's /metrics."""
    app.register_blueprint(blueprint)
    metrics.register()


@blueprint.before_request
def require_token():
    settings: Settings = current_app.extensions["leadflow.settings"]
    token = settings.dashboard_token
    g.dashboard_open = False
    if not token:
        if settings.environment == "production":
            abort(403, "the dashboard is closed: LEADFLOW_DASHBOARD_TOKEN is not set")
        g.dashboard_open = True
        return None
    offered = request.args.get("token")
    if offered is not None:
        if not hmac.compare_digest(offered.encode(), token.encode()):
            abort(401, "wrong dashboard token")
        response = redirect(_without_token())
        response.set_cookie(
            COOKIE,
            _cookie_value(token),
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
            max_age=int(timedelta(days=30).total_seconds()),
        )
        return response
    bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if bearer and hmac.compare_digest(bearer.encode(), token.encode()):
        return None
    if hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), _cookie_value(token).encode()):
        return None
    abort(401, "the dashboard needs LEADFLOW_DASHBOARD_TOKEN: open /dashboard?token=…")


@blueprint.get("/dashboard")
def dashboard():
    days = request.args.get("days", str(DEFAULT_DAYS))
    if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
        abort(400, f"days must be a whole number from 1 to {MAX_DAYS}")
    days = int(days)
    store = current_app.extensions["leadflow.store"]
    now = current_time(current_app.extensions)
    report = build_report(store, Period(now - timedelta(days=days), now), now, BREAKDOWN)
    return render_template(
        "dashboard.html",
        report=report,
        days=days,
        open_access=g.dashboard_open,
        health=read_health(store, now),
        charts=_charts(report),
        stage_name=stage_name,
        show_rate=show_rate,
        show_duration=show_duration,
        rate=rate,
    )


def _charts(report: Report) -> dict:
    overall = report.overall
    weeks = next(iter(report.weekly.values()), [])
    labels = bucket_labels(STAY_BUCKETS)
    distribution = {(b.stage, b.bucket): b.count for b in report.distribution}
    sources = sorted(report.groups.items(), key=lambda item: -item[1].funnel["lead"])[:TOP_SOURCES]
    funnel_stages = list(overall.funnel)[:3]
    return {
        "funnel": charts.horizontal_bars(
            [(stage_name(stage), count) for stage, count in overall.funnel.items()],
            "Contacts reaching each stage",
        ),
        "weekly": charts.line_chart(
            [week.start.strftime("%d %b") for week in weeks],
            [
                (f"{stage_name(a)}→{stage_name(b)}", [w.rate for w in series])
                for (a, b), series in report.weekly.items()
                if a != Stage.OPPORTUNITY
            ],
            "Cohort conversion by week the cohort entered",
        ),
        "time_in_stage": charts.grouped_bars(
            labels,
            [
                (
                    stage_name(stage.value),
                    [distribution.get((stage.value, i), 0) for i in range(len(labels))],
                )
                for stage in MEASURED_STAYS
            ],
            "Stays by duration",
        ),
        "sources": charts.grouped_bars(
            [name for name, _ in sources],
            [
                (stage_name(stage), [figures.funnel[stage] for _, figures in sources])
                for stage in funnel_stages
            ],
            "Contacts reaching lead, MQL and SQL by original source",
        ),
    }


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"leadflow-dashboard-cookie", hashlib.sha256).hexdigest()


def _without_token() -> str:
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
    return request.path + (f"?{query}" if query else "")
