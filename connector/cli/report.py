"""`connector report`: the funnel figures of a period, read from the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import click

from connector.cli.context import CliContext
from connector.reports import as_csv, as_json, as_table, build_report
from connector.store.reporting import BREAKDOWNS, Period

DEFAULT_DAYS = 30
RENDERERS = {"table": as_table, "json": as_json, "csv": as_csv}


class Moment(click.ParamType):
    """A date (YYYY-MM-DD) or an ISO-8601 time; times without an offset are UTC."""

    name = "DATE|TIME"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime | date):
            return value
        try:
            parsed = (
                date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
            )
        except ValueError:
            self.fail(f"{value!r} is not a date (2026-03-01) or an ISO time", param, ctx)
        return parsed


def period_of(
    since: date | datetime | None, until: date | datetime | None, now: datetime
) -> Period:
    """The report period: `until` defaults to now and a bare date includes that whole day;
    `since` defaults to DEFAULT_DAYS before `until` and a bare date starts at its midnight."""
    end = _instant(until, whole_day=True) if until else now
    start = _instant(since, whole_day=False) if since else end - timedelta(days=DEFAULT_DAYS)
    return Period(start, end)


def _instant(value: date | datetime, whole_day: bool) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return value + timedelta(days=1) if whole_day else value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@click.command()
@click.option(
    "--since", type=Moment(), help=f"Start (default: {DEFAULT_DAYS} days before --until)."
)
@click.option(
    "--until", type=Moment(), help="End, exclusive; a date includes that day (default: now)."
)
@click.option("--by", type=click.Choice(sorted(BREAKDOWNS)), help="Break the figures down.")
@click.option(
    "--format", "output", type=click.Choice(sorted(RENDERERS)), default="table", show_default=True
)
@click.pass_obj
def report(context: CliContext, since, until, by: str | None, output: str) -> None:
    """Funnel, MQL→SQL conversion, time in stage, nurture and sales follow-up for a
    period, from the connector's database (nothing is asked of HubSpot)."""
    now = datetime.now(UTC)
    try:
        period = period_of(since, until, now)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since/--until") from None
    figures = build_report(context.store, period, now, by)
    click.echo(RENDERERS[output](figures), nl=False)
