"""The nurture sequence of one contact: enrol, exit, and re-enter after a recycle.

On every evaluation, in this order:
1. Newly recycled: cancel what is pending of earlier episodes, and re-enter
   at `recycle.restart_at` in the new episode unless an exit condition holds.
2. Exit: steps of the current episode still pending and an exit condition
   holds → cancel them.
3. Enrol: at an enrol stage, after a recent form (or moved into such a stage
   by this evaluation), with no step of this episode ever planned, and no exit
   condition → plan every step at once, each at its send time.
Nothing else happens, so an evaluation that changes nothing costs one look at
the contact's planned steps.

Keys are `nurture:{contact}:{episode}:{step}` (also HubSpot's `sendId`) or,
for an email the owner sends personally, `personal-email:{contact}:{episode}:{step}`.
A step is planned once per episode, and a cancelled one is never planned again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from connector.domain import ActivityKind, Effect, EffectKind, Owner, Stage, stage_rank
from connector.lifecycle import Evaluation
from connector.lifecycle.conditions import compile_regex
from connector.workflows.config.nurture import ContentSpec, NurtureFile, NurtureStepSpec
from connector.workflows.routing import find_owner
from connector.workflows.state import PENDING, ContactState, FunnelState
from connector.workflows.templates import (
    TASK_NAMES,
    Lookup,
    lookup_for,
    parse_template,
    split_subject,
)
from connector.workflows.windows import earliest_send, hubspot_zone

EMAIL, PERSONAL = "nurture", "personal-email"
WEEK = timedelta(days=7)
PERSONAL_BODY_LIMIT = 6000


def nurture_prefixes(contact_id: str, episode: int) -> list[str]:
    """Key prefixes of a contact's nurture effects of one episode."""
    return [f"{EMAIL}:{contact_id}:{episode}:", f"{PERSONAL}:{contact_id}:{episode}:"]


@dataclass(slots=True)
class NurturePlan:
    effects: list[Effect] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)


def exit_reason(evaluation: Evaluation, state: ContactState, nurture: NurtureFile) -> str | None:
    """Why the sequence must stop for this contact now, or None.

    The stage counts unless sales sent the lead back (a recycled lead keeps
    its stage). `activities_ever` count whenever they happened;
    `activities_since_recycle` only since the recycle, for a recycled lead.
    """
    rules = nurture.exit
    if not evaluation.recycled and stage_rank(evaluation.stage) >= stage_rank(rules.stage_reached):
        return f"stage {evaluation.stage}"
    properties = state.contact.properties
    for name, values in rules.properties.items():
        value = (properties.get(name) or "").strip().lower()
        if value and value in {item.lower() for item in values}:
            return f"{name} = {value}"
    since = evaluation.recycled_at if evaluation.recycled else None
    for activity in state.activities:
        if activity.kind in rules.activities_ever:
            return str(activity.kind)
        recent = since is None or activity.occurred_at >= since
        if recent and activity.kind in rules.activities_since_recycle:
            return str(activity.kind)
    return None


def enrolment_start(
    evaluation: Evaluation, state: ContactState, nurture: NurtureFile, now: datetime
) -> datetime | None:
    """When a contact entered the sequence: its latest form submission within
    `enrol.within_days`, else now if this evaluation moved it from below a lead
    into an enrol stage; None when it does not enter."""
    if evaluation.stage not in nurture.enrol.stages or not state.contact.email:
        return None
    horizon = now - timedelta(days=nurture.enrol.within_days)
    for activity in reversed(state.activities):
        if activity.occurred_at < horizon:
            break
        if activity.kind == ActivityKind.FORM_SUBMISSION and activity.occurred_at <= now:
            return activity.occurred_at
    transition = evaluation.transition
    if transition is not None and stage_rank(transition.from_stage) < stage_rank(Stage.LEAD):
        return now
    return None


def choose_content(
    items: list[ContentSpec], state: ContactState, persona: str | None
) -> ContentSpec | None:
    """The content matching a form they submitted (latest first), else their
    persona, else the default."""
    forms = [
        activity.details.get("form_name") or ""
        for activity in reversed(state.activities)
        if activity.kind == ActivityKind.FORM_SUBMISSION
    ]
    for form in forms:
        for item in items:
            if item.downloaded and compile_regex(item.downloaded).search(form):
                return item
    by_persona = [item for item in items if persona and persona in item.personas]
    return next(iter(by_persona), None) or next((i for i in items if i.for_everyone), None)


