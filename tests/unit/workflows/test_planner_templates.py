"""Placeholders in admin-written text: filled per contact, refused with a line when wrong."""

from __future__ import annotations

import pytest

from connector.workflows.templates import (
    TASK_NAMES,
    TemplateError,
    parse_template,
    split_subject,
)

VALUES = {
    "contact.firstname": "Jane",
    "contact.company": "",
    "content.url": "https://x.example/guide",
    "name": "Jane Doe",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a property of the contact
        ("Hi {{ contact.firstname }}!", "Hi Jane!"),
        # spaces inside the braces do not matter
        ("Hi {{contact.firstname}}!", "Hi Jane!"),
        # an empty value takes the fallback
        ('At {{ contact.company or "your company" }}', "At your company"),
        # a value present ignores the fallback
        ('Hi {{ contact.firstname or "there" }}', "Hi Jane"),
        # a property nobody set is empty
        ("[{{ contact.jobtitle }}]", "[]"),
        # several placeholders and plain text around them
        ("{{ name }}: {{ content.url }}", "Jane Doe: https://x.example/guide"),
        # text without placeholders is left as it is, braces and all
        ("Price: {5}", "Price: {5}"),
    ],
)
def test_it_fills_placeholders(text: str, expected: str) -> None:
    assert parse_template(text).render(lambda path: VALUES.get(path, "")) == expected


@pytest.mark.parametrize(
    ("text", "allowed", "line", "message"),
    [
        # a name nobody offers
        ("Hi\n{{ frist_name }}", None, 2, "unknown name 'frist_name'"),
        # content is not there in task subjects
        ("Call {{ content.title }}", TASK_NAMES, 1, "unknown name 'content'"),
        # an owner field that does not exist
        ("{{ owner.phone }}", None, 1, "unknown field 'owner.phone' (use: email, first_name,"),
        # a scalar used as an object
        ("{{ score.total }}", None, 1, "'score' has no fields"),
        # not an expression
        ("a\nb\n{{ 1 + 1 }}", None, 3, "cannot read '{{ 1 + 1 }}'"),
        # braces opened and never closed on their line
        ("Hi {{ name\n}}", None, 1, "'{{' is not closed by '}}' on the same line"),
    ],
)
def test_it_refuses_what_it_cannot_fill(text: str, allowed, line: int, message: str) -> None:
    with pytest.raises(TemplateError) as raised:
        parse_template(text, allowed) if allowed else parse_template(text)
    assert raised.value.line == line
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "subject", "body"),
    [
        # a subject line, a blank line, the body
        ("Subject: Welcome\n\nHello", "Welcome", "Hello"),
        # any case
        ("subject:Welcome\nHello", "Welcome", "Hello"),
        # no subject line: the whole text is the body
        ("<p>Welcome</p>", None, "<p>Welcome</p>"),
    ],
)
def test_it_reads_an_email_templates_subject_line(text: str, subject, body: str) -> None:
    assert split_subject(text) == (subject, body)
