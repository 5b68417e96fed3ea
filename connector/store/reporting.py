"""Report queries: every figure of `connector report`, `/dashboard` and `/metrics`.

All of it aggregates in the database (GROUP BY, window functions), so a million
contacts never travel to Python; each query returns a few plain rows.

Definitions the queries implement (docs/reports.md explains them to users):
1. A contact *reaches* a funnel stage at its first 'advance' transition to that
   stage or to any later one: skipping MQL on the way to SQL counts as reaching
   MQL at the same moment.
2. A stage's *cohort* in a period is the contacts that first reached it in the
   period; it *converted* when the contact has reached the next funnel stage
   since, up to now (not only within the period).
3. A *stay* in a stage runs from the advance into exactly that stage to the
   contact's next advance; stays are counted in the period in which they end.
4. Percentiles are computed from the ranks of the sorted stays (the same SQL on
   SQLite and PostgreSQL): the query returns the one or two rows around each
   wanted rank and `connector.reports.figures.percentile` interpolates.

Times compared inside JSON payloads (task `due_at`, `completed_at`) are ISO-8601
strings; they are turned into instants with the dialect's own parser.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Connection,
    Date,
    Float,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TIMESTAMP

from connector.domain import STAGE_ORDER, ActivityKind, Stage, stage_rank
from connector.store.tables import (
    activities,
    contacts,
    inbox_events,
    job_runs,
    outbox_effects,
    sync_cursors,
    transitions,
)

FUNNEL: tuple[Stage, ...] = (Stage.LEAD, Stage.MQL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
MEASURED_STAYS: tuple[Stage, ...] = FUNNEL[:-1]
BREAKDOWNS = {
    "source": contacts.c.lead_source,
    "persona": contacts.c.persona,
    "model": contacts.c.model,
    "owner": contacts.c.owner_id,
}
# Time-in-stage distribution: upper bounds of each bucket, in seconds; the last bucket is open.
STAY_BUCKETS: tuple[int, ...] = tuple(
    int(timedelta(**span).total_seconds())
    for span in ({"hours": 1}, {"days": 1}, {"days": 3}, {"days": 7}, {"days": 14}, {"days": 30})
)
OPEN_TASK_STATES = ("pending", "sending", "sent")
REACTIONS = (
    ActivityKind.EMAIL_OPEN,
    ActivityKind.EMAIL_CLICK,
    ActivityKind.UNSUBSCRIBED,
    ActivityKind.HARD_BOUNCE,
)
RECENT_EVALUATIONS = timedelta(minutes=5)
ANALYSIS_WORK_MEM = "64MB"


@dataclass(frozen=True)
class Period:
    """Half-open interval [since, until) of aware UTC datetimes."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("a report period needs aware datetimes")
        if self.since >= self.until:
            raise ValueError("a report period must end after it starts")


@dataclass(frozen=True)
class ReachDay:
    """Contacts of `group` who first reached `stage` on `day`, and how many of them went on."""

    group: str | None
    stage: str
    day: date
    reached: int
    converted: int


@dataclass(frozen=True)
class StayRanks:
    """The stays in `stage` that ended in the period: their count and the values at wanted ranks.

    `ranked` maps a 0-based rank in the ascending order of durations to seconds.
    """

    group: str | None
    stage: str
    count: int
    ranked: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StayBucket:
    """How many stays in `stage` fell in `bucket`: an index into STAY_BUCKETS, or one past it."""

    stage: str
    bucket: int
    count: int


@dataclass(frozen=True)
class NurtureStep:
    """Nurture emails sent in the period at one step, and how many saw each reaction."""

    group: str | None
    step: int
    sent: int
    opened: int
    clicked: int
    unsubscribed: int
    bounced: int


@dataclass(frozen=True)
class FollowUp:
    """CALL tasks planned in the period and what became of them, and leads recycled."""

    group: str | None
    planned: int = 0
    created: int = 0
    completed_in_sla: int = 0
    completed_late: int = 0
    overdue: int = 0
    parked: int = 0
    recycled: int = 0


@dataclass(frozen=True)
class JobRun:
    """The latest finished run of a scheduled job."""

    job: str
    started_at: datetime
    finished_at: datetime
    outcome: str | None


@dataclass(frozen=True)
class StoreHealth:
    """What the queues and the scheduler look like right now."""

    inbox: dict[str, int]
    oldest_pending_event: datetime | None
    outbox: dict[str, int]
    oldest_due_effect: datetime | None
    last_sync: datetime | None
    jobs: list[JobRun]
    config_version: str | None
    evaluated_recently: int


