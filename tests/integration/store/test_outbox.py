"""The outbox plans each effect once and lets exactly one worker send it."""

from datetime import UTC, datetime, timedelta

from connector.store import Effect
from connector.store.outbox import MAX_ATTEMPTS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def effect(key: str, due: datetime = NOW, contact: str = "101") -> Effect:
    return Effect(
        idempotency_key=key,
        kind="create_task",
        contact_id=contact,
        payload={"subject": key},
        due_at=due,
    )


def plan(store, *effects) -> int:
    with store.writing() as connection:
        return store.plan_effects(connection, effects, NOW)


def test_it_plans_an_idempotency_key_once(store):
    assert plan(store, effect("t1"), effect("t2")) == 2
    assert plan(store, effect("t1")) == 0
    assert store.outbox_depth() == {"pending": 2}


def test_it_hands_out_only_due_effects_in_due_order(store):
    plan(store, effect("later", NOW + timedelta(days=2)), effect("now", NOW))
    [due] = store.claim_due_effects("w", NOW)
    assert due.idempotency_key == "now"
    assert store.mark_effects_sent([(due.id, None)], "w", NOW) == 1
    assert [e.idempotency_key for e in store.claim_due_effects("w", NOW + timedelta(days=3))] == [
        "later"
    ]


def test_it_flags_an_effect_whose_sender_died_mid_send_as_in_doubt(store):
    plan(store, effect("t1"))
    [first] = store.claim_due_effects("dead", NOW, lease=timedelta(minutes=2))
    assert not first.in_doubt
    assert store.claim_due_effects("other", NOW + timedelta(minutes=1)) == []
    [again] = store.claim_due_effects("other", NOW + timedelta(minutes=3))
    assert again.in_doubt and again.id == first.id
    assert store.mark_effects_sent([(first.id, "9")], "dead", NOW) == 0
    assert store.mark_effects_sent([(again.id, "9")], "other", NOW) == 1
    assert store.outbox_depth() == {"sent": 1}
    assert [e["result_id"] for e in store.effects_of("101")] == ["9"]


def test_it_records_a_claim_sent_with_each_result_id_except_effects_it_lost(store):
    plan(store, effect("t1"), effect("t2"), effect("t3"))
    first, second, third = store.claim_due_effects("w", NOW)
    [lost] = store.claim_due_effects("other", NOW + timedelta(minutes=3), limit=1)
    assert lost.id == first.id
    sent = [(first.id, "1"), (second.id, "2"), (third.id, None)]
    assert store.mark_effects_sent(sent, "w", NOW) == 2
    assert store.mark_effects_sent([], "w", NOW) == 0
    by_key = {e["idempotency_key"]: e for e in store.effects_of("101")}
    assert [(by_key[k]["state"], by_key[k]["result_id"]) for k in ("t1", "t2", "t3")] == [
        ("sending", None),
        ("sent", "2"),
        ("sent", None),
    ]


def test_it_parks_permanent_errors_for_an_admin_to_requeue(store):
    plan(store, effect("t1"))
    [claimed] = store.claim_due_effects("w", NOW)
    store.defer_effect(claimed.id, "w", "400 VALIDATION_ERROR", NOW, permanent=True)
    [parked] = store.list_outbox(["parked"])
    assert parked.error == "400 VALIDATION_ERROR"
    assert store.claim_due_effects("w", NOW + timedelta(days=1)) == []
    assert store.requeue_effects(NOW) == 1
    assert len(store.claim_due_effects("w", NOW)) == 1


def test_it_backs_off_transient_errors_and_parks_after_max_attempts(store):
    plan(store, effect("t1"))
    now = NOW
    for _ in range(MAX_ATTEMPTS):
        [claimed] = store.claim_due_effects("w", now)
        store.defer_effect(claimed.id, "w", "503", now)
        assert store.claim_due_effects("w", now) == []
        now += timedelta(hours=2)
    assert store.outbox_depth() == {"parked": 1}


def test_it_never_cancels_an_effect_already_being_sent(store):
    plan(store, effect("nurture:1", contact="1"))
    store.claim_due_effects("w", NOW)
    with store.writing() as connection:
        assert store.cancel_pending_effects(connection, "1") == 0
    assert store.outbox_depth() == {"sending": 1}


def test_it_cancels_pending_effects_by_key_prefix(store):
    plan(
        store,
        effect("nurture:1", contact="1"),
        effect("nurture:2", contact="1"),
        effect("task", contact="1"),
        effect("nurture:1b", contact="2"),
    )
    with store.writing() as connection:
        assert store.cancel_pending_effects(connection, "1", key_prefix="nurture:") == 2
    assert store.outbox_depth() == {"cancelled": 2, "pending": 2}


def test_it_claims_one_kind_by_whole_batches_and_leaves_the_rest_due(store):
    plan(store, *(effect(f"t{n}") for n in range(5)))
    plan(store, Effect("w1", "update_contact", "101", {"properties": {}}, NOW))

    assert store.claim_due_effects("w", NOW, 10, kinds=["create_task"], multiple_of=3) != []
    tasks_left = store.claim_due_effects("w", NOW, 10, kinds=["create_task"], multiple_of=3)
    [update] = store.claim_due_effects("w", NOW, 10, kinds=["update_contact"])

    assert tasks_left == []  # two left, fewer than a batch of three
    assert update.idempotency_key == "w1"
    assert store.outbox_depth() == {"pending": 2, "sending": 4}