@dataclass(frozen=True, slots=True)
class Enrolment:
    """One contact entering the sequence at step `first` (1-based); `delay_days` count
    from `anchor`. `owner` (the contact's) signs the emails; `task_owner_id` gets the
    personal-email tasks (the contact's owner, else low_volume's fallback owner)."""

    evaluation: Evaluation
    state: ContactState
    nurture: NurtureFile
    templates: Mapping[str, str]
    owner: Owner | None
    task_owner_id: str | None
    personal: bool
    anchor: datetime
    first: int

    def effects(self, now: datetime) -> list[Effect]:
        """Every step from `first` on, each at the earliest time its window, the quiet
        hours and the weekly cap allow."""
        nurture, contact = self.nurture, self.state.contact
        zone = hubspot_zone(contact.properties.get("hs_timezone")) or nurture.send_window.zone
        content = choose_content(nurture.content, self.state, self.evaluation.persona)
        lookup = lookup_for(contact, self.owner, self.evaluation, _content_values(content))
        sent = [now] * self.state.emails_sent_last_7_days
        effects = []
        for number, step in enumerate(nurture.steps[self.first - 1 :], self.first):
            due = self._due(step, zone, sent, now)
            sent.append(due)
            effects.append(self._effect(number, step, due, lookup))
        return effects

    def _due(
        self, step: NurtureStepSpec, zone: tzinfo, sent: list[datetime], now: datetime
    ) -> datetime:
        """The step's time, moved on until the window, quiet hours and cap all allow it.

        Earlier sends this week are counted as sent now (the state gives only
        their number), so a cap errs on the side of waiting.
        """
        wanted = max(now, self.anchor + timedelta(days=step.delay_days))
        window = self.nurture.send_window.hours if step.in_send_window else None
        quiet = self.nurture.quiet_hours.quiet if self.nurture.quiet_hours else None
        cap = self.nurture.max_emails_per_week
        while True:
            due = earliest_send(wanted, zone, window, quiet)
            recent = sorted(moment for moment in sent if due - WEEK < moment <= due)
            if cap is None or len(recent) < cap:
                return due
            wanted = recent[len(recent) - cap] + WEEK

    def _effect(self, number: int, step: NurtureStepSpec, due: datetime, lookup: Lookup) -> Effect:
        contact = self.state.contact
        key = f"{contact.id}:{self.state.episode}:{number}"
        if step.email_id is not None and not self.personal:

            def fill(texts: Mapping[str, str]) -> dict[str, str]:
                return {name: parse_template(text).render(lookup) for name, text in texts.items()}

            payload = {
                "sequence": "nurture",
                "step": number,
                "step_id": step.id,
                "email_id": step.email_id,
                "to": contact.email,
                "contact_properties": fill(self.nurture.contact_properties),
                "custom_properties": fill(self.nurture.custom_properties),
            }
            return Effect(f"{EMAIL}:{key}", EffectKind.SEND_EMAIL, contact.id, payload, due)
        return Effect(
            f"{PERSONAL}:{key}",
            EffectKind.CREATE_TASK,
            contact.id,
            self._task(number, step, due, lookup),
            due,
        )

    def _task(self, number: int, step: NurtureStepSpec, due: datetime, lookup: Lookup) -> dict:
        """The personal-email task: the rendered template, for the owner to send."""
        low_volume, total = self.nurture.low_volume, len(self.nurture.steps)
        subject, body = split_subject(self.templates.get(step.template_path, ""))
        email_subject = parse_template(subject).render(lookup) if subject else step.id
        text = (
            f"Nurture email {number} of {total} ({step.id}): please send it yourself.\n\n"
            f"To: {self.state.contact.email}\nSubject: {email_subject}\n\n"
            + parse_template(body).render(lookup)
        )
        return {
            "task_type": "EMAIL",
            "purpose": "personal_email",
            "sequence": "nurture",
            "step": number,
            "step_id": step.id,
            "owner_id": self.task_owner_id,
            "subject": parse_template(low_volume.subject, TASK_NAMES).render(lookup)
            + f" (email {number} of {total})",
            "body": text[:PERSONAL_BODY_LIMIT],
            "due_at": due.isoformat(),
            "priority": low_volume.priority,
        }


def plan_nurture(
    evaluation: Evaluation,
    state: ContactState,
    funnel: FunnelState,
    nurture: NurtureFile,
    templates: Mapping[str, str],
    owner_id: str | None,
    now: datetime,
) -> NurturePlan:
    """What nurture asks of the outbox for this evaluation; see the module docstring.

    `owner_id` is the contact's owner, or the one routing just assigned.
    """
    contact_id, episode = state.contact.id, state.episode
    planned = NurturePlan()
    steps = state.steps_of(episode)
    if evaluation.newly_recycled:
        earlier = {step.episode for step in state.nurture if step.state == PENDING}
        for old in sorted(number for number in earlier if number is not None and number < episode):
            planned.cancel += nurture_prefixes(contact_id, old)
        if nurture.recycle is None or steps:
            return planned
        first = nurture.step_number(nurture.recycle.restart_at)
        anchor = now - timedelta(days=nurture.steps[first - 1].delay_days)
    elif steps:
        if any(step.state == PENDING for step in steps) and exit_reason(evaluation, state, nurture):
            planned.cancel += nurture_prefixes(contact_id, episode)
        return planned
    else:
        start = enrolment_start(evaluation, state, nurture, now)
        if start is None:
            return planned
        first, anchor = 1, start
    if exit_reason(evaluation, state, nurture) is not None or not state.contact.email:
        return planned
    enrolment = Enrolment(
        evaluation=evaluation,
        state=state,
        nurture=nurture,
        templates=templates,
        owner=next((owner for owner in funnel.owners if owner.id == owner_id), None),
        task_owner_id=owner_id or _fallback_owner(nurture, funnel),
        personal=_low_volume(nurture, funnel),
        anchor=anchor,
        first=first,
    )
    planned.effects += enrolment.effects(now)
    return planned


def _content_values(content: ContentSpec | None) -> dict[str, str] | None:
    return {"id": content.id, "title": content.title, "url": content.url} if content else None


def _low_volume(nurture: NurtureFile, funnel: FunnelState) -> bool:
    threshold = nurture.low_volume.below_new_leads_per_day
    return threshold > 0 and funnel.new_leads_per_day < threshold


def _fallback_owner(nurture: NurtureFile, funnel: FunnelState) -> str | None:
    ref = nurture.low_volume.fallback_owner
    owner = find_owner(ref, funnel.owners) if ref else None
    return owner.id if owner else None
