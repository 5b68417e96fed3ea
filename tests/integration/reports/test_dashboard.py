"""/dashboard: who may see it, and what it shows of the hand-computed world."""

import dataclasses
import re

import pytest

from connector.app import create_app
from connector.reports.dashboard import COOKIE
from tests.integration.reports import world
from tests.integration.reports.world import NOW

TOKEN = "dashboard-token-for-tests"


def client_for(settings, store=None, **changes):
    app = create_app(dataclasses.replace(settings, **changes), store, clock=lambda: NOW)
    return app.test_client()


def test_it_is_open_with_a_warning_in_development_without_a_token(settings):
    response = client_for(settings).get("/dashboard")
    assert response.status_code == 200
    assert "LEADFLOW_DASHBOARD_TOKEN is not set" in response.text


def test_it_refuses_everyone_in_production_without_a_token(settings):
    response = client_for(settings, environment="production").get("/dashboard")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("", {}, 401),  # nothing offered
        ("?token=guess", {}, 401),  # wrong token in the address
        ("", {"Authorization": "Bearer guess"}, 401),  # wrong bearer token
        ("", {"Authorization": f"Bearer {TOKEN}"}, 200),  # right bearer token
    ],
)
def test_it_asks_for_the_token_when_one_is_configured(settings, query, headers, status):
    client = client_for(settings, dashboard_token=TOKEN)
    response = client.get(f"/dashboard{query}", headers=headers)
    assert response.status_code == status
    assert "is not set" not in response.text


def test_it_trades_the_token_in_the_address_for_a_cookie(settings):
    client = client_for(settings, dashboard_token=TOKEN)
    response = client.get(f"/dashboard?days=30&token={TOKEN}")
    assert response.status_code == 302
    assert response.location == "/dashboard?days=30"
    cookie = client.get_cookie(COOKIE)
    assert cookie.http_only and TOKEN not in cookie.value
    assert client.get("/dashboard?days=30").status_code == 200


@pytest.mark.parametrize("days", ["0", "9999", "many"])
def test_it_refuses_a_period_it_cannot_draw(settings, days):
    assert client_for(settings).get(f"/dashboard?days={days}").status_code == 400


def test_it_shows_the_funnel_conversions_and_follow_up_of_the_period(settings, store):
    world.seed(store)
    world.seed_operations(store)
    # 03-02 12:00 → NOW: bob's lead is too early; gus's lead and eve's MQL now count
    page = client_for(settings, store).get("/dashboard?days=18").text
    funnel = re.search(r'<section id="funnel">.*?</section>', page, re.S).group(0)
    assert re.findall(r'class="bar" data-value="(\d+)"', funnel) == ["4", "4", "3", "0", "0"]
    assert "<td>MQL → SQL</td><td>4</td><td>2</td><td>50.0%</td>" in funnel
    assert "10.8 d" in page  # median time in MQL
    assert "ORGANIC_SEARCH" in page
    assert re.search(r"overdue now</td><td class=\"warn\">2<", page)
    assert "v7" in page  # config version
    assert re.search(r'<path class="series" d="M', page)
    assert "no data in this period" not in page


def test_it_draws_empty_charts_as_a_sentence_not_a_blank(settings):
    page = client_for(settings).get("/dashboard").text
    assert page.count("no data in this period") == 4
