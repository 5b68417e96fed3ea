"""`lifecyclestage` only moves forward; clearing it first is the documented way back."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import SimplePublicObjectInput, SimplePublicObjectInputForCreate


def stage_after(client, start: str, *writes: str) -> str | None:
    created = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "s@acme.test", "lifecyclestage": start}
        )
    )
    for value in writes:
        client.crm.contacts.basic_api.update(
            created.id, SimplePublicObjectInput(properties={"lifecyclestage": value})
        )
    return client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["lifecyclestage"]
    ).properties["lifecyclestage"]


@pytest.mark.parametrize(
    ("start", "writes", "expected"),
    [
        ("lead", ["marketingqualifiedlead"], "marketingqualifiedlead"),  # forward moves
        ("lead", ["salesqualifiedlead"], "salesqualifiedlead"),  # skipping a stage is forward too
        ("salesqualifiedlead", ["lead"], "salesqualifiedlead"),  # backwards is ignored, with a 200
        ("customer", ["subscriber"], "customer"),  # far backwards too
        ("salesqualifiedlead", ["", "lead"], "lead"),  # clear, then set: the way back
        ("customer", ["other"], "other"),  # `other` is last in the order
    ],
)
def test_it_only_moves_the_stage_forward(client, start, writes, expected):
    assert stage_after(client, start, *writes) == expected
