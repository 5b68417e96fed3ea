"""`connector report` prints the hand-computed figures as JSON, CSV and terminal tables."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from connector.cli import cli
from connector.store import Store
from tests.integration.reports import world

PERIOD_ARGS = ["--since", "2026-03-02", "--until", "2026-03-15"]  # the last day is included


@pytest.fixture
def run(sqlite_url):
    store = Store.from_url(sqlite_url)
    world.seed(store)
    store.close()

    def run(*args: str):
        return CliRunner().invoke(
            cli,
            ["--env-file", "", "report", *args],
            env={"DATABASE_URL": sqlite_url, "LEADFLOW_DEMO": "true"},
        )

    return run


def test_it_prints_every_figure_as_json_with_missing_rates_as_null(run):
    result = run(*PERIOD_ARGS, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["period"] == {
        "since": "2026-03-02T00:00:00+00:00",
        "until": "2026-03-16T00:00:00+00:00",
    }
    overall = document["overall"]
    assert overall["funnel"]["marketingqualifiedlead"] == 3
    assert [c["rate"] for c in overall["conversions"]][1:] == [2 / 3, 0.0, None]
    assert overall["time_in_stage"][1]["median_seconds"] == 10.75 * world.DAY
    assert overall["follow_up"]["completed_in_sla"] == 1
    assert overall["nurture"][0] == {
        "step": 1,
        "sent": 2,
        "opened": 1,
        "clicked": 1,
        "unsubscribed": 1,
        "bounced": 0,
    }


def test_it_prints_one_figure_a_row_as_csv_for_each_group(run):
    result = run(*PERIOD_ARGS, "--by", "source", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    value = {(r["group"], r["section"], r["item"], r["metric"]): r["value"] for r in rows}
    assert value["all", "conversion", "lead→marketingqualifiedlead", "rate"] == "0.75"
    assert value["all", "conversion", "opportunity→customer", "rate"] == ""
    assert value["ORGANIC_SEARCH", "funnel", "marketingqualifiedlead", "reached"] == "2"
    assert value["(none)", "funnel", "lead", "reached"] == "2"


def test_it_prints_tables_with_a_dash_where_nothing_can_be_divided(run):
    result = run(*PERIOD_ARGS, "--by", "source")
    assert result.exit_code == 0, result.output
    assert "66.7%" in result.output  # MQL→SQL
    assert "10.8 d" in result.output  # median time in MQL
    assert "—" in result.output  # opportunity→customer has no cohort
    assert "PAID_SEARCH" in result.output


def test_it_reports_an_empty_period_without_failing(run):
    result = run("--since", "2020-01-01", "--until", "2020-01-31")
    assert result.exit_code == 0, result.output
    assert "Funnel and cohort conversion" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "is not a date"),  # unreadable date
        (["--since", "2026-03-10", "--until", "2026-03-01"], "must end after it starts"),
        (["--by", "colour"], "'colour' is not one of"),  # unknown breakdown
    ],
)
def test_it_refuses_bad_options_with_a_clear_message(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
