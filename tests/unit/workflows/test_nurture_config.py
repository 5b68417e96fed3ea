"""nurture.yaml and its email templates: what an admin sees for each mistake."""

from __future__ import annotations

import pytest

from tests.unit.workflows.planner_world import edit, errors_of, shipped, shipped_files

ASK = "greeting_name: '{{ contact.firstname or \"there\" }}'"


def test_it_ships_a_valid_three_step_sequence() -> None:
    nurture = shipped().nurture
    assert [step.id for step in nurture.steps] == ["welcome", "webinar_invite", "industry_news"]
    assert all(step.email_id for step in nurture.steps)
    assert set(shipped().templates) == {f"emails/{step.template}" for step in nurture.steps}


def test_it_is_optional() -> None:
    files = {name: raw for name, raw in shipped_files().items() if name != "nurture.yaml"}
    assert errors_of(files) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a placeholder with a typo in its root name, pinned to the template's line
        (
            edit("emails/welcome.txt", "{{ content.url }}", "{{ contnt.url }}"),
            "config/emails/welcome.txt:9: unknown name 'contnt' (here you can use: contact,"
            " content, email, engagement, fit, name, owner, persona, score)",
        ),
        # a field content does not have
        (
            edit("emails/welcome.txt", "{{ content.url }}", "{{ content.link }}"),
            "config/emails/welcome.txt:9: unknown field 'content.link' (use: id, title, url)",
        ),
        # braces left open
        (
            edit("emails/welcome.txt", "{{ content.url }}", "{{ content.url"),
            "config/emails/welcome.txt:9: '{{' is not closed by '}}' on the same line",
        ),
        # a template saved in another encoding
        (
            {
                **shipped_files(),
                "emails/welcome.txt": "Subject: Merci\n\nCaf\xe9".encode("latin-1"),
            },
            "config/emails/welcome.txt:1: not UTF-8 text",
        ),
        # a step naming a template that is not there (the loader's own check)
        (
            edit("nurture.yaml", "template: welcome.txt", "template: welcom.txt"),
            "config/nurture.yaml:41: steps[0].template: no email template 'emails/welcom.txt'"
            " in the config directory",
        ),
        # content for a persona lifecycle.yaml does not define
        (
            edit("nurture.yaml", "personas: [economic_buyer]", "personas: [cfo]"),
            "config/nurture.yaml:99: content[1].personas[0]: unknown persona 'cfo'"
            " (lifecycle.yaml defines: economic_buyer, technical_evaluator, practitioner, other)",
        ),
        # recycled leads restarting at a step that does not exist
        (
            edit("nurture.yaml", "restart_at: webinar_invite", "restart_at: webinar"),
            "config/nurture.yaml:133: recycle.restart_at: no step 'webinar'"
            " (steps: welcome, webinar_invite, industry_news)",
        ),
        # a step sent before the one above it
        (
            edit("nurture.yaml", "delay_days: 7", "delay_days: 1"),
            "config/nurture.yaml:53: steps[2].delay_days: steps go out in order:"
            " not before the last",
        ),
        # an email id that cannot be one
        (
            edit("nurture.yaml", "email_id: 5002", "email_id: -3"),
            "config/nurture.yaml:40: steps[0].email_id: should be greater than 0",
        ),
        # a misspelt time zone
        (
            edit("nurture.yaml", "time_zone: America/New_York", "time_zone: Europe/Pariss"),
            "config/nurture.yaml:59: send_window.time_zone: unknown time zone 'Europe/Pariss'"
            " (an IANA name such as Europe/Paris)",
        ),
        # a time written the American way
        (
            edit("nurture.yaml", 'start: "09:00"', 'start: "9am"'),
            "config/nurture.yaml:61: send_window.start: '9am' is not a time of day:"
            " write it as HH:MM, e.g. '09:00'",
        ),
        # a window that closes before it opens
        (
            edit("nurture.yaml", 'end: "17:00"', 'end: "08:00"'),
            "config/nurture.yaml:62: send_window.end: must be after start (09:00)",
        ),
        # quiet hours that leave no time to send
        (
            edit("nurture.yaml", 'end: "08:00"', 'end: "18:00"'),
            "config/nurture.yaml:66: quiet_hours: covers the whole send window:"
            " nothing could be sent",
        ),
        # a stage name with a typo
        (
            edit("nurture.yaml", "stages: [lead, marketingqualifiedlead]", "stages: [leed]"),
            "config/nurture.yaml:22: enrol.stages[0]: should be 'subscriber', 'lead',"
            " 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer',"
            " 'evangelist' or 'other'",
        ),
        # an activity kind leadflow does not know
        (
            edit("nurture.yaml", "[unsubscribed, hard_bounce]", "[unsubscribe]"),
            "config/nurture.yaml:79: exit.activities_ever[0]: should be 'page_view',"
            " 'form_submission', 'email_open', 'email_click', 'email_reply', 'hard_bounce',"
            " 'unsubscribed', 'webinar_registered', 'webinar_attended' or 'meeting_booked'",
        ),
        # every content item has a condition: some contacts would get no link
        (
            edit(
                "nurture.yaml",
                "    url: https://www.example.com/blog\n",
                "    url: https://www.example.com/blog\n    downloaded: report\n",
            ),
            "config/nurture.yaml:87: content: add one item without `downloaded` or `personas`:"
            " the default",
        ),
        # a custom property naming a whole object instead of one of its fields
        (
            edit("nurture.yaml", ASK, "greeting_name: '{{ contact }}'"),
            "config/nurture.yaml:115: custom_properties.greeting_name: 'contact' needs a field,"
            " e.g. 'contact.firstname'",
        ),
    ],
)
def test_it_names_file_line_and_field_of_each_problem(files, expected: str) -> None:
    assert errors_of(files) == [expected]


def test_it_needs_content_when_an_email_links_to_it() -> None:
    files = edit("nurture.yaml", "content:\n", "old_content:\n")
    files = edit("nurture.yaml", "old_content:", "content: []\nold_content:", files)
    text = files["nurture.yaml"]
    start = text.index("old_content:")
    files["nurture.yaml"] = text[:start] + text[text.index("# Values the HubSpot") :]
    assert errors_of(files) == [
        "config/nurture.yaml:1: content: the emails use {{ content.* }}:"
        " list the content they link to"
    ]
