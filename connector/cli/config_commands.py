"""The admins' commands: `config validate`, `explain` and `simulate`.

`make_config_commands` builds them around two callables the store provides,
so this module never touches the database: `load_contacts()` yields every
stored contact as `ContactFacts`, `find_contact(id_or_email)` returns one or
None. Both are called only when a command runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connector.cli.simulation_workers import (
    ContactRuns,
    SimulationJob,
    simulation_runner,
    usable_cores,
)
from connector.lifecycle import (
    ContactFacts,
    Evaluation,
    SimulationReport,
    evaluate,
    format_number,
    stage_label,
)
from connector.workflows import (
    Config,
    ConfigError,
    EffectForecast,
    FunnelState,
    Planned,
    load_config,
    validate_directory,
)

EXIT_PROBLEM = 1
BAR_WIDTH = 30


def _stop(lines: Iterable[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    raise click.exceptions.Exit(EXIT_PROBLEM)


def _load(directory: Path) -> Config:
    try:
        return load_config(directory)
    except ConfigError as error:
        _stop([*error.errors, f"error: the config in {directory} is not valid"])


def _mark(met: bool) -> str:
    return "[green]yes[/green]" if met else "[red]no[/red]"


def render_evaluation(evaluation: Evaluation) -> RenderableType:
    """An evaluation as rich tables: the verdict, the reasons, the SQL checklist."""
    verdict = Table.grid(padding=(0, 2))
    verdict.add_column(style="bold")
    verdict.add_column()
    moved = f" → {stage_label(evaluation.stage)}" if evaluation.transition else ""
    rows = [
        ("contact", evaluation.contact_id),
        ("stage", f"{stage_label(evaluation.current_stage)}{moved}"),
        ("earned by rules", stage_label(evaluation.earned_stage)),
        (
            "score",
            f"{format_number(evaluation.score)} (fit {format_number(evaluation.fit)},"
            f" engagement {format_number(evaluation.engagement)})",
        ),
        ("scoring model", evaluation.model),
        ("persona", evaluation.persona or "none yet"),
        (
            "recycled",
            f"since {evaluation.recycled_at:%Y-%m-%d}" if evaluation.recycled_at else "no",
        ),
        ("config version", evaluation.config_version),
    ]
    for name, value in rows:
        verdict.add_row(name, value)

    reasons = Table(title="Why", title_justify="left", expand=True)
    reasons.add_column("rule")
    reasons.add_column("points", justify="right")
    reasons.add_column("evidence")
    for reason in (*evaluation.stage_reasons, *evaluation.score_reasons):
        points = format_number(reason.points, signed=True) if reason.points else ""
        evidence = "\n".join(item.describe() for item in reason.evidence)
        reasons.add_row(f"{reason.label} [dim]({reason.rule_id})[/dim]", points, evidence)

    parts: list[RenderableType] = [verdict, reasons]
    if evaluation.checklist:
        checklist = Table(title="SQL checklist", title_justify="left", expand=True)
        checklist.add_column("item")
        checklist.add_column("met")
        checklist.add_column("evidence")
        for answer in evaluation.checklist:
            label = f"{answer.label} [dim](required)[/dim]" if answer.required else answer.label
            evidence = "\n".join(item.describe() for item in answer.evidence)
            checklist.add_row(label, _mark(answer.met), evidence)
        parts.append(checklist)
    parts.append(f"[dim]{evaluation.summary}[/dim]")
    return Group(*parts)


def _bar(count: int, largest: int) -> str:
    return "█" * round(BAR_WIDTH * count / largest) if largest else ""


def render_simulation(report: SimulationReport) -> RenderableType:
    """A simulation as rich tables: stage moves, score distribution, sample changes."""
    headline = (
        f"[bold]{report.changed:,}[/bold] of {report.contacts:,} contacts would change stage"
        f" (config {report.active_version} → {report.candidate_version})"
    )
    moves = Table(title="Stage moves (active → candidate)", title_justify="left")
    moves.add_column("from")
    moves.add_column("to")
    moves.add_column("contacts", justify="right")
    for (source, target), count in sorted(report.matrix.items(), key=lambda item: -item[1]):
        if source != target:
            moves.add_row(stage_label(source), stage_label(target), f"{count:,}")

    scores = Table(title="Score distribution", title_justify="left")
    scores.add_column("score")
    scores.add_column("before", justify="right")
    scores.add_column("")
    scores.add_column("after", justify="right")
    scores.add_column("")
    largest = max((*report.before, *report.after), default=0)
    for label, before, after in zip(report.buckets, report.before, report.after, strict=True):
        scores.add_row(
            label, f"{before:,}", _bar(before, largest), f"{after:,}", _bar(after, largest)
        )

    samples = Table(title="Sample of contacts that would change", title_justify="left", expand=True)
    samples.add_column("contact")
    samples.add_column("stage")
    samples.add_column("score")
    samples.add_column("why")
    for sample in report.samples:
        samples.add_row(
            sample.email or sample.contact_id,
            f"{stage_label(sample.from_stage)} → {stage_label(sample.to_stage)}",
            f"{format_number(sample.score_before)} → {format_number(sample.score_after)}",
            "\n".join(sample.reasons),
        )
    return Group(headline, moves, scores, samples)


def render_effects(forecast: EffectForecast) -> RenderableType:
    """The emails and tasks each config would plan, side by side."""
    nurture = forecast.candidate.nurture
    step_ids = {n: step.id for n, step in enumerate(nurture.steps if nurture else [], 1)}
    before, after = forecast.before, forecast.after
    rows = [
        *(
            (f"{label} {n} ({step_ids.get(n, '?')})", old[n], new[n])
            for label, old, new in (
                ("email", before.emails, after.emails),
                ("personal-email task", before.personal, after.personal),
            )
            for n in sorted({*old, *new})
        ),
        ("CALL task for a new SQL", before.sql_calls, after.sql_calls),
        ("call-when-convenient task (MQL)", before.mql_calls, after.mql_calls),
        ("property write-back", before.writebacks, after.writebacks),
        ("nurture step cancelled (planned, not sent)", before.stopped, after.stopped),
    ]
    table = Table(title="Emails and tasks the next evaluation would plan", title_justify="left")
    for column in ("effect", "active", "candidate", "change"):
        table.add_column(column, justify="left" if column == "effect" else "right")
    for label, old, new in rows:
        table.add_row(label, f"{old:,}", f"{new:,}", f"{new - old:+,}" if new != old else "")
    headline = (
        f"[bold]{forecast.contacts:,}[/bold] contacts planned: those the two configs treat"
        " differently (the others would get the same under either)"
    )
    return Group(headline, table)


def make_config_commands(
    load_contacts: Callable[[], Iterable[ContactFacts]],
    find_contact: Callable[[str], ContactFacts | None],
    *,
    active_config_dir: Callable[[], Path] = lambda: Path("config"),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    count_contacts: Callable[[], int] | None = None,
    planned_of: Callable[[Sequence[str]], Mapping[str, Planned]] = lambda contact_ids: {},
    funnel: Callable[[datetime], FunnelState] | None = None,
    contact_runs: Callable[[], ContactRuns | None] | None = None,
) -> list[click.Command]:
    """The `config` group (with `validate`), `explain` and `simulate`, to add to the CLI.

    `count_contacts()`, when given, sizes simulate's progress bar. For simulate's
    emails and tasks, `planned_of(ids)` gives what the outbox holds for contacts
    and `funnel(now)` the portal's round-robin and lead counts. `contact_runs()`,
    when given, lets simulate share the contacts out to worker processes.
    """

    @click.group("config")
    def config_group() -> None:
        """Check the admins' config files (scoring, stages, nurture)."""

    @config_group.command("validate")
    @click.argument("directory", required=False, type=click.Path(path_type=Path))
    def validate(directory: Path | None) -> None:
        """Report every problem in a config directory as file:line: field: message.

        Exit code 1 when there is any problem. DIRECTORY defaults to the active config.
        """
        result = validate_directory(directory or active_config_dir())
        for line in result.errors:
            click.echo(line)
        click.echo(result.summary)
        if result.errors:
            raise click.exceptions.Exit(EXIT_PROBLEM)

    @click.command("explain")
    @click.argument("contact")
    @click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON.")
    def explain(contact: str, as_json: bool) -> None:
        """Show how the active config scores a stored contact (id or e-mail), and why."""
        config = _load(active_config_dir())
        facts = find_contact(contact)
        if facts is None:
            _stop([f"error: no stored contact with id or e-mail {contact!r}"])
        evaluation = evaluate(
            facts.contact, facts.activities, config.ruleset, clock(), facts.recycled_at
        )
        if as_json:
            click.echo(json.dumps(evaluation.to_dict(), indent=2, ensure_ascii=False))
        else:
            Console().print(render_evaluation(evaluation))

    @click.command("simulate")
    @click.option(
        "--config",
        "candidate_dir",
        required=True,
        type=click.Path(path_type=Path),
        help="The candidate config directory to compare with the active one.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.option("--sample", default=20, show_default=True, help="Changed contacts to show.")
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=usable_cores(),
        show_default=True,
        help="Worker processes that share the contacts out (one per core is fastest).",
    )
    def simulate_command(candidate_dir: Path, as_json: bool, sample: int, workers: int) -> None:
        """Evaluate every stored contact with a candidate config beside the active
        one and show what would change. Nothing is written."""
        active = _load(active_config_dir())
        candidate = _load(candidate_dir)
        now = clock()
        job = SimulationJob(
            active,
            candidate,
            now,
            funnel(now) if funnel is not None else FunnelState((), {}, 0),
            planned_of,
            sample,
        )
        contacts = load_contacts()
        runs = contact_runs() if contact_runs is not None else None
        if count_contacts is not None:
            total = count_contacts()
        else:
            total = len(contacts) if isinstance(contacts, Sized) else None
        console = Console(stderr=True)
        columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with (
            simulation_runner(job, contacts, runs, workers) as run,
            Progress(*columns, console=console, disable=not console.is_terminal) as progress,
        ):
            task = progress.add_task("simulate", total=total)
            report, forecast = run(lambda done: progress.update(task, completed=done))
        if as_json:
            document = {**report.to_dict(), "effects": forecast.to_dict()}
            click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            Console().print(Group(render_simulation(report), render_effects(forecast)))

    return [config_group, explain, simulate_command]
