"""`connector contact ID_OR_EMAIL`: one contact's story, oldest first, for an admin.

What the contact did (activity), how leadflow judged it (score changes, stage
changes with the config version that made them) and what leadflow asked of
HubSpot (nurture emails planned and sent, tasks with their HubSpot ids).

Score changes come from the write-backs that carried them: the store keeps
the current score, and each write-back the score properties it planned and
sent (names from the active config's `write_back`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import click
from rich.console import Console, Group, RenderableType
from rich.table import Table

from connector.cli.context import CliContext
from connector.domain import Activity, EffectKind
from connector.lifecycle import Writeback, format_number, stage_label
from connector.store import ContactTimeline, StoredEffect, TransitionRecord
from connector.workflows import ConfigError, load_config

EXIT_NOT_FOUND = 1
OWNER_PROPERTY = "hubspot_owner_id"
ACTIVITY_DETAILS = ("form_name", "event_name", "meeting_title", "url", "email_id", "title")
STATES = {"pending": "planned", "sending": "sending"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline. `at` is when it happened, or is due when it has not."""

    at: datetime
    type: str
    summary: str
    state: str = ""
    hubspot_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "type": self.type,
            "summary": self.summary,
            "state": self.state,
            "hubspot_id": self.hubspot_id,
            **self.details,
        }


def activity_entry(activity: Activity) -> Entry:
    details = activity.details
    what = next((str(details[key]) for key in ACTIVITY_DETAILS if details.get(key)), "")
    return Entry(
        activity.occurred_at,
        "activity",
        f"{activity.kind} {what}".strip(),
        details={"kind": str(activity.kind), "details": dict(details)},
    )


def transition_entry(transition: TransitionRecord) -> Entry:
    move = f"{stage_label(transition.from_stage)} → {stage_label(transition.to_stage)}"
    if transition.kind == "recycle":
        move = f"recycled by sales at {stage_label(transition.to_stage)}"
    return Entry(
        transition.at,
        "stage",
        move,
        state=f"config {transition.config_version or '?'}",
        details={
            "transition_id": transition.id,
            "kind": transition.kind,
            "from": transition.from_stage,
            "to": transition.to_stage,
            "config_version": transition.config_version,
            "reasons": [reason["label"] for reason in transition.reasons],
        },
    )


def effect_entry(effect: StoredEffect, names: Writeback) -> Entry:
    """An effect at the time it was sent, or is due; its planning time is in the details."""
    at = effect.sent_at or effect.due_at
    state = STATES.get(effect.state, effect.state)
    details = {
        "key": effect.key,
        "planned_at": effect.created_at.isoformat(),
        "due_at": effect.due_at.isoformat(),
        "sent_at": effect.sent_at.isoformat() if effect.sent_at else None,
        "error": effect.error,
    }
    payload = effect.payload
    if effect.kind == EffectKind.UPDATE_CONTACT:
        written = payload.get("properties", {})
        scored = any(written.get(name) for name in (names.score, names.fit, names.engagement))
        summary = ", ".join(_written(written, names)) or "properties"
        details["properties"] = written
        return Entry(at, "score" if scored else "write-back", summary, state, None, details)
    if effect.kind == EffectKind.SEND_EMAIL:
        step, email_id = payload.get("step"), payload.get("email_id")
        summary = f"email {step} ({payload.get('step_id')}), HubSpot email {email_id}"
        details |= {key: payload.get(key) for key in ("step", "step_id", "email_id")}
        return Entry(at, "email", summary, state, effect.result_id, details)
    task_type = payload.get("task_type", "CALL")
    owner = payload.get("owner_id")
    summary = f"{task_type} task for owner {owner or '(none)'}: {payload.get('subject', '')}"
    details |= {key: payload.get(key) for key in ("task_type", "purpose", "owner_id", "subject")}
    return Entry(at, "task", summary, state, effect.result_id, details)


