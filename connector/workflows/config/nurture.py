"""`nurture.yaml` (optional: without it nobody is nurtured): the email sequence a new
lead gets, when each step goes out, what stops it, and its low-volume fallback.

Each step names a HubSpot marketing email (`email_id`, sent with the
single-send API) and a template under `emails/` holding the same copy as text:
the owner's personal email in low-volume mode, or always for a step without
`email_id`. The checks across files live here too: every template reads as
UTF-8 and uses known placeholders; content names personas lifecycle.yaml defines.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
)

from connector.domain import ActivityKind, Stage
from connector.workflows.config.conditions import (
    Id,
    Label,
    PropertyName,
    Regex,
    StrictModel,
    duplicate_ids,
)
from connector.workflows.config.routing import (
    HoursSpec,
    OwnerRefSpec,
    Priority,
    QuietSpec,
    TaskText,
    minutes,
    nested_problems,
)
from connector.workflows.config.source import Loc, Problem
from connector.workflows.templates import (
    NURTURE_NAMES,
    TemplateError,
    parse_template,
    template_text,
)

TEMPLATE_DIR = "emails"
NurtureText = Annotated[str, Field(max_length=2000), AfterValidator(template_text(NURTURE_NAMES))]


class NurtureStepSpec(StrictModel):
    """One email, `delay_days` after enrolment (the form submission that made a lead)."""

    id: Id
    delay_days: NonNegativeFloat = 0
    template: str = Field(min_length=1)
    email_id: PositiveInt | None = None
    in_send_window: bool = True

    @property
    def template_path(self) -> str:
        return f"{TEMPLATE_DIR}/{self.template}"


class ContentSpec(StrictModel):
    """A piece of content a step can link to (`{{ content.url }}`).

    Picked for a contact in this order: the first whose `downloaded` regex
    matches the name of a form they submitted (latest first), then the first
    listing their persona, then the first with neither (everyone's default).
    """

    id: Id
    title: Label
    url: str = Field(min_length=1, max_length=2000)
    downloaded: Regex | None = None
    personas: list[Id] = Field(default_factory=list)

    @property
    def for_everyone(self) -> bool:
        return self.downloaded is None and not self.personas


class EnrolSpec(StrictModel):
    stages: list[Stage] = Field(default_factory=lambda: [Stage.LEAD, Stage.MQL], min_length=1)
    within_days: PositiveFloat = 2


class ExitSpec(StrictModel):
    stage_reached: Stage = Stage.SQL
    activities_ever: list[ActivityKind] = Field(
        default_factory=lambda: [ActivityKind.UNSUBSCRIBED, ActivityKind.HARD_BOUNCE]
    )
    activities_since_recycle: list[ActivityKind] = Field(
        default_factory=lambda: [ActivityKind.MEETING_BOOKED, ActivityKind.EMAIL_REPLY]
    )
    properties: dict[PropertyName, list[str]] = Field(
        default_factory=lambda: {"hs_email_optout": ["true"]}
    )


class LowVolumeSpec(StrictModel):
    """Below `below_new_leads_per_day` new leads a day, owners send the emails personally."""

    below_new_leads_per_day: NonNegativeInt = 0
    fallback_owner: OwnerRefSpec | None = None
    priority: Priority = "MEDIUM"
    subject: TaskText = "Send {{ name }} a personal email"


class RecycleSpec(StrictModel):
    restart_at: Id


class NurtureFile(StrictModel):
    steps: list[NurtureStepSpec] = Field(min_length=1)
    enrol: EnrolSpec = Field(default_factory=EnrolSpec)
    exit: ExitSpec = Field(default_factory=ExitSpec)
    send_window: HoursSpec = Field(default_factory=HoursSpec)
    quiet_hours: QuietSpec | None = None
    max_emails_per_week: PositiveInt | None = None
    content: list[ContentSpec] = Field(default_factory=list)
    custom_properties: dict[PropertyName, NurtureText] = Field(default_factory=dict)
    contact_properties: dict[PropertyName, NurtureText] = Field(default_factory=dict)
    low_volume: LowVolumeSpec = Field(default_factory=LowVolumeSpec)
    recycle: RecycleSpec | None = None

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from duplicate_ids(self.steps, ("steps",))
        yield from duplicate_ids(self.content, ("content",))
        for index in range(1, len(self.steps)):
            if self.steps[index].delay_days < self.steps[index - 1].delay_days:
                yield ("steps", index, "delay_days"), "steps go out in order: not before the last"
        if self.content and not any(item.for_everyone for item in self.content):
            yield ("content",), "add one item without `downloaded` or `personas`: the default"
        step_ids = [step.id for step in self.steps]
        if self.recycle and self.recycle.restart_at not in step_ids:
            message = f"no step '{self.recycle.restart_at}' (steps: {', '.join(step_ids)})"
            yield ("recycle", "restart_at"), message
        yield from nested_problems(self.send_window, ("send_window",))
        if self.quiet_hours is not None:
            yield from nested_problems(self.quiet_hours, ("quiet_hours",))
            if _covers(self.quiet_hours, self.send_window):
                yield ("quiet_hours",), "covers the whole send window: nothing could be sent"
        if self.low_volume.fallback_owner is not None:
            loc = ("low_volume", "fallback_owner")
            yield from nested_problems(self.low_volume.fallback_owner, loc)

    def step_number(self, step_id: str) -> int:
        """1-based position of a step."""
        return next(n for n, step in enumerate(self.steps, 1) if step.id == step_id)


def _covers(quiet: QuietSpec, window: HoursSpec) -> bool:
    """Whether every minute of the window is quiet (False for a window that is itself wrong)."""
    start, end = minutes(window.start), minutes(window.end)
    if start >= end:
        return False
    quiet_start, quiet_end = minutes(quiet.start), minutes(quiet.end)
    if quiet_start < quiet_end:
        return quiet_start <= start and end <= quiet_end
    return end <= quiet_end or start >= quiet_start


def email_templates(files: Mapping[str, str | bytes]) -> dict[str, str]:
    """The text of every file under `emails/` (path → text) that reads as UTF-8."""
    texts = {}
    for name, raw in files.items():
        if name.startswith(f"{TEMPLATE_DIR}/"):
            try:
                texts[name] = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError:
                continue
    return texts


Sections = Mapping[str, object]


def nurture_templates_readable(
    sections: Sections, files: Mapping[str, str | bytes]
) -> Iterator[Problem]:
    """Every template a step names reads as UTF-8 and uses only known placeholders;
    content placeholders need some content listed. (A missing template is reported
    by the loader's own check.)"""
    nurture = sections.get("nurture.yaml")
    if not isinstance(nurture, NurtureFile):
        return
    texts = email_templates(files)
    paths: set[str] = set()
    for path in dict.fromkeys(step.template_path for step in nurture.steps):
        if path not in files:
            continue
        if path not in texts:
            yield Problem(path, (), "not UTF-8 text", line=1)
            continue
        try:
            paths |= parse_template(texts[path], NURTURE_NAMES).paths
        except TemplateError as error:
            yield Problem(path, (), str(error), line=error.line)
    for text in (*nurture.custom_properties.values(), *nurture.contact_properties.values()):
        paths |= parse_template(text, NURTURE_NAMES).paths
    if not nurture.content and any(path.startswith("content.") for path in paths):
        message = "the emails use {{ content.* }}: list the content they link to"
        yield Problem("nurture.yaml", ("content",), message, line=1)


def personas_named_by_nurture(sections: Sections, _files: Collection[str]) -> Iterator[Problem]:
    """Every persona a content item names is one lifecycle.yaml defines."""
    nurture, lifecycle = sections.get("nurture.yaml"), sections.get("lifecycle.yaml")
    if not isinstance(nurture, NurtureFile) or lifecycle is None:
        return
    known = [persona.id for persona in getattr(lifecycle, "personas", ())]
    for index, item in enumerate(nurture.content):
        for position, persona in enumerate(item.personas):
            if persona not in known:
                listed = ", ".join(known) or "none"
                message = f"unknown persona '{persona}' (lifecycle.yaml defines: {listed})"
                yield Problem("nurture.yaml", ("content", index, "personas", position), message)