class ReportingQueries:
    """Named report queries; mixed into `Store`, which provides `reading()` and `dialect`."""

    def stage_reach_by_day(self, period: Period, by: str | None = None) -> list[ReachDay]:
        """Per group, funnel stage and day: contacts first reaching the stage, and converted."""
        reach = _reach(period, by)
        parts = []
        for stage, following in zip(FUNNEL, (*FUNNEL[1:], None), strict=True):
            reached_at = reach.c[stage.value]
            day = _day(self.dialect, reached_at)
            converted = func.count(reach.c[following.value]) if following else literal_column("0")
            parts.append(
                select(
                    reach.c.grp,
                    literal_column(f"'{stage.value}'").label("stage"),
                    day.label("day"),
                    func.count().label("reached"),
                    converted.label("converted"),
                )
                .where(reached_at >= period.since, reached_at < period.until)
                .group_by(reach.c.grp, day)
            )
        with self._analysing() as connection:
            rows = connection.execute(union_all(*parts)).all()
        return [
            ReachDay(row.grp, row.stage, _as_date(row.day), row.reached, row.converted)
            for row in rows
        ]

    def stay_ranks(
        self, period: Period, percentiles: Sequence[float], by: str | None = None
    ) -> list[StayRanks]:
        """Per group and stage: the count of stays ended in the period, and the values at ranks
        floor(p·(n−1)) and ceil(p·(n−1)) for each p in `percentiles`."""
        stays = _stays(self.dialect, period)
        group, group_by, source = _grouped(by, stays, stays.c.contact_id)
        partition = (*group_by, stays.c.stage)
        ranked = (
            select(
                group,
                stays.c.stage,
                stays.c.seconds,
                (
                    func.row_number().over(partition_by=partition, order_by=stays.c.seconds) - 1
                ).label("rank"),
                func.count().over(partition_by=partition).label("n"),
            )
            .select_from(source)
            .subquery()
        )
        near = [func.abs(ranked.c.rank - p * (ranked.c.n - 1)) < 1 for p in percentiles]
        query = (
            select(ranked).where(or_(*near)) if near else select(ranked).where(ranked.c.rank == 0)
        )
        with self._analysing() as connection:
            rows = connection.execute(query).all()
        found: dict[tuple[str | None, str], StayRanks] = {}
        for row in rows:
            entry = found.setdefault((row.grp, row.stage), StayRanks(row.grp, row.stage, row.n))
            entry.ranked[row.rank] = float(row.seconds)
        return list(found.values())

    def stay_distribution(self, period: Period) -> list[StayBucket]:
        """Stays ended in the period, counted per stage and duration bucket (see STAY_BUCKETS)."""
        stays = _stays(self.dialect, period)
        bucket = case(
            *(
                (stays.c.seconds < literal_column(str(bound)), literal_column(str(index)))
                for index, bound in enumerate(STAY_BUCKETS)
            ),
            else_=literal_column(str(len(STAY_BUCKETS))),
        )
        query = (
            select(stays.c.stage, bucket.label("bucket"), func.count().label("count"))
            .group_by(stays.c.stage, bucket)
            .order_by(stays.c.stage, bucket)
        )
        with self._analysing() as connection:
            return [StayBucket(*row) for row in connection.execute(query)]

    def nurture_steps(self, period: Period, by: str | None = None) -> list[NurtureStep]:
        """Per group and step, nurture emails sent in the period, and how many of those emails
        were opened, clicked, unsubscribed from or bounced (matched on the contact and the
        email id HubSpot reports in the activity)."""
        effect = outbox_effects.c
        sent = (
            select(
                effect.contact_id,
                effect.payload["step"].as_integer().label("step"),
                cast(effect.payload["email_id"].as_string(), String).label("email_id"),
            )
            .where(
                effect.kind == "send_email",
                effect.state == "sent",
                effect.sent_at >= period.since,
                effect.sent_at < period.until,
            )
            .subquery()
        )

        reactions = _reactions(sent, period.since)
        group, group_by, source = _grouped(
            by,
            sent.outerjoin(
                reactions,
                and_(
                    reactions.c.contact_id == sent.c.contact_id,
                    reactions.c.email_id == sent.c.email_id,
                ),
            ),
            sent.c.contact_id,
        )
        query = (
            select(
                group,
                sent.c.step,
                func.count().label("sent"),
                *(func.coalesce(func.sum(reactions.c[kind.value]), 0) for kind in REACTIONS),
            )
            .select_from(source)
            .group_by(*group_by, sent.c.step)
            .order_by(sent.c.step)
        )
        with self._analysing() as connection:
            return [NurtureStep(*row) for row in connection.execute(query)]

    def follow_up(self, period: Period, now: datetime, by: str | None = None) -> list[FollowUp]:
        """Per group: CALL tasks planned in the period (not cancelled) and their fate as of
        `now`, and recycle transitions in the period.

        A task is completed within the SLA when its payload's `completed_at` is at or before
        its `due_at`; overdue when it is still open (pending, sending or sent), has no
        `completed_at` and its `due_at` has passed.
        """
        tasks = self._call_tasks(period)
        open_state = tasks.c.state.in_(OPEN_TASK_STATES)
        now_instant = _instant(self.dialect, literal(now.isoformat()))
        done = tasks.c.completed.is_not(None)
        group, group_by, source = _grouped(by, tasks, tasks.c.contact_id)
        task_query = select(
            group,
            func.count().label("planned"),
            _count_where(tasks.c.state == "sent"),
            _count_where(and_(done, tasks.c.completed <= tasks.c.due)),
            _count_where(and_(done, tasks.c.completed > tasks.c.due)),
            _count_where(and_(~done, open_state, tasks.c.due < now_instant)),
            _count_where(tasks.c.state == "parked"),
        ).select_from(source)
        recycle_group, recycle_group_by, recycle_source = _grouped(
            by, transitions, transitions.c.contact_id
        )
        recycle_query = (
            select(recycle_group, func.count())
            .select_from(recycle_source)
            .where(
                transitions.c.kind == "recycle",
                transitions.c.at >= period.since,
                transitions.c.at < period.until,
            )
        )
        if group_by:
            task_query = task_query.group_by(*group_by)
            recycle_query = recycle_query.group_by(*recycle_group_by)
        with self._analysing() as connection:
            found = {
                row[0]: FollowUp(*row) for row in connection.execute(task_query) if row.planned
            }
            for recycle_group_value, recycled in connection.execute(recycle_query):
                if recycled:
                    base = found.get(recycle_group_value, FollowUp(recycle_group_value))
                    found[recycle_group_value] = replace(base, recycled=recycled)
        return list(found.values())

    def store_health(self, now: datetime) -> StoreHealth:
        """Queue depths by state, the oldest waiting items, the last sync and job runs, the
        config version of the latest evaluation and how many contacts were evaluated in the
        last RECENT_EVALUATIONS."""
        with self.reading() as connection:
            inbox = dict(
                connection.execute(
                    select(inbox_events.c.state, func.count()).group_by(inbox_events.c.state)
                ).all()
            )
            outbox = dict(
                connection.execute(
                    select(outbox_effects.c.state, func.count()).group_by(outbox_effects.c.state)
                ).all()
            )
            oldest_event = connection.scalar(
                select(func.min(inbox_events.c.received_at)).where(
                    inbox_events.c.state == "pending"
                )
            )
            oldest_effect = connection.scalar(
                select(func.min(outbox_effects.c.due_at)).where(
                    outbox_effects.c.state == "pending", outbox_effects.c.due_at <= now
                )
            )
            last_sync = connection.scalar(
                select(sync_cursors.c.updated_at).where(sync_cursors.c.name == "contacts")
            )
            config_version = connection.scalar(
                select(contacts.c.config_version)
                .where(contacts.c.evaluated_at.is_not(None))
                .order_by(contacts.c.evaluated_at.desc())
                .limit(1)
            )
            evaluated = connection.scalar(
                select(func.count()).where(contacts.c.evaluated_at >= now - RECENT_EVALUATIONS)
            )
            jobs = [JobRun(*row) for row in connection.execute(_latest_job_runs())]
        return StoreHealth(
            inbox=inbox,
            oldest_pending_event=oldest_event,
            outbox=outbox,
            oldest_due_effect=oldest_effect,
            last_sync=last_sync,
            jobs=jobs,
            config_version=config_version,
            evaluated_recently=evaluated or 0,
        )

    @contextmanager
    def _analysing(self) -> Iterator[Connection]:
        """A read transaction for one big aggregate. On PostgreSQL: enough memory for its
        sorts and hashes to stay off disk, and no JIT, whose compile time (near a second)
        costs more than it saves on these few-second queries."""
        with self.reading() as connection:
            if self.dialect == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL work_mem = '{ANALYSIS_WORK_MEM}'")
                connection.exec_driver_sql("SET LOCAL jit = off")
            yield connection

    def _call_tasks(self, period: Period):
        effect = outbox_effects.c
        return (
            select(
                effect.contact_id,
                effect.state,
                _instant(self.dialect, effect.payload["due_at"].as_string()).label("due"),
                _instant(self.dialect, effect.payload["completed_at"].as_string()).label(
                    "completed"
                ),
            )
            .where(
                effect.kind == "create_task",
                effect.payload["task_type"].as_string() == "CALL",
                effect.state != "cancelled",
                effect.created_at >= period.since,
                effect.created_at < period.until,
            )
            .subquery()
        )


