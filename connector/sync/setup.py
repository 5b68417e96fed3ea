"""The custom contact properties leadflow writes, created in the portal if missing."""

from __future__ import annotations

from connector.hubspot import Gateway, PropertyDefinition, PropertyGroup

GROUP = PropertyGroup(name="leadflow", label="leadflow scoring")
NUMERIC = {"score", "fit", "engagement"}
DESCRIPTIONS = {
    "score": "Total lead score (fit + engagement), computed by leadflow",
    "fit": "Fit score: who the contact is, computed by leadflow",
    "engagement": "Engagement score: what the contact did, decayed over time",
    "model": "The leadflow scoring model that scored this contact",
    "persona": "The persona leadflow assigned when the contact became an MQL",
    "reason": "Why leadflow gave this stage and score, in one line",
}


def property_definitions(writeback) -> list[PropertyDefinition]:
    """One definition per custom property the write-back config names (not the stage)."""
    definitions = []
    for role, description in DESCRIPTIONS.items():
        name = getattr(writeback, role)
        if name:
            numeric = role in NUMERIC
            definitions.append(
                PropertyDefinition(
                    name=name,
                    label=f"leadflow {role}",
                    description=description,
                    type="number" if numeric else "string",
                    field_type="number" if numeric else "text",
                )
            )
    return definitions


def ensure_properties(gateway: Gateway, writeback) -> list[str]:
    """Create the missing properties (idempotent); return the names created."""
    return gateway.ensure_properties(GROUP, property_definitions(writeback))
