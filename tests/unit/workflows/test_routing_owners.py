"""Who gets the task: the contact's owner, else the weighted round robin over the team."""

from __future__ import annotations

from collections import Counter

import pytest

from connector.domain import Contact, Owner
from connector.workflows.config.routing import MemberSpec, RoutingFile
from connector.workflows.planner import FunnelState
from connector.workflows.routing import round_robin, task_owner
from tests.unit.workflows.planner_world import OWNERS

SAM, RIA, OLA, KAI = (owner.id for owner in OWNERS)
GONE = Owner("109", "gone@example.com", "Gone", "Away", archived=True)


def team(*members: dict) -> RoutingFile:
    return RoutingFile(team=[MemberSpec(**member) for member in members])


def deal(routing: RoutingFile, leads: int, owners=OWNERS, held=None) -> Counter:
    """Give `leads` ownerless leads one after the other, as the sync does."""
    assignments = Counter(held or {})
    for _ in range(leads):
        assignments[round_robin(routing, owners, assignments)] += 1
    return assignments - Counter(held or {})


@pytest.mark.parametrize(
    ("routing", "leads", "held", "expected"),
    [
        # no team: every active owner in turn
        (RoutingFile(), 8, {}, {SAM: 2, RIA: 2, OLA: 2, KAI: 2}),
        # a weight of 2 gets twice the leads
        (team({"owner_id": SAM, "weight": 2}, {"owner_id": RIA}), 9, {}, {SAM: 6, RIA: 3}),
        # a rep on holiday is skipped, not removed
        (team({"owner_id": SAM}, {"owner_id": RIA, "available": False}), 3, {}, {SAM: 3}),
        # reps named by email (any case) count the same
        (team({"email": "Sam.Seller@example.com"}, {"owner_id": RIA}), 4, {}, {SAM: 2, RIA: 2}),
        # a rep who already holds more SQLs waits until the others catch up
        (team({"owner_id": SAM}, {"owner_id": RIA}), 4, {SAM: 3}, {RIA: 3, SAM: 1}),
        # a team member HubSpot does not list (left the company) is skipped
        (team({"owner_id": "999"}, {"owner_id": OLA}), 2, {}, {OLA: 2}),
    ],
)
def test_it_deals_leads_by_weighted_round_robin(
    routing: RoutingFile, leads: int, held: dict, expected: dict
) -> None:
    assert +deal(routing, leads, held=held) == Counter(expected)


def test_it_breaks_ties_by_team_order() -> None:
    assert round_robin(team({"owner_id": RIA}, {"owner_id": SAM}), OWNERS, {}) == RIA


@pytest.mark.parametrize(
    ("routing", "owners", "expected"),
    [
        # nobody available: no owner (the task is created unassigned)
        (team({"owner_id": SAM, "available": False}), OWNERS, None),
        # no active owner known at all
        (RoutingFile(), (GONE,), None),
    ],
)
def test_it_gives_no_owner_when_nobody_can_take_it(routing, owners, expected) -> None:
    assert round_robin(routing, owners, {}) == expected


@pytest.mark.parametrize(
    ("owner", "owners", "expected"),
    [
        # an active owner keeps the lead
        (OLA, OWNERS, (OLA, False)),
        # no owner: routing picks (and assigns) the next rep
        (None, OWNERS, (SAM, True)),
        # an owner HubSpot no longer lists as active counts as none
        (GONE.id, (*OWNERS, GONE), (SAM, True)),
        # no owner list at all (not fetched yet): the owner set in HubSpot is trusted
        ("555", (), ("555", False)),
    ],
)
def test_it_tasks_the_contacts_owner_first(owner, owners, expected) -> None:
    contact = Contact("c1", {"hubspot_owner_id": owner} if owner else {})
    assert task_owner(contact, RoutingFile(), FunnelState(owners, {}, 0)) == expected
