"""The planner: materializes the next message of every running enrollment, exactly once.

One row per enrollment and step, whatever the number of runs or processes (a unique key and
ON CONFLICT DO NOTHING); the send time is computed in the debtor's zone, inside the cadence's
window, caps and spacing. It runs over plain columns, not ORM objects, and reuses what a batch
shares (cadences, send rules, and the send time of identical (day, zone, rules) cases), because a
campaign of a million invoices must be planned in about a minute.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from saas_app import db
from saas_app.core.campaigns import CampaignStatus, EnrollmentState
from saas_app.core.languages import pick_language
from saas_app.core.messages import PENDING, MessageStatus
from saas_app.core.pacing import Ledger, paced
from saas_app.core.reminders import EXPLANATION, StopReason, reason_not_to_send
from saas_app.core.schedule import SendRules, first_step, next_send_time
from saas_app.models import (
    Cadence,
    CadenceStep,
    Campaign,
    Debtor,
    Enrollment,
    Invoice,
    Message,
    TemplateVariant,
)
from saas_app.services import pacing
from saas_app.services.cadences import language_chain, rules_for, steps_of

S = MessageStatus

# Flat, distinct labels: each row is read by attribute, with no per-row object to build.
COLUMNS: tuple[Any, ...] = (
    col(Enrollment.id).label("enrollment_id"),
    col(Enrollment.org_id).label("org_id"),
    col(Enrollment.campaign_id).label("campaign_id"),
    col(Enrollment.next_step).label("next_step"),
    col(Enrollment.paused_until).label("paused_until"),
    col(Invoice.id).label("invoice_id"),
    col(Invoice.status).label("invoice_status"),
    col(Invoice.due_on).label("due_on"),
    col(Debtor.id).label("debtor_id"),
    col(Debtor.opted_in_at).is_not(None).label("opted_in"),  # when does not matter here: a flag reads faster
    col(Debtor.opted_out_at).is_not(None).label("opted_out"),
    col(Debtor.locale).label("locale"),
    col(Debtor.timezone).label("timezone"),
    col(Debtor.country).label("country"),
    col(Debtor.window_start_minute).label("window_start_minute"),
    col(Debtor.window_end_minute).label("window_end_minute"),
    col(Campaign.cadence_id).label("cadence_id"),
)


class _Due(NamedTuple):
    """A due enrollment, as COLUMNS reads it: tuple attribute reads cost a fraction of a Row's."""

    enrollment_id: int
    org_id: int
    campaign_id: int
    next_step: int
    paused_until: date | None
    invoice_id: int
    invoice_status: str
    due_on: date
    debtor_id: int
    opted_in: bool
    opted_out: bool
    locale: str
    timezone: str
    country: str
    window_start_minute: int | None
    window_end_minute: int | None
    cadence_id: int


assert _Due._fields == tuple(column.key for column in COLUMNS), "COLUMNS and _Due must list the same names"


