"""A contact erased while one of its effects is in flight: nothing more reaches HubSpot,
and the blanked effect never comes back to a dispatcher (found by tests/reliability/
test_model.py: a worker died mid-send, the contact was erased, and every dispatch pass
then failed on the in-doubt effect's empty payload; and a write-back HubSpot refused
because the contact was already gone stayed parked for an admin after leadflow
learnt of the deletion)."""

from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import Effect, EffectKind

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def in_flight(store, worker: str) -> int:
    with store.writing() as connection:
        store.plan_effects(
            connection,
            [Effect("writeback:101:1", EffectKind.UPDATE_CONTACT, "101", {"properties": {}}, NOW)],
            NOW,
        )
    [claimed] = store.claim_due_effects(worker, NOW)
    return claimed.id


def forget(store, privacy: bool) -> None:
    with store.writing() as connection:
        store.forget_contact(connection, "101", privacy)


@pytest.mark.parametrize("privacy", [True, False])
def test_it_never_hands_out_an_erased_contacts_effect_whose_sender_died(store, privacy):
    in_flight(store, "dead")
    forget(store, privacy)
    assert store.claim_due_effects("next", NOW + timedelta(minutes=3)) == []
    assert [e["state"] for e in store.effects_of("101")] == ["cancelled"]


def test_a_worker_still_sending_cannot_bring_an_erased_contacts_effect_back(store):
    effect_id = in_flight(store, "busy")
    forget(store, privacy=True)
    store.defer_effect(effect_id, "busy", "503", NOW)
    assert store.mark_effects_sent([(effect_id, "9")], "busy", NOW) == 0
    assert [(e["state"], e["payload"]) for e in store.effects_of("101")] == [("cancelled", {})]
    assert store.claim_due_effects("next", NOW + timedelta(days=1)) == []


def test_it_cancels_an_effect_hubspot_refused_because_the_contact_was_gone(store):
    effect_id = in_flight(store, "w")
    store.defer_effect(effect_id, "w", "Could not get some CONTACT objects", NOW, permanent=True)
    forget(store, privacy=False)
    assert [e["state"] for e in store.effects_of("101")] == ["cancelled"]
    assert store.list_outbox(["parked"]) == []
