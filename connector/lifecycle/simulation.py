"""What a candidate config would change, compared with the active one, written nowhere.

`simulate` streams: it keeps counters and a bounded sample, never the
contacts, so it runs in constant memory over any number of them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.lifecycle.engine import ContactFacts, evaluate
from connector.lifecycle.evaluation import Evaluation, format_number
from connector.lifecycle.rules import Ruleset

SCORE_EDGES = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
PROGRESS_EVERY = 1000


def bucket_labels(edges: tuple[float, ...]) -> tuple[str, ...]:
    """Names of the histogram buckets cut at `edges`: "< 0", "0–10", …, "≥ 100"."""
    inner = tuple(
        f"{format_number(low)}–{format_number(high)}"
        for low, high in zip(edges, edges[1:], strict=False)
    )
    return (f"< {format_number(edges[0])}", *inner, f"≥ {format_number(edges[-1])}")


@dataclass(frozen=True, slots=True)
class ChangedContact:
    """A contact whose stage the candidate config would change, with its reasons."""

    contact_id: str
    email: str | None
    from_stage: str | None
    to_stage: str | None
    score_before: float
    score_after: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "email": self.email,
            "from": self.from_stage,
            "to": self.to_stage,
            "score_before": self.score_before,
            "score_after": self.score_after,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """Stage moves (`matrix`: (active stage, candidate stage) → contacts, unchanged
    pairs included), score histograms before and after over `buckets`, and the
    first `len(samples)` contacts that would change stage."""

    active_version: str
    candidate_version: str
    contacts: int
    changed: int
    matrix: Mapping[tuple[str | None, str | None], int]
    buckets: tuple[str, ...]
    before: tuple[int, ...]
    after: tuple[int, ...]
    samples: tuple[ChangedContact, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "active_version": self.active_version,
            "candidate_version": self.candidate_version,
            "contacts": self.contacts,
            "changed": self.changed,
            "matrix": [
                {"from": source, "to": target, "contacts": count}
                for (source, target), count in sorted(self.matrix.items(), key=_matrix_order)
            ],
            "score_distribution": [
                {"bucket": label, "before": before, "after": after}
                for label, before, after in zip(self.buckets, self.before, self.after, strict=True)
            ],
            "samples": [sample.to_dict() for sample in self.samples],
        }


def combine(parts: Sequence[SimulationReport], sample_size: int) -> SimulationReport:
    """One report for the contacts of all `parts` (simulated apart, e.g. in other
    processes, each over a run of contacts, given in contact order): the same as
    `simulate` over all of them at once, keeping its first `sample_size` samples."""
    first = parts[0]
    matrix: Counter[tuple[str | None, str | None]] = Counter()
    for part in parts:
        matrix.update(part.matrix)
    return SimulationReport(
        active_version=first.active_version,
        candidate_version=first.candidate_version,
        contacts=sum(part.contacts for part in parts),
        changed=sum(part.changed for part in parts),
        matrix=dict(matrix),
        buckets=first.buckets,
        before=tuple(map(sum, zip(*(part.before for part in parts), strict=True))),
        after=tuple(map(sum, zip(*(part.after for part in parts), strict=True))),
        samples=tuple(sample for part in parts for sample in part.samples)[:sample_size],
    )


def _matrix_order(item: tuple[tuple[str | None, str | None], int]) -> tuple[str, str]:
    (source, target), _count = item
    return source or "", target or ""


def simulate(
    contacts: Iterable[ContactFacts],
    active: Ruleset,
    candidate: Ruleset,
    now: datetime,
    *,
    sample_size: int = 20,
    edges: tuple[float, ...] = SCORE_EDGES,
    on_progress: Callable[[int], None] | None = None,
    on_evaluated: Callable[[ContactFacts, Evaluation, Evaluation], None] | None = None,
) -> SimulationReport:
    """Evaluate every contact with both rulesets and count the differences.

    Each contact's activities are read twice, so they must be a sequence, not
    an iterator; `contacts` itself may be any iterable, read once.
    `on_progress(done)` is called every 1,000 contacts and once at the end;
    `on_evaluated(facts, active, candidate)` with each contact's two evaluations,
    right after they are made (e.g. to plan their effects).
    """
    matrix: Counter[tuple[str | None, str | None]] = Counter()
    before = [0] * (len(edges) + 1)
    after = [0] * (len(edges) + 1)
    samples: list[ChangedContact] = []
    seen = changed = 0
    for facts in contacts:
        contact, activities, recycled_at = facts
        old = evaluate(contact, activities, active, now, recycled_at)
        new = evaluate(contact, activities, candidate, now, recycled_at)
        if on_evaluated is not None:
            on_evaluated(facts, old, new)
        seen += 1
        matrix[old.stage, new.stage] += 1
        before[bisect_right(edges, old.score)] += 1
        after[bisect_right(edges, new.score)] += 1
        if old.stage != new.stage:
            changed += 1
            if len(samples) < sample_size:
                reasons = tuple(reason.describe() for reason in new.stage_reasons)
                samples.append(
                    ChangedContact(
                        contact.id,
                        contact.email,
                        old.stage,
                        new.stage,
                        old.score,
                        new.score,
                        reasons,
                    )
                )
        if on_progress is not None and seen % PROGRESS_EVERY == 0:
            on_progress(seen)
    if on_progress is not None:
        on_progress(seen)
    return SimulationReport(
        active_version=active.version,
        candidate_version=candidate.version,
        contacts=seen,
        changed=changed,
        matrix=dict(matrix),
        buckets=bucket_labels(edges),
        before=tuple(before),
        after=tuple(after),
        samples=tuple(samples),
    )