@dataclass
class _Lookups:
    """What a planning run reads or computes once and reuses for every enrollment that shares it."""

    session: Session
    now: datetime
    cadences: dict[int, Cadence] = field(default_factory=dict)
    steps: dict[int, list[CadenceStep]] = field(default_factory=dict)
    offsets: dict[int, list[int]] = field(default_factory=dict)
    languages: dict[int, set[str]] = field(default_factory=dict)
    rules: dict[tuple[Any, ...], SendRules] = field(default_factory=dict)
    times: dict[tuple[Any, ...], datetime | None] = field(default_factory=dict)
    chosen_languages: dict[tuple[str, int], str | None] = field(default_factory=dict)  # templates are one org's
    # Per organization: its messaging-limit ledger (None: no limit), and how many sends it counts.
    ledgers: dict[int, Ledger | None] = field(default_factory=dict)
    tallies: dict[int, int] = field(default_factory=dict)
    checked: set[int] = field(default_factory=set)  # organizations whose ledger this batch confirmed
    fallbacks: dict[int, list[str]] = field(default_factory=dict)  # each organization's language chain

    def ledger(self, org_id: int) -> Ledger | None:
        """The organization's messaging-limit ledger, confirmed once per batch against the database."""
        if org_id not in self.checked:
            self.checked.add(org_id)
            self._confirm_ledger(org_id)
        return self.ledgers[org_id]

    def _confirm_ledger(self, org_id: int) -> None:
        """Read the ledger again only if the sends it counts changed under it, the account locked until
        the batch commits (services.pacing.account_ledger)."""
        self.ledgers[org_id], self.tallies[org_id] = pacing.account_ledger(
            self.session,
            org_id,
            self.now,
            known=self.ledgers.get(org_id),
            counted=self.tallies.get(org_id, 0),
            lock=True,
        )

    def language(self, locale: str, template_id: int, org_id: int) -> str | None:
        """The variant a debtor's locale gets for this template, with the organization's fallback chain."""
        key = (locale, template_id)
        if key not in self.chosen_languages:
            if org_id not in self.fallbacks:
                self.fallbacks[org_id] = language_chain(self.session, org_id)
            available = self.languages.get(template_id, set())
            self.chosen_languages[key] = pick_language(locale, available, self.fallbacks[org_id])
        return self.chosen_languages[key]

    def steps_of(self, cadence_id: int) -> list[CadenceStep]:
        if cadence_id not in self.steps:
            cadence = self.session.get(Cadence, cadence_id)
            assert cadence is not None
            self.cadences[cadence_id] = cadence
            self.steps[cadence_id] = steps = steps_of(self.session, cadence_id)
            self.offsets[cadence_id] = [s.offset_days for s in steps]
            for step in steps:
                if step.template_id not in self.languages:
                    query = select(TemplateVariant.language).where(TemplateVariant.template_id == step.template_id)
                    self.languages[step.template_id] = set(self.session.exec(query))
        return self.steps[cadence_id]

    def rules_for(self, row: Any, target: date) -> SendRules:
        key = (row.cadence_id, row.window_start_minute, row.window_end_minute, row.country, target.year)
        rules = self.rules.get(key)
        if rules is None:
            rules = self.rules[key] = rules_for(self.cadences[row.cadence_id], row, target)
        return rules

    def send_time(self, row: Any, target: date, not_before: datetime, others: list[datetime]) -> datetime | None:
        rules = self.rules_for(row, target)
        if others:  # this debtor's own spacing and cap decide: nothing to share
            return next_send_time(target=target, zone=row.timezone, rules=rules, not_before=not_before, others=others)
        key = (target, row.timezone, rules, not_before)
        if key not in self.times:
            self.times[key] = next_send_time(target=target, zone=row.timezone, rules=rules, not_before=not_before)
        return self.times[key]


def plan_messages(
    session: Session, *, now: datetime, batch: int = 2000, org_id: int | None = None, after_id: int = 0
) -> int:
    """Plan the next window of `batch` running enrollments (ids above `after_id`); returns the messages planned."""
    return _plan_batch(session, _Lookups(session, now), batch=batch, org_id=org_id, after_id=after_id)[0]


