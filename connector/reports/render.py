"""A `Report` as text: terminal tables, JSON for programs, CSV for spreadsheets.

JSON keeps every figure with missing values as null; CSV is one figure a row
(group, section, item, metric, value) so a pivot table can rebuild any view;
the terminal view shows the overall figures and, with a breakdown, one row per
group.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, astuple

from rich.console import Console
from rich.table import Table

from connector.reports.figures import bucket_labels, rate, show_duration, show_rate, stage_name
from connector.reports.report import Figures, Report
from connector.store.reporting import STAY_BUCKETS

OVERALL = "all"
TERMINAL_WIDTH = 120


def as_json(report: Report) -> str:
    labels = bucket_labels(STAY_BUCKETS)
    document = {
        "period": {
            "since": report.period.since.isoformat(),
            "until": report.period.until.isoformat(),
        },
        "generated_at": report.generated_at.isoformat(),
        "by": report.by,
        "overall": _figures_document(report.overall),
        "groups": {name: _figures_document(figures) for name, figures in report.groups.items()},
        "weekly_conversion": {
            f"{a}→{b}": [
                {
                    "week": w.start.isoformat(),
                    "cohort": w.cohort,
                    "converted": w.converted,
                    "rate": w.rate,
                }
                for w in weeks
            ]
            for (a, b), weeks in report.weekly.items()
        },
        "time_in_stage_distribution": [
            {"stage": b.stage, "bucket": labels[b.bucket], "stays": b.count}
            for b in report.distribution
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def as_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["group", "section", "item", "metric", "value"])
    populations = [(OVERALL, report.overall), *report.groups.items()]
    for group, figures in populations:
        for section, item, metric, value in _figure_rows(figures):
            writer.writerow([group, section, item, metric, "" if value is None else value])
    return buffer.getvalue()


def as_table(report: Report) -> str:
    console = Console(
        file=io.StringIO(), width=TERMINAL_WIDTH, force_terminal=False, color_system=None
    )
    period = report.period
    console.print(
        f"leadflow funnel report  {period.since:%Y-%m-%d %H:%M} → {period.until:%Y-%m-%d %H:%M} UTC"
        f"  (as of {report.generated_at:%Y-%m-%d %H:%M} UTC)"
    )
    for table in _overall_tables(report.overall):
        console.print(table)
    if report.groups:
        console.print(_breakdown_table(report))
    return console.file.getvalue()


def _figures_document(figures: Figures) -> dict:
    return {
        "funnel": figures.funnel,
        "conversions": [
            {
                "from": c.from_stage,
                "to": c.to_stage,
                "cohort": c.cohort,
                "converted": c.converted,
                "rate": c.rate,
            }
            for c in figures.conversions
        ],
        "time_in_stage": [
            {"stage": t.stage, "stays": t.stays, "median_seconds": t.median, "p90_seconds": t.p90}
            for t in figures.time_in_stage
        ],
        "nurture": [_without_group(asdict(step)) for step in figures.nurture],
        "follow_up": _without_group(asdict(figures.follow_up)),
    }


def _without_group(values: dict) -> dict:
    return {key: value for key, value in values.items() if key != "group"}


def _figure_rows(figures: Figures) -> Iterator[tuple[str, str, str, object]]:
    document = _figures_document(figures)
    for stage, count in figures.funnel.items():
        yield "funnel", stage, "reached", count
    for conversion in document["conversions"]:
        item = f"{conversion['from']}→{conversion['to']}"
        for metric in ("cohort", "converted", "rate"):
            yield "conversion", item, metric, conversion[metric]
    for time in document["time_in_stage"]:
        for metric in ("stays", "median_seconds", "p90_seconds"):
            yield "time_in_stage", time["stage"], metric, time[metric]
    for step in document["nurture"]:
        for metric, value in step.items():
            if metric != "step":
                yield "nurture", f"step {step['step']}", metric, value
    for metric, value in document["follow_up"].items():
        yield "follow_up", "call_tasks" if metric != "recycled" else "leads", metric, value


def _overall_tables(figures: Figures) -> list[Table]:
    funnel = Table(
        "stage",
        "reached",
        "→ next stage",
        "cohort",
        "converted",
        "rate",
        title="Funnel and cohort conversion",
    )
    conversions = {c.from_stage: c for c in figures.conversions}
    for stage, count in figures.funnel.items():
        c = conversions.get(stage)
        funnel.add_row(
            stage_name(stage),
            str(count),
            *(
                (stage_name(c.to_stage), str(c.cohort), str(c.converted), show_rate(c.rate))
                if c
                else ("", "", "", "")
            ),
        )
    times = Table("stage", "stays ended", "median", "p90", title="Time in stage")
    for t in figures.time_in_stage:
        times.add_row(
            stage_name(t.stage), str(t.stays), show_duration(t.median), show_duration(t.p90)
        )
    nurture = Table(
        "step", "sent", "opened", "clicked", "unsubscribed", "bounced", title="Nurture emails"
    )
    for s in figures.nurture:
        nurture.add_row(
            str(s.step),
            str(s.sent),
            *(
                f"{count} ({show_rate(rate(count, s.sent))})"
                for count in (s.opened, s.clicked, s.unsubscribed, s.bounced)
            ),
        )
    if not figures.nurture:
        nurture.add_row("—", "0", "", "", "", "")
    follow_up = Table(
        "CALL tasks planned",
        "created",
        "done within SLA",
        "done late",
        "overdue",
        "parked",
        "leads recycled",
        title="Sales follow-up",
    )
    follow_up.add_row(*(str(count) for count in astuple(figures.follow_up)[1:]))
    return [funnel, times, nurture, follow_up]


def _breakdown_table(report: Report) -> Table:
    stages = list(report.overall.funnel)
    table = Table(
        report.by or "",
        *(stage_name(s) for s in stages),
        "lead→MQL",
        "MQL→SQL",
        "median MQL",
        "CALL tasks",
        "overdue",
        title=f"By {report.by}",
    )
    for name, figures in report.groups.items():
        rates = {c.from_stage: c.rate for c in figures.conversions}
        mql_time = figures.time_in_stage[1].median
        table.add_row(
            name,
            *(str(figures.funnel[s]) for s in stages),
            show_rate(rates[stages[0]]),
            show_rate(rates[stages[1]]),
            show_duration(mql_time),
            str(figures.follow_up.planned),
            str(figures.follow_up.overdue),
        )
    return table
