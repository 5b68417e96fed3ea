"""The lifecycle engine (PURE): contact facts → fit, engagement, stage, reasons.

No I/O and no clock here: time is passed in. Callers compile the admins'
config once with `connector.workflows.load_config(...).ruleset` and call
`evaluate` per contact.
"""

from connector.lifecycle.conditions import (
    ActivityCondition,
    ActivityTest,
    AllOf,
    AnyOf,
    Condition,
    PropertyCondition,
    PropertyTest,
)
from connector.lifecycle.engine import ContactFacts, evaluate
from connector.lifecycle.evaluation import (
    STAGE_RULE_PREFIX,
    ChecklistAnswer,
    Evaluation,
    Evidence,
    Reason,
    Transition,
    format_number,
    stage_label,
)
from connector.lifecycle.rules import (
    ChecklistItem,
    ChecklistStage,
    EngagementRule,
    FitRule,
    Persona,
    Recycle,
    Ruleset,
    ScoringModel,
    Signal,
    SignalStage,
    Writeback,
)
from connector.lifecycle.simulation import ChangedContact, SimulationReport, combine, simulate
from connector.lifecycle.writeback import writeback_properties

__all__ = [
    "STAGE_RULE_PREFIX",
    "ActivityCondition",
    "ActivityTest",
    "AllOf",
    "AnyOf",
    "ChangedContact",
    "ChecklistAnswer",
    "ChecklistItem",
    "ChecklistStage",
    "Condition",
    "ContactFacts",
    "EngagementRule",
    "Evaluation",
    "Evidence",
    "FitRule",
    "Persona",
    "PropertyCondition",
    "PropertyTest",
    "Reason",
    "Recycle",
    "Ruleset",
    "ScoringModel",
    "Signal",
    "SignalStage",
    "SimulationReport",
    "Transition",
    "Writeback",
    "combine",
    "evaluate",
    "format_number",
    "simulate",
    "stage_label",
    "writeback_properties",
]
