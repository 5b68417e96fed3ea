"""`connector simulate` on every core: runs of contacts simulated in worker processes.

Simulating a contact (reading its history, judging it under two configs,
planning the effects of those judged differently) is CPU work that depends on
no other contact. So the stored contacts are cut into runs of `RUN` contacts
in id order, worker processes each read and simulate whole runs, and the
parent adds their counts up in run order: `combine` and `EffectForecast.merge`
make the result the same as one pass over every contact.

The workers are forked: they inherit the configs, the rules compiled from
them and the store's loaders, so only a run's number goes to a worker and only
counts come back. They are forked before the progress bar starts its thread.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from connector.lifecycle import ContactFacts, SimulationReport, combine, simulate
from connector.workflows import (
    Config,
    EffectCounts,
    EffectForecast,
    FunnelState,
    Planned,
    nothing_planned,
)

RUN = 5_000

Loader = Callable[[], Iterable[ContactFacts]]
Progress = Callable[[int], None]
Outcome = tuple[SimulationReport, EffectForecast]


@dataclass(frozen=True)
class ContactRuns:
    """The stored contacts cut for worker processes: `cut(size)` gives a loader per run
    of about `size` contacts, in contact order, together every contact once;
    `after_fork()` runs first in each worker (e.g. to drop the database connections
    it inherited, which only the parent may use)."""

    cut: Callable[[int], Sequence[Loader]]
    after_fork: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class SimulationJob:
    """One simulation: the active and the candidate config, the time, and what the
    emails-and-tasks forecast reads (the funnel, what the outbox holds)."""

    active: Config
    candidate: Config
    now: datetime
    funnel: FunnelState
    planned_of: Callable[[Sequence[str]], Mapping[str, Planned]] = field(default=nothing_planned)
    sample_size: int = 20

    def forecast(self) -> EffectForecast:
        return EffectForecast(self.active, self.candidate, self.funnel, self.now, self.planned_of)

    def run(self, contacts: Iterable[ContactFacts], on_progress: Progress | None = None) -> Outcome:
        """Simulate `contacts` here, in this process."""
        forecast = self.forecast()
        report = simulate(
            contacts,
            self.active.ruleset,
            self.candidate.ruleset,
            self.now,
            sample_size=self.sample_size,
            on_progress=on_progress,
            on_evaluated=forecast.add,
        )
        return report, forecast.finish()


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextmanager
def simulation_runner(
    job: SimulationJob,
    contacts: Iterable[ContactFacts],
    runs: ContactRuns | None,
    workers: int,
    run_size: int = RUN,
) -> Iterator[Callable[[Progress], Outcome]]:
    """A function that runs `job` over every contact and reports progress (contacts
    done so far): in `workers` processes when `runs` cuts the contacts into more
    than one run of `run_size`, else here over `contacts` (every contact, read
    once). Workers are forked on entry and stopped on exit."""
    loaders = runs.cut(run_size) if runs is not None and workers > 1 else ()
    if len(loaders) < 2:
        yield lambda on_progress: job.run(contacts, on_progress)
        return
    context = multiprocessing.get_context("fork")
    processes = min(workers, len(loaders))
    with context.Pool(processes, _start_worker, (job, loaders, runs.after_fork)) as pool:
        yield lambda on_progress: _gather(job, pool.imap(_run, range(len(loaders))), on_progress)


def _gather(
    job: SimulationJob,
    results: Iterable[tuple[SimulationReport, int, EffectCounts, EffectCounts]],
    on_progress: Progress,
) -> Outcome:
    """The runs' results, received in run order, added up."""
    reports: list[SimulationReport] = []
    forecast = job.forecast()
    done = 0
    for report, planned, before, after in results:
        reports.append(report)
        forecast.merge(planned, before, after)
        done += report.contacts
        on_progress(done)
    return combine(reports, job.sample_size), forecast


_work: tuple[SimulationJob, Sequence[Loader]] | None = None


def _start_worker(job: SimulationJob, loaders: Sequence[Loader], after_fork: Callable) -> None:
    """In each worker, once: keep the job; leave Ctrl-C to the parent, which stops
    the workers itself; and freeze what the worker inherited (modules, configs,
    compiled rules), which lives as long as it does, so that the garbage collector
    stops walking it at every full collection (8% of a 100,000-contact run)."""
    global _work
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    after_fork()
    _work = job, loaders
    gc.freeze()


def _run(index: int) -> tuple[SimulationReport, int, EffectCounts, EffectCounts]:
    """One run, simulated in a worker: its report and its forecast's counts."""
    assert _work is not None, "a worker's job is set when it starts"
    job, loaders = _work
    report, forecast = job.run(loaders[index]())
    return report, forecast.contacts, forecast.before, forecast.after
