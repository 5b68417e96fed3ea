"""What the engine says about one contact: scores, stage, and why.

These are the stable output types that planners, the store and the admin
commands read. They are plain immutable values; evidence is kept as the
activity or property that fired and only turned into text when someone asks,
so an evaluation that nobody explains costs almost nothing to build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from connector.domain import Activity, Stage

SUMMARY_LIMIT = 250
STAGE_LABELS = {
    Stage.SUBSCRIBER: "Subscriber",
    Stage.LEAD: "Lead",
    Stage.MQL: "MQL",
    Stage.SQL: "SQL",
    Stage.OPPORTUNITY: "Opportunity",
    Stage.CUSTOMER: "Customer",
    Stage.EVANGELIST: "Evangelist",
    Stage.OTHER: "Other",
}
STAGE_RULE_PREFIX = {Stage.LEAD: "lead.", Stage.MQL: "mql.", Stage.SQL: "sql."}
_DETAIL_KEYS = ("url", "form_name", "form_id", "event_name", "meeting_title", "email_id", "title")
_VALUE_PREVIEW = 80


def stage_label(stage: str | None) -> str:
    """A short human name for a stage value ("MQL"); unknown values are shown as they are."""
    if not stage:
        return "no stage"
    try:
        return STAGE_LABELS[Stage(stage)]
    except ValueError:
        return stage


def format_number(value: float, signed: bool = False) -> str:
    """A score as people write it: "72", "72.5", "-15" ("+72" when `signed`)."""
    text = f"{value + 0.0:.1f}".removesuffix(".0")
    return f"+{text}" if signed and value > 0 else text


def _preview(text: str) -> str:
    return text if len(text) <= _VALUE_PREVIEW else text[: _VALUE_PREVIEW - 1] + "…"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What made a rule fire: the latest matching activity and how many matched,
    or the property value that matched, or a plain note (e.g. a score threshold)."""

    activity: Activity | None = None
    count: int = 0
    property: str | None = None
    value: str | None = None
    note: str | None = None

    def describe(self) -> str:
        """One line for people: "page_view /pricing on 2026-11-02 (3×)"."""
        if self.activity is not None:
            activity = self.activity
            details = activity.details
            what = next((str(details[key]) for key in _DETAIL_KEYS if details.get(key)), None)
            parts = [
                str(activity.kind),
                _preview(what) if what else None,
                f"on {activity.occurred_at.date().isoformat()}",
                f"({self.count}×)" if self.count > 1 else None,
            ]
            return " ".join(part for part in parts if part)
        if self.property is not None:
            return f"{self.property} = {_preview(self.value or '')!r}"
        return self.note or ""


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that fired. `rule_id` is prefixed by its group (`fit.`, `engagement.`,
    `lead.`, `mql.`, `sql.`, `persona.`, `recycle`); `points` is 0 for stage rules."""

    rule_id: str
    label: str
    points: float
    evidence: tuple[Evidence, ...] = ()

    def describe(self) -> str:
        """The label, its points when it scored, and its evidence on one line."""
        points = f" ({format_number(self.points, signed=True)})" if self.points else ""
        evidence = "; ".join(item.describe() for item in self.evidence)
        return f"{self.label}{points}: {evidence}" if evidence else f"{self.label}{points}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "label": self.label,
            "points": self.points,
            "evidence": [item.describe() for item in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class ChecklistAnswer:
    """One item of the SQL checklist, answered for this contact."""

    item_id: str
    label: str
    required: bool
    met: bool
    evidence: tuple[Evidence, ...] = ()


class Explainer(Protocol):
    """Builds an evaluation's reasons on demand (see `lifecycle.explanation`)."""

    def checklist(self) -> tuple[ChecklistAnswer, ...]: ...

    def score_reasons(self) -> tuple[Reason, ...]: ...

    def stage_reasons(self) -> tuple[Reason, ...]: ...


