"""Killing the worker at random points of a two-week nurture replay never sends an
email twice, never creates a second task, and never loses one (see crash.py)."""

from __future__ import annotations

import pytest

from tests.integration.nurture.crash import replay_with_kills

SEED = 8
KILLS_PER_MOMENT = 3
MIN_KILLS = 20


# One backend keeps this under a minute on two cores (each run is a process start);
# benchmarks/nurture_crash_replay.py replays more seeds on SQLite and PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_it_never_repeats_or_loses_an_email_or_task_when_workers_are_killed(store, tmp_path):
    figures = replay_with_kills(store, tmp_path, SEED, KILLS_PER_MOMENT)

    print(f"\n{figures.line()} kills_by_point={dict(figures.kills)}")
    assert sum(figures.kills.values()) >= MIN_KILLS
    assert figures.duplicates == 0
    assert figures.missing == 0
    assert figures.tasks == 2
    assert figures.refused_webhooks == 0
    assert figures.outbox_states <= {"sent", "cancelled"}