def plan_all(
    session: Session,
    *,
    now: datetime,
    batch: int = 5000,
    org_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Plan every running enrollment, committing batch by batch; returns the messages planned.

    Walks the enrollments by id, so each batch starts where the last ended instead of skipping
    over everything already planned.
    """
    lookups = _Lookups(session, now)
    total, after_id = 0, 0
    while True:
        planned, last_id = _plan_batch(session, lookups, batch=batch, org_id=org_id, after_id=after_id)
        session.commit()
        if last_id is None:
            return total
        total, after_id = total + planned, last_id
        if progress:
            progress(total)


def _window_end(session: Session, batch: int, org_id: int | None, after_id: int) -> int | None:
    """The id that closes the next window of `batch` active enrollments: an index range, never a scan."""
    ids = select(Enrollment.id).where(col(Enrollment.state) == EnrollmentState.ACTIVE, col(Enrollment.id) > after_id)
    if org_id is not None:
        ids = ids.where(col(Enrollment.org_id) == org_id)
    window = ids.order_by(col(Enrollment.id)).limit(batch).subquery()
    return session.execute(sa_select(func.max(window.c.id))).scalar()


def _due_enrollments(org_id: int | None, after_id: int, last_id: int) -> Any:
    """The window's enrollments that wait for their next message (none scheduled or being sent).

    An enrollment's messages are found by its unique key alone: its status is tested as `status || ''`,
    which no index holds. Given the bare column, PostgreSQL without statistics on message (a campaign's
    first run fills it from empty, faster than autovacuum looks) also read ix_message_due for every
    scheduled message, once per enrollment: 95 s for a window of 5,000 at 180,000 messages.
    """
    unindexed_status = col(Message.status).concat("")
    pending = select(Message.id).where(Message.enrollment_id == Enrollment.id, unindexed_status.in_(PENDING)).exists()
    query = (
        sa_select(*COLUMNS)
        .join(Invoice, col(Invoice.id) == Enrollment.invoice_id)
        .join(Debtor, col(Debtor.id) == Enrollment.debtor_id)
        .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
        .where(
            col(Enrollment.id) > after_id,
            col(Enrollment.id) <= last_id,
            col(Enrollment.state) == EnrollmentState.ACTIVE,
            col(Campaign.status) == CampaignStatus.RUNNING,
            ~pending,
        )
        .order_by(col(Enrollment.id))
    )
    return query if org_id is None else query.where(col(Enrollment.org_id) == org_id)


def _plan_batch(
    session: Session, lookups: _Lookups, *, batch: int, org_id: int | None, after_id: int
) -> tuple[int, int | None]:
    last_id = _window_end(session, batch, org_id, after_id)
    if last_id is None:
        return 0, None
    # On the connection: through the session, the ORM's row loading costs more than the planning it feeds.
    due = session.connection().execute(_due_enrollments(org_id, after_id, last_id))
    rows = [_Due._make(row) for row in due]
    if not rows:
        return 0, last_id
    lookups.checked.clear()  # confirmed (and locked) again each batch: another planner may have booked since
    rows = _pacing_order(rows, lookups)
    now = lookups.now
    # The window's own bounds, not the rows': they may have been re-sorted for pacing.
    others = pacing.debtor_schedule(session, now, {row.debtor_id for row in rows}, enrolled_between=(after_id, last_id))
    messages: list[tuple[Any, ...]] = []
    finished: list[int] = []
    stopped: dict[StopReason, list[int]] = defaultdict(list)
    advanced: dict[tuple[int, int], list[int]] = defaultdict(list)  # (from, to) -> enrollment ids
    for row in rows:
        steps = lookups.steps_of(row.cadence_id)
        reason = reason_not_to_send(
            invoice_status=row.invoice_status,
            opted_in=bool(row.opted_in),
            opted_out=bool(row.opted_out),
        )
        if reason is not None and reason != StopReason.NO_CONSENT:
            stopped[reason].append(row.enrollment_id)
            continue
        position = _resume_position(row, lookups.offsets[row.cadence_id])
        if position >= len(steps):
            finished.append(row.enrollment_id)
            continue
        message = _message_row(row, steps[position], lookups, others, reason)
        messages.append(message)
        if message[_STATUS] == MessageStatus.SCHEDULED:
            others[row.debtor_id].append(message[_SCHEDULED_AT])
        if reason == StopReason.NO_CONSENT:
            # Without consent no step may go out: say so once and stop, rather than skip every step.
            stopped[reason].append(row.enrollment_id)
            continue
        advanced[(row.next_step, position + 1)].append(row.enrollment_id)
    _commit_without_flush_wait(session)
    _insert_ignoring_duplicates(session, messages)
    _advance(session, advanced)
    if finished:
        session.execute(update(Enrollment).where(col(Enrollment.id).in_(finished)).values(state=EnrollmentState.DONE))
    for reason, ids in stopped.items():
        session.execute(
            update(Enrollment)
            .where(col(Enrollment.id).in_(ids))
            .values(state=EnrollmentState.STOPPED, stop_reason=reason)
        )
    return len(messages), last_id


def _commit_without_flush_wait(session: Session) -> None:
    """On PostgreSQL this batch's commit returns before its WAL reaches the disk.

    A crash may lose the last fraction of a second of committed batches, whole (messages and steps
    together), and the next run plans them again. Nothing can have acted on them meanwhile: the worker
    commits its sends durably, and flushing its commit flushes the WAL written before it, the plan's too.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO off")


def _pacing_order(rows: list[_Due], lookups: _Lookups) -> list[_Due]:
    """Enrollments of paced organizations compete for each day's places: the earliest day first,
    then the campaign's priority (enrollments are created in priority order, so by id)."""
    if not any(lookups.ledger(org) is not None for org in {row.org_id for row in rows}):
        return rows
    today = lookups.now.date()

    def key(item: tuple[int, _Due]) -> tuple[date, int]:
        index, row = item
        if lookups.ledger(row.org_id) is None:
            return date.min, index
        lookups.steps_of(row.cadence_id)
        offsets = lookups.offsets[row.cadence_id]
        position = _resume_position(row, offsets)
        day = row.due_on + timedelta(days=offsets[position]) if position < len(offsets) else today
        return max(day, today), index

    return [row for _, row in sorted(enumerate(rows), key=key)]


def _advance(session: Session, advanced: dict[tuple[int, int], list[int]]) -> None:
    """One statement per (from, to) step pair; only the planner that still sees `from` moves it on."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    table = Enrollment.__table__  # type: ignore[attr-defined]
    for (position, following), ids in advanced.items():
        if postgres:  # one array parameter: thousands of separate ones cost PostgreSQL more to plan than to run
            connection.exec_driver_sql(
                f"UPDATE enrollment SET next_step = %s WHERE id = ANY({db.column_arrays(['int'])}) AND next_step = %s",  # noqa: S608
                (following, ids, position),
            )
            continue
        for start in range(0, len(ids), 10_000):
            connection.execute(
                update(table)
                .where(and_(table.c.id.in_(ids[start : start + 10_000]), table.c.next_step == position))
                .values(next_step=following)
            )


def _resume_position(row: Any, offsets: list[int]) -> int:
    """The step to plan: after a pause, the latest one whose day has come by then, not a stale one."""
    if row.paused_until is None:
        return int(row.next_step)
    return max(row.next_step, first_step(offsets, row.due_on, row.paused_until))


# The columns a planned message gets; the others keep their table defaults (NULL, '', 0, '[]').
_INSERTED = (  # column, and its PostgreSQL type for the array it travels in
    ("org_id", "int"),
    ("campaign_id", "int"),
    ("enrollment_id", "int"),
    ("step_position", "int"),
    ("debtor_id", "int"),
    ("invoice_id", "int"),
    ("template_id", "int"),
    ("language", "text"),
    ("status", "text"),
    ("scheduled_at", "timestamptz"),
    ("error_message", "text"),
    ("created_at", "timestamptz"),
)
_NAMES = tuple(name for name, _ in _INSERTED)
_SCHEDULED_AT = _NAMES.index("scheduled_at")
_STATUS = _NAMES.index("status")
_CREATED_AT = _NAMES.index("created_at")
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DATETIME text, which comparisons rely on


def _insert_ignoring_duplicates(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """One message per enrollment and step, whatever the number of planners running.

    Straight to the driver: SQLAlchemy's per-row parameter processing costs more than the planning
    itself at a million rows, so values are converted here the way the column types would.
    PostgreSQL takes the batch as one statement over column arrays; SQLite, an executemany.
    """
    if not rows:
        return
    connection = session.connection()
    columns = f"{', '.join(_NAMES)}, text, parameters, attempts, error_code"
    conflict = "ON CONFLICT (enrollment_id, step_position) DO NOTHING"
    if connection.dialect.name == "postgresql":
        arrays = db.column_arrays(kind for _, kind in _INSERTED)
        connection.exec_driver_sql(
            f"INSERT INTO message ({columns}) SELECT *, '', '[]'::json, 0, '' FROM unnest({arrays}) {conflict}",  # noqa: S608
            tuple(list(column) for column in zip(*rows, strict=True)),
        )
        return
    text_of: dict[datetime, str] = {}

    def stored(at: datetime) -> str:
        if at not in text_of:
            text_of[at] = at.astimezone(UTC).strftime(_SQLITE_TIME)
        return text_of[at]

    connection.exec_driver_sql(
        f"INSERT INTO message ({columns}) VALUES ({', '.join('?' * len(_NAMES))}, '', '[]', 0, '') {conflict}",  # noqa: S608
        [
            (*row[:_SCHEDULED_AT], stored(row[_SCHEDULED_AT]), row[_SCHEDULED_AT + 1], stored(row[_CREATED_AT]))
            for row in rows
        ],
    )


def _message_row(
    row: Any, step: CadenceStep, lookups: _Lookups, others: dict[int, list[datetime]], held: StopReason | None
) -> tuple[Any, ...]:
    """The message for this enrollment's step, in _NAMES' order: scheduled, or skipped with the reason."""
    now = lookups.now
    language = lookups.language(row.locale, step.template_id, row.org_id)
    if held is not None:
        status, at, reason = S.SKIPPED, now, EXPLANATION[held]
    elif language is None:
        status, at, reason = S.SKIPPED, now, f"the template has no variant for {row.locale}"
    else:
        target = row.due_on + timedelta(days=step.offset_days)
        not_before = now
        if row.paused_until is not None:  # from local midnight of the first day it may send again
            resume = datetime.combine(row.paused_until, time.min, ZoneInfo(row.timezone)).astimezone(UTC)
            not_before = max(now, resume)
        when = lookups.send_time(row, target, not_before, others.get(row.debtor_id, []))
        ledger = lookups.ledger(row.org_id)
        if when is not None and ledger is not None:
            when = _paced(row, target, not_before, when, ledger, lookups, others)
        if when is None:
            status, at, reason = S.SKIPPED, now, "no allowed send time in the next 120 days"
        else:
            status, at, reason = S.SCHEDULED, when, ""
    return (
        row.org_id,
        row.campaign_id,
        row.enrollment_id,
        step.position,
        row.debtor_id,
        row.invoice_id,
        step.template_id,
        language or "",
        status,
        at,
        reason,
        now,
    )


def _paced(
    row: Any,
    target: date,
    not_before: datetime,
    when: datetime,
    ledger: Ledger,
    lookups: _Lookups,
    others: dict[int, list[datetime]],
) -> datetime | None:
    """The send time once the account's messaging limit has room, booked in its ledger and counted."""
    mine = others.get(row.debtor_id, [])
    booked = paced(ledger, when, not_before, lambda start: lookups.send_time(row, target, start, mine))
    if booked is not None:
        lookups.tallies[row.org_id] += 1
    return booked
