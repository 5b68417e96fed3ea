"""Email events of addresses not learned yet wait for the walk to reach their contact."""

from datetime import UTC, datetime, timedelta

from connector.domain import Activity, ActivityKind, Contact
from connector.hubspot import RECIPIENT
from connector.sync.pull import Strangers

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def opened(address: str, minutes: int) -> Activity:
    return Activity(
        "",
        ActivityKind.EMAIL_OPEN,
        T0 + timedelta(minutes=minutes),
        f"email:{address}:{minutes}",
        {"email_id": "7", RECIPIENT: address},
    )


def test_it_attaches_held_events_to_the_contact_of_their_address_once():
    strangers = Strangers()
    strangers.hold([opened("ann@x.test", 1), opened("bob@x.test", 2), opened("ann@x.test", 3)])

    claimed = strangers.claim([Contact("11", {"email": "Ann@X.test"})])
    again = strangers.claim([Contact("11", {"email": "ann@x.test"})])

    assert [(a.contact_id, a.details) for a in claimed] == [("11", {"email_id": "7"})] * 2
    assert again == []
    assert strangers.oldest() == T0 + timedelta(minutes=2)
    assert strangers.ids() == {"email:bob@x.test:2"}


def test_it_lets_the_longest_waiting_go_past_its_limit_and_keeps_their_span():
    strangers = Strangers(limit=2)
    strangers.hold([opened("ann@x.test", 1), opened("bob@x.test", 5), opened("cy@x.test", 9)])

    # ann and bob let go (down to half the limit), their span kept for a second read
    assert strangers.let_go == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=5))
    assert strangers.span() == (T0 + timedelta(minutes=1), T0 + timedelta(minutes=9))
    assert strangers.claim([Contact("12", {"email": "bob@x.test"})]) == []