def _written(properties: dict[str, str], names: Writeback) -> list[str]:
    """The written values in words; the reason's text is left to --format json."""
    labels = {
        names.score: "score",
        names.fit: "fit",
        names.engagement: "engagement",
        names.stage: "stage",
        names.persona: "persona",
        names.model: "model",
        OWNER_PROPERTY: "owner",
    }
    words = []
    for name, label in labels.items():
        if name in properties:
            value = properties[name]
            words.append(f"{label} {stage_label(value) if name == names.stage else value}")
    if names.reason in properties:
        words.append("reason")
    return words


def timeline_entries(timeline: ContactTimeline, names: Writeback) -> list[Entry]:
    """Activity, stage changes and effects merged by time (stable for equal times)."""
    entries = [
        *(activity_entry(activity) for activity in timeline.activities),
        *(transition_entry(transition) for transition in timeline.transitions),
        *(effect_entry(effect, names) for effect in timeline.effects),
    ]
    return sorted(entries, key=lambda entry: entry.at)


def contact_summary(timeline: ContactTimeline) -> dict[str, Any]:
    stored = timeline.contact

    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": stored.id,
        "email": timeline.email,
        "stage": stored.stage,
        "score": stored.score,
        "fit": stored.fit_score,
        "engagement": stored.engagement_score,
        "owner_id": stored.owner_id,
        "persona": stored.persona,
        "model": stored.model,
        "config_version": timeline.config_version,
        "evaluated_at": moment(timeline.evaluated_at),
        "recycled_at": moment(stored.recycled_at),
    }


def render_timeline(summary: dict[str, Any], entries: list[Entry]) -> RenderableType:
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    score = summary["score"]
    rows = [
        ("contact", f"{summary['id']}  {summary['email'] or ''}"),
        ("stage", stage_label(summary["stage"])),
        (
            "score",
            "not scored yet"
            if score is None
            else f"{format_number(score)} (fit {format_number(summary['fit'] or 0)}, "
            f"engagement {format_number(summary['engagement'] or 0)})",
        ),
        ("owner", summary["owner_id"] or "none"),
        ("persona", summary["persona"] or "none yet"),
        ("judged", f"{summary['evaluated_at'] or 'never'} with config {summary['config_version']}"),
        ("recycled", summary["recycled_at"] or "no"),
    ]
    for name, value in rows:
        header.add_row(name, value)
    table = Table(
        title="Timeline (UTC, oldest first; what is not sent yet is shown when due)",
        title_justify="left",
        expand=True,
    )
    for column in ("when", "what", "detail", "state"):
        table.add_column(column)
    table.add_column("HubSpot id", overflow="fold")
    for entry in entries:
        table.add_row(
            entry.at.strftime("%Y-%m-%d %H:%M"),
            entry.type,
            entry.summary,
            entry.state,
            entry.hubspot_id or "",
        )
    return Group(header, table)


def _writeback_names(context: CliContext) -> Writeback:
    """The active config's write-back names; without a valid config, none are known
    and write-backs are shown without telling scores apart."""
    try:
        return load_config(context.settings.config_dir).ruleset.writeback
    except ConfigError:
        click.echo("warning: the active config is not valid; scores are not named", err=True)
        return Writeback()


@click.command("contact")
@click.argument("id_or_email")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON for scripts.",
)
@click.pass_obj
def contact(context: CliContext, id_or_email: str, output: str) -> None:
    """Show a stored contact's timeline (HubSpot id or e-mail): its activity, score
    and stage changes (with the config version), emails planned and sent, and the
    tasks created, with their HubSpot ids."""
    timeline = context.store.contact_timeline(id_or_email)
    if timeline is None:
        click.echo(f"error: no stored contact with id or e-mail {id_or_email!r}", err=True)
        raise click.exceptions.Exit(EXIT_NOT_FOUND)
    entries = timeline_entries(timeline, _writeback_names(context))
    summary = contact_summary(timeline)
    if output == "json":
        document = {"contact": summary, "timeline": [entry.to_dict() for entry in entries]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        Console().print(render_timeline(summary, entries))
