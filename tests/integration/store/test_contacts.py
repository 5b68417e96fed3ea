"""Contacts, activity and history: stored once, read back whole, forgotten on request."""

from datetime import UTC, datetime, timedelta

from connector.domain import Activity, ActivityKind, Contact, Effect, EffectKind
from connector.store import TransitionRecord

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def view(contact_id: str, n: int, days_ago: int) -> Activity:
    return Activity(
        contact_id,
        ActivityKind.PAGE_VIEW,
        NOW - timedelta(days=days_ago),
        f"pv-{contact_id}-{n}",
        {"url": f"https://example.com/{n}"},
    )


def jane(**properties) -> Contact:
    return Contact(
        "101", {"email": "Jane@Example.com", "lifecyclestage": "lead", **properties}, NOW
    )


def test_it_keeps_each_activity_once_and_reads_it_back_oldest_first(store):
    with store.writing() as connection:
        assert store.save_activities(connection, [view("101", 1, 1), view("101", 2, 5)]) == 2
        assert store.save_activities(connection, [view("101", 1, 1), view("102", 1, 2)]) == 1
    with store.reading() as connection:
        found = store.activities_of(connection, ["101", "102"])
    assert [a.source_id for a in found["101"]] == ["pv-101-2", "pv-101-1"]
    assert found["101"][0].details == {"url": "https://example.com/2"}
    assert found["101"][0].kind is ActivityKind.PAGE_VIEW


def test_it_inserts_then_updates_a_contact_and_finds_it_by_id_or_email(store):
    with store.writing() as connection:
        store.save_contacts(connection, [(jane(), {"stage": "lead", "score": 12.5})], NOW)
        store.save_contacts(
            connection,
            [
                (
                    jane(hs_analytics_source="ORGANIC_SEARCH"),
                    {"stage": "marketingqualifiedlead", "score": 40.0},
                )
            ],
            NOW,
        )
    by_email = store.find_contact("jane@example.com")
    assert by_email == store.find_contact("101")
    assert (by_email.stage, by_email.score) == ("marketingqualifiedlead", 40.0)
    assert store.find_contact("nobody@example.com") is None


def test_it_keeps_what_a_save_does_not_name(store):
    with store.writing() as connection:
        store.save_contacts(connection, [(jane(), {"stage": "lead", "persona": "buyer"})], NOW)
        store.remember_written(connection, {"101": {"leadflow_score": "12"}})
        store.remember_written(connection, {"101": {"lifecyclestage": "lead"}})
        store.save_contacts(connection, [(jane(), {"score": 30.0})], NOW)
    saved = store.find_contact("101")
    assert (saved.stage, saved.persona, saved.score) == ("lead", "buyer", 30.0)
    assert saved.written_properties == {"leadflow_score": "12", "lifecyclestage": "lead"}


def test_it_saves_a_batch_of_new_and_stored_contacts_in_one_go(store):
    with store.writing() as connection:
        store.save_contacts(connection, [(jane(), {"stage": "lead", "persona": "buyer"})], NOW)
        store.save_contacts(
            connection,
            [
                (jane(), {"stage": "marketingqualifiedlead", "score": 1.0}),
                (
                    Contact("102", {"email": "max@example.com"}, NOW),
                    {"stage": "lead", "score": 2.0},
                ),
                (jane(), {"stage": "salesqualifiedlead", "score": 3.0}),
            ],
            NOW,
        )
        store.remember_written(
            connection, {"101": {"leadflow_score": "3"}, "999": {"leadflow_score": "1"}}
        )
    jane_saved, max_saved = store.find_contact("101"), store.find_contact("102")
    assert (jane_saved.stage, jane_saved.score, jane_saved.persona) == (
        "salesqualifiedlead",
        3.0,
        "buyer",
    )
    assert jane_saved.written_properties == {"leadflow_score": "3"}
    assert (max_saved.stage, max_saved.score, max_saved.written_properties) == ("lead", 2.0, {})
    assert store.find_contact("999") is None