@dataclass(frozen=True, slots=True)
class Transition:
    """A forward stage move the connector should make. The store gives it an id;
    effects (property writes, emails, tasks) are keyed on that id."""

    contact_id: str
    from_stage: str | None
    to_stage: Stage
    at: datetime
    config_version: str
    explanation: Explainer = field(compare=False, repr=False)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Why the contact moves: its evaluation's stage reasons, built when read."""
        return self.explanation.stage_reasons()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The engine's verdict on one contact at `evaluated_at`.

    Scores are rounded to one decimal. `earned_stage` is what the rules earned
    on their own; `stage` is what the contact should have: the further along of
    `current_stage` (HubSpot's value) and `earned_stage`, so a stage a person set
    is adopted and never overwritten. `transition` is set only when `stage` is
    ahead of `current_stage`. `recycled` means sales sent the lead back; its
    engagement (and every activity rule) then only counts activity since
    `recycled_at`, and `newly_recycled` is true on the first evaluation that
    sees it, which is when planners re-enrol it in nurture. `persona` is the one
    the contact already has, or the one given now that it is an MQL.

    The checklist and the reasons are properties, built when read: an
    evaluation nobody explains costs only its decision.
    """

    contact_id: str
    evaluated_at: datetime
    config_version: str
    model: str
    fit: float
    engagement: float
    score: float
    current_stage: str | None
    earned_stage: Stage | None
    stage: str | None
    transition: Transition | None
    persona: str | None
    recycled: bool
    recycled_at: datetime | None
    newly_recycled: bool
    explanation: Explainer = field(compare=False, repr=False)

    @property
    def checklist(self) -> tuple[ChecklistAnswer, ...]:
        """The SQL checklist, every item answered (empty without SQL rules)."""
        return self.explanation.checklist()

    @property
    def score_reasons(self) -> tuple[Reason, ...]:
        """Every fit and engagement rule that fired, with points and evidence."""
        return self.explanation.score_reasons()

    @property
    def stage_reasons(self) -> tuple[Reason, ...]:
        """Every stage rule that fired (furthest stage first), the persona
        assigned now and the recycle, with evidence."""
        return self.explanation.stage_reasons()

    @property
    def summary(self) -> str:
        """At most 250 characters for HubSpot: the stage, why, and the top scoring rules."""
        shown = ("recycle", STAGE_RULE_PREFIX.get(self.earned_stage, "recycle"))
        why = [reason.label for reason in self.stage_reasons if reason.rule_id.startswith(shown)]
        top = sorted(self.score_reasons, key=lambda reason: -abs(reason.points))[:3]
        scoring = ", ".join(
            f"{reason.label} {format_number(reason.points, signed=True)}" for reason in top
        )
        text = f"{stage_label(self.stage)}"
        if why:
            text += f": {'; '.join(why)}"
        text += (
            f". Score {format_number(self.score)} (fit {format_number(self.fit)},"
            f" engagement {format_number(self.engagement)})"
        )
        if scoring:
            text += f": {scoring}"
        return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"

    def to_dict(self) -> dict[str, Any]:
        """The evaluation as JSON-able values (times in ISO 8601), for `--json` output."""
        transition = self.transition
        return {
            "contact_id": self.contact_id,
            "evaluated_at": self.evaluated_at.isoformat(),
            "config_version": self.config_version,
            "model": self.model,
            "score": self.score,
            "fit": self.fit,
            "engagement": self.engagement,
            "current_stage": self.current_stage,
            "earned_stage": self.earned_stage.value if self.earned_stage else None,
            "stage": self.stage,
            "transition": (
                {"from": transition.from_stage, "to": transition.to_stage.value}
                if transition
                else None
            ),
            "persona": self.persona,
            "recycled": self.recycled,
            "recycled_at": self.recycled_at.isoformat() if self.recycled_at else None,
            "newly_recycled": self.newly_recycled,
            "checklist": [
                {
                    "id": answer.item_id,
                    "label": answer.label,
                    "required": answer.required,
                    "met": answer.met,
                    "evidence": [item.describe() for item in answer.evidence],
                }
                for answer in self.checklist
            ],
            "score_reasons": [reason.to_dict() for reason in self.score_reasons],
            "stage_reasons": [reason.to_dict() for reason in self.stage_reasons],
            "summary": self.summary,
        }