def _reach(period: Period, by: str | None):
    """Per contact that advanced in the period: its group and when it first reached each
    funnel stage. The group is joined once here rather than in each stage's count."""
    advance = transitions.c.kind == "advance"
    moved = select(transitions.c.contact_id).where(
        advance, transitions.c.at >= period.since, transitions.c.at < period.until
    )
    reached = [
        func.min(case((transitions.c.to_stage.in_(_at_or_past(stage)), transitions.c.at))).label(
            stage.value
        )
        for stage in FUNNEL
    ]
    per_contact = (
        select(transitions.c.contact_id, *reached)
        .where(advance, transitions.c.contact_id.in_(moved))
        .group_by(transitions.c.contact_id)
        .subquery()
    )
    group, _, source = _grouped(by, per_contact, per_contact.c.contact_id)
    return select(per_contact, group).select_from(source).cte("reach")


def _reactions(sent, since: datetime):
    """Per (contact, email id): 1 or 0 for each reaction kind since `since` (a reaction never
    precedes its email). One pass over the reaction activities, found through the
    (kind, source_id) unique index, instead of a look-up per email and kind.
    """
    reacting = (
        select(
            activities.c.contact_id,
            activities.c.details["email_id"].as_string().label("email_id"),
            activities.c.kind,
        )
        .where(
            activities.c.kind.in_([kind.value for kind in REACTIONS]),
            activities.c.occurred_at >= since,
        )
        .subquery()
    )
    return (
        select(
            reacting.c.contact_id,
            reacting.c.email_id,
            *(
                func.max(case((reacting.c.kind == kind.value, 1), else_=0)).label(kind.value)
                for kind in REACTIONS
            ),
        )
        .group_by(reacting.c.contact_id, reacting.c.email_id)
        .subquery()
    )


