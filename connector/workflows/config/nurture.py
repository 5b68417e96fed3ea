"""`nurture.yaml` (optional): the steps of the nurture sequence and their email templates.

Deliberately minimal: the nurture planner extends it. What it fixes now is
the cross-file contract that every template a step names exists under
`emails/` in the same config directory.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, NonNegativeFloat

from connector.workflows.config.conditions import Id, StrictModel, duplicate_ids
from connector.workflows.config.source import Loc

TEMPLATE_DIR = "emails"


class NurtureStepSpec(StrictModel):
    id: Id
    delay_days: NonNegativeFloat = 0
    template: str = Field(min_length=1)

    @property
    def template_path(self) -> str:
        return f"{TEMPLATE_DIR}/{self.template}"


class NurtureFile(StrictModel):
    steps: list[NurtureStepSpec] = Field(min_length=1)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from duplicate_ids(self.steps, ("steps",))
