"""Owners and leadflow's own custom properties on the portal."""

from __future__ import annotations

from connector.domain import Owner
from connector.hubspot import PropertyDefinition, PropertyGroup, PropertyOption
from tests.integration.hubspot.world import add_contacts

GROUP = PropertyGroup("leadflow", "Leadflow")
DEFINITIONS = [
    PropertyDefinition("leadflow_score", "Lead score", type="number", field_type="number"),
    PropertyDefinition(
        "leadflow_persona",
        "Persona",
        type="enumeration",
        field_type="select",
        options=(PropertyOption("Buyer", "buyer"), PropertyOption("Champion", "champion")),
    ),
]
PROPERTY_CALLS = ("GET", "/crm/v3/properties/contacts")


def test_it_lists_every_owner_a_page_of_100_at_a_time(hub, gateway):
    with hub.state.lock:
        for n in range(130):
            hub.state.add_owner(f"rep{n}@example.test", f"Rep{n}", "Smith")
    owners = gateway.owners()
    assert len(owners) == len({o.id for o in owners}) >= 130
    rep = next(o for o in owners if o.email == "rep7@example.test")
    assert rep == Owner(id=rep.id, email="rep7@example.test", first_name="Rep7", last_name="Smith")
    assert hub.request_log.count("GET", "/crm/v3/owners") == 2


def test_it_creates_missing_properties_once(hub, gateway):
    assert gateway.ensure_properties(GROUP, DEFINITIONS) == ["leadflow_score", "leadflow_persona"]
    with hub.state.lock:
        persona = hub.state.contacts.registry.get("leadflow_persona")
    assert persona.options == ("buyer", "champion")
    calls_before = len(hub.request_log.entries)
    assert gateway.ensure_properties(GROUP, DEFINITIONS) == []
    # the second time, one listing shows everything is there
    assert len(hub.request_log.entries) == calls_before + 1


def test_it_writes_and_reads_a_custom_property_it_ensured(hub, connect):
    gateway = connect(hub, contact_properties=("email", "leadflow_persona"))
    gateway.ensure_properties(GROUP, DEFINITIONS)
    [contact_id] = add_contacts(hub, 1)
    outcome = gateway.update_contacts({contact_id: {"leadflow_persona": "champion"}})
    assert outcome.errors == []
    [contact] = gateway.read_contacts([contact_id]).contacts
    assert contact.properties["leadflow_persona"] == "champion"