def _stays(dialect: str, period: Period):
    """Stays in a measured stage that ended in the period: contact, stage, seconds."""
    advance = transitions.c.kind == "advance"
    moved = select(transitions.c.contact_id).where(
        advance, transitions.c.at >= period.since, transitions.c.at < period.until
    )
    steps = (
        select(
            transitions.c.contact_id,
            transitions.c.to_stage.label("stage"),
            transitions.c.at.label("entered_at"),
            func.lead(transitions.c.at)
            .over(
                partition_by=transitions.c.contact_id,
                order_by=(transitions.c.at, transitions.c.id),
            )
            .label("left_at"),
        )
        .where(advance, transitions.c.contact_id.in_(moved))
        .subquery()
    )
    return (
        select(
            steps.c.contact_id,
            steps.c.stage,
            _seconds_between(dialect, steps.c.entered_at, steps.c.left_at).label("seconds"),
        )
        .where(
            steps.c.stage.in_([stage.value for stage in MEASURED_STAYS]),
            steps.c.left_at >= period.since,
            steps.c.left_at < period.until,
        )
        .subquery()
    )


def _at_or_past(stage: Stage) -> list[str]:
    """The stages whose reaching implies having reached `stage` ('other' implies nothing)."""
    return [
        later.value
        for later in STAGE_ORDER
        if later is not Stage.OTHER and stage_rank(later) >= stage_rank(stage)
    ]


def _grouped(by: str | None, relation, contact_id):
    """(group column, GROUP BY columns, FROM clause) for breaking a query down by `by`."""
    if by is None:
        return null().label("grp"), [], relation
    try:
        column = BREAKDOWNS[by]
    except KeyError:
        raise ValueError(f"cannot break a report down by {by!r}") from None
    return column.label("grp"), [column], relation.outerjoin(contacts, contacts.c.id == contact_id)


def _count_where(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _latest_job_runs():
    finished = (
        select(
            job_runs.c.job,
            job_runs.c.started_at,
            job_runs.c.finished_at,
            job_runs.c.outcome,
            func.row_number()
            .over(partition_by=job_runs.c.job, order_by=job_runs.c.finished_at.desc())
            .label("recency"),
        )
        .where(job_runs.c.finished_at.is_not(None))
        .subquery()
    )
    return (
        select(finished.c.job, finished.c.started_at, finished.c.finished_at, finished.c.outcome)
        .where(finished.c.recency == 1)
        .order_by(finished.c.job)
    )


# Dialect differences, kept to these three expressions. Constants are inlined rather
# than bound so PostgreSQL sees the same expression in SELECT and GROUP BY.


def _day(dialect: str, moment) -> ColumnElement:
    if dialect == "sqlite":
        return func.date(moment)
    return cast(func.timezone(literal_column("'UTC'"), moment), Date)


def _seconds_between(dialect: str, start, end) -> ColumnElement[float]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * literal_column("86400.0")
    # EXTRACT gives numeric, whose comparisons make sorting and bucketing stays several
    # times slower than on double precision (exact to the microsecond for these spans).
    return cast(func.extract("epoch", end - start), Float)


def _instant(dialect: str, iso_text) -> ColumnElement:
    """An ISO-8601 string as something comparable in time (NULL stays NULL)."""
    if dialect == "sqlite":
        return func.julianday(iso_text)
    return cast(iso_text, TIMESTAMP(timezone=True))


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
