"""The body of a sales CALL task: what a rep needs before dialling, as plain text.

Short sections, most useful first: who the lead is, the score and why, the SQL
checklist with its evidence, then the history (forms, downloads, webinars,
meetings, key pages) with dates on the sales team's clock. The body is cut at
`BODY_LIMIT` characters, on a line boundary, far below HubSpot's property limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from connector.domain import Activity, ActivityKind, Contact
from connector.lifecycle import Evaluation, format_number
from connector.lifecycle.conditions import compile_regex
from connector.workflows.config.routing import TaskBodySpec
from connector.workflows.templates import display_name

BODY_LIMIT = 4000
CUT = "\n[...] (cut to keep the task short)"
_EVENTS = {
    ActivityKind.WEBINAR_ATTENDED: "Attended webinar",
    ActivityKind.WEBINAR_REGISTERED: "Registered for webinar",
    ActivityKind.MEETING_BOOKED: "Booked a meeting",
    ActivityKind.EMAIL_REPLY: "Replied to an email",
}
_URL_PREVIEW = 80


def task_body(
    evaluation: Evaluation,
    contact: Contact,
    activities: Sequence[Activity],
    spec: TaskBodySpec,
    zone: tzinfo,
) -> str:
    """The whole body, at most `BODY_LIMIT` characters."""
    sections = [
        _who(contact),
        _score(evaluation, spec.top_reasons),
        _checklist(evaluation),
        _history(activities, spec, zone),
    ]
    return _cap("\n\n".join(section for section in sections if section))


def _who(contact: Contact) -> str:
    properties = contact.properties
    role = " at ".join(
        part for part in (properties.get("jobtitle"), properties.get("company")) if part
    )
    reach = ", ".join(part for part in (contact.email, properties.get("phone")) if part)
    lines = [display_name(contact) + (f", {role}" if role else "")]
    if reach:
        lines.append(reach)
    return "\n".join(lines)


def _score(evaluation: Evaluation, top: int) -> str:
    facts = [
        f"Score {format_number(evaluation.score)} (fit {format_number(evaluation.fit)},"
        f" engagement {format_number(evaluation.engagement)})",
        f"model {evaluation.model}",
    ]
    if evaluation.persona:
        facts.append(f"persona {evaluation.persona}")
    reasons = sorted(evaluation.score_reasons, key=lambda reason: -abs(reason.points))[:top]
    lines = [", ".join(facts)]
    if reasons:
        lines.append("Top reasons:")
        lines += [f"  {reason.describe()}" for reason in reasons]
    return "\n".join(lines)


def _checklist(evaluation: Evaluation) -> str:
    answers = evaluation.checklist
    if not answers:
        return ""
    met = sum(answer.met for answer in answers)
    lines = [f"SQL checklist ({met} of {len(answers)} met):"]
    for answer in answers:
        evidence = "; ".join(item.describe() for item in answer.evidence)
        mark = "[x]" if answer.met else "[ ]"
        lines.append(f"  {mark} {answer.label}" + (f": {evidence}" if evidence else ""))
    return "\n".join(lines)


def _history(activities: Sequence[Activity], spec: TaskBodySpec, zone: tzinfo) -> str:
    """Newest first; page views of key pages grouped by page with a count."""
    downloads, key_pages = compile_regex(spec.downloads), compile_regex(spec.key_pages)
    events: list[tuple[datetime, str]] = []
    pages: dict[str, tuple[int, datetime]] = {}
    for activity in activities:
        details = activity.details
        if activity.kind == ActivityKind.FORM_SUBMISSION:
            form = details.get("form_name") or details.get("form_id") or "a form"
            label = "Downloaded" if downloads.search(form) else "Submitted form"
            events.append((activity.occurred_at, f"{label}: {form}"))
        elif activity.kind in _EVENTS:
            name = details.get("event_name") or details.get("title")
            events.append(
                (activity.occurred_at, _EVENTS[activity.kind] + (f": {name}" if name else ""))
            )
        elif activity.kind == ActivityKind.PAGE_VIEW and key_pages.search(details.get("url", "")):
            page = _page(details["url"])
            seen, _ = pages.get(page, (0, activity.occurred_at))
            pages[page] = (seen + 1, activity.occurred_at)
    for page, (seen, last) in pages.items():
        events.append((last, f"Viewed {page}" + (f" ({seen}×)" if seen > 1 else "")))
    if not events:
        return ""
    events.sort(key=lambda event: event[0], reverse=True)
    shown = events[: spec.history_items]
    lines = ["History (newest first):"]
    lines += [f"  {at.astimezone(zone).date().isoformat()}  {text}" for at, text in shown]
    if len(events) > len(shown):
        lines.append(f"  ... and {len(events) - len(shown)} earlier")
    return "\n".join(lines)


def _page(url: str) -> str:
    """The path of a URL (its whole text if it has none), shortened."""
    page = urlsplit(url).path or url
    return page if len(page) <= _URL_PREVIEW else page[: _URL_PREVIEW - 3] + "..."


def _cap(text: str) -> str:
    if len(text) <= BODY_LIMIT:
        return text
    cut = text.rfind("\n", 0, BODY_LIMIT - len(CUT))
    return text[: cut if cut > 0 else BODY_LIMIT - len(CUT)] + CUT