def test_remembering_writes_of_contacts_no_longer_stored_changes_nothing(store):
    with store.writing() as connection:
        store.remember_written(connection, {"998": {"leadflow_score": "1"}})
        store.remember_written(connection, {})
    assert store.find_contact("998") is None


def test_it_records_a_transition_once(store):
    record = TransitionRecord(
        "t:101:lead:0",
        "101",
        "subscriber",
        "lead",
        "advance",
        NOW,
        [{"rule_id": "lead.form", "label": "Submitted a form"}],
        "v1",
    )
    with store.writing() as connection:
        assert store.record_transitions(connection, [record]) == 1
        assert store.record_transitions(connection, [record, record]) == 0
    assert store.transitions_of("101") == [record]


def test_it_forgets_a_privacy_deletion_entirely_and_cancels_its_effects(store):
    with store.writing() as connection:
        store.save_contacts(connection, [(jane(), {"stage": "lead"})], NOW)
        store.save_activities(connection, [view("101", 1, 1)])
        store.record_transitions(
            connection,
            [TransitionRecord("t:101:lead:0", "101", None, "lead", "advance", NOW, [], "v1")],
        )
        store.plan_effects(
            connection,
            [
                Effect(
                    "nurture:101:0:2", EffectKind.SEND_EMAIL, "101", {"to": "jane@example.com"}, NOW
                )
            ],
            NOW,
        )
        store.forget_contact(connection, "101", privacy=True)
    assert store.find_contact("101") is None
    assert store.transitions_of("101") == []
    [effect] = store.effects_of("101")
    assert (effect["state"], effect["payload"]) == ("cancelled", {})


def test_it_keeps_the_history_of_a_plain_deletion(store):
    with store.writing() as connection:
        store.save_contacts(connection, [(jane(), {"stage": "lead"})], NOW)
        store.record_transitions(
            connection,
            [TransitionRecord("t:101:lead:0", "101", None, "lead", "advance", NOW, [], "v1")],
        )
        store.forget_contact(connection, "101", privacy=False)
    assert store.find_contact("101") is None
    assert len(store.transitions_of("101")) == 1


def test_it_streams_every_contact_with_its_history(store):
    with store.writing() as connection:
        for n in range(5):
            store.save_contacts(
                connection, [(Contact(str(200 + n), {"email": f"{n}@x.com"}, NOW), {})], NOW
            )
        store.save_activities(connection, [view("203", 1, 3)])
        store.save_contacts(
            connection, [(Contact("205", {"email": "r@x.com"}, NOW), {"recycled_at": NOW})], NOW
        )
    streamed = list(store.contact_histories(batch=2))
    assert [contact.id for contact, _, _ in streamed] == ["200", "201", "202", "203", "204", "205"]
    assert [len(history) for _, history, _ in streamed] == [0, 0, 0, 1, 0, 0]
    contact, [seen], recycled_at = streamed[3]
    assert (contact.properties, contact.updated_at, recycled_at) == (
        {"email": "3@x.com"},
        NOW,
        None,
    )
    assert seen == view("203", 1, 3)
    assert streamed[5][2] == NOW


def test_it_finds_contacts_with_new_activity_not_judged_since_a_time(store):
    with store.writing() as connection:
        store.save_contacts(connection, [(Contact("1", {}, NOW), {"evaluated_at": NOW})], NOW)
        store.save_contacts(
            connection, [(Contact("2", {}, NOW), {"evaluated_at": NOW - timedelta(hours=2)})], NOW
        )
        store.save_activities(
            connection, [view("1", 1, 0), view("2", 1, 0), view("3", 1, 0), view("4", 1, 9)]
        )
    assert store.contacts_with_activity_between(
        NOW - timedelta(days=1), NOW, not_judged_since=NOW - timedelta(hours=1)
    ) == ["2", "3"]
