"""Campaigns: a cadence applied to invoices, and how they fare.

The planner that materializes their messages is worker.planner; the stops are services.reminders.
"""

import re
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, insert, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from saas_app.core.campaigns import LIVE, CampaignStatus, EnrollmentState
from saas_app.core.invoices import STOPPING
from saas_app.core.messages import PENDING, MessageStatus
from saas_app.core.roles import Action
from saas_app.core.schedule import first_step
from saas_app.i18n import N_
from saas_app.models import (
    AuditLog,
    Campaign,
    CampaignCounter,
    CampaignHour,
    Debtor,
    Enrollment,
    Invoice,
    Message,
    User,
    WhatsAppAccount,
)
from saas_app.models.campaigns import CampaignNote
from saas_app.services import audit, reminders, segments
from saas_app.services.cadences import TemplateProblem, dry_run, get_cadence, readiness, steps_of
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError
from saas_app.services.paging import MAX_PAGE, Slice, keyset
from saas_app.whatsapp import sandbox

# Who goes first when the WhatsApp messaging limit makes a campaign wait.
PRIORITIES = {
    "oldest_first": lambda invoice: (invoice.due_on, -invoice.outstanding, invoice.id),
    "largest_first": lambda invoice: (-invoice.outstanding, invoice.due_on, invoice.id),
}


class CadenceNotReady(ServiceError):
    """The cadence's templates would not reach some of the debtors: each problem by step and language."""

    def __init__(self, problems: list[TemplateProblem]) -> None:
        # Each explanation ends with its own full stop: the list reads as sentences.
        listing = " ".join(
            f"{p.step_position + 1}. {p.template_name} ({p.language}): {p.message}" for p in problems[:10]
        )
        super().__init__(N_("This cadence cannot start yet: {problems}"), field="cadence", problems=listing)
        self.problems = problems


def requires_approval(session: Session, org_id: int) -> bool:
    """Meta sends approved templates only; the sandbox number accepts the library's from the start."""
    number = session.exec(select(WhatsAppAccount.phone_number_id).where(WhatsAppAccount.org_id == org_id)).first()
    return number is None or not sandbox.is_sandbox(number)


def _debtor_locales(session: Session, org_id: int, condition: Any) -> set[str]:
    query = (
        select(Debtor.locale)
        .join(Enrollment, col(Enrollment.debtor_id) == Debtor.id)
        .where(Enrollment.org_id == org_id, condition)
        .distinct()
    )
    return set(session.exec(query).all())


def campaign_problems(session: Session, ctx: OrgContext, campaign_id: int) -> list[TemplateProblem]:
    """What keeps a running campaign's steps from going out now (a template Meta paused, say)."""
    campaign = get_campaign(session, ctx, campaign_id)
    locales = _debtor_locales(
        session,
        ctx.org_id,
        and_(col(Enrollment.campaign_id) == campaign.id, col(Enrollment.state).in_(LIVE)),
    )
    if not locales:
        return []
    return readiness(
        session, ctx, campaign.cadence_id, locales, require_approval=requires_approval(session, ctx.org_id)
    )


def create_campaign(
    session: Session,
    ctx: OrgContext,
    *,
    name: str,
    cadence_id: int,
    invoice_ids: list[int],
    now: datetime,
    segment_id: int | None = None,
    priority: str = "oldest_first",
) -> Campaign:
    """Enroll the invoices in the cadence, all or nothing; an invoice already being chased is refused.

    Enrollments are created in the order of the campaign's priority: the planner paces by id.
    """
    ctx.require(Action.COLLECT)
    if priority not in PRIORITIES:
        raise ServiceError(N_("Choose who goes first: the oldest or the largest debts."), field="priority")
    cadence = get_cadence(session, ctx, cadence_id)
    steps = steps_of(session, cadence.id or 0)
    if not steps:
        raise ServiceError(N_("This cadence has no steps yet."))
    if not name.strip():
        raise ServiceError(N_("Give the campaign a name."), field="name")
    ids = sorted(set(invoice_ids))
    if not ids:
        raise ServiceError(N_("Choose at least one invoice."), field="invoices")
    # Plain columns, read in chunks: a segment may hold more invoices than a query may list ids.
    invoices: list[Any] = [
        row
        for chunk in _chunks(ids)
        for row in session.execute(
            sa_select(
                col(Invoice.id),
                col(Invoice.number),
                col(Invoice.status),
                col(Invoice.due_on),
                col(Invoice.debtor_id),
                col(Invoice.currency),
                (col(Invoice.amount_minor) - col(Invoice.paid_minor)).label("outstanding"),
            ).where(col(Invoice.org_id) == ctx.org_id, col(Invoice.id).in_(chunk))
        )
    ]
    if len(invoices) != len(ids):
        raise ServiceError(N_("Some of these invoices do not exist."), field="invoices")
    closed = [i.number for i in invoices if i.status in STOPPING]
    if closed:
        raise ServiceError(
            N_("These invoices are paid, disputed or written off: {numbers}."), numbers=", ".join(sorted(closed))
        )
    busy: list[Any] = [
        row
        for chunk in _chunks(ids)
        for row in session.exec(
            select(Invoice.number, Campaign.name)
            .join(Enrollment, col(Enrollment.invoice_id) == Invoice.id)
            .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
            .where(
                Enrollment.org_id == ctx.org_id, Enrollment.state == EnrollmentState.ACTIVE, col(Invoice.id).in_(chunk)
            )
        )
    ]
    if busy:
        listing = ", ".join(f"{number} ({campaign})" for number, campaign in sorted(busy))
        raise ServiceError(N_("These invoices are already in a running campaign: {listing}."), listing=listing)
    locales = {
        locale
        for chunk in _chunks(sorted({invoice.debtor_id for invoice in invoices}))
        for locale in session.exec(select(Debtor.locale).where(col(Debtor.id).in_(chunk)).distinct())
    }
    problems = readiness(
        session, ctx, cadence.id or 0, locales, require_approval=requires_approval(session, ctx.org_id)
    )
    if problems:
        raise CadenceNotReady(problems)
    campaign = Campaign(
        org_id=ctx.org_id,
        name=name.strip()[:120],
        cadence_id=cadence.id or 0,
        segment_id=segment_id,
        priority=priority,
        created_by_id=ctx.user_id,
    )
    count_owed(campaign, [(invoice.currency, invoice.outstanding) for invoice in invoices])
    session.add(campaign)
    session.flush()
    offsets = [s.offset_days for s in steps]
    today = now.date()
    session.execute(
        insert(Enrollment),
        [
            {
                "org_id": ctx.org_id,
                "campaign_id": campaign.id,
                "invoice_id": invoice.id,
                "debtor_id": invoice.debtor_id,
                "state": EnrollmentState.ACTIVE,
                "stop_reason": "",
                "next_step": first_step(offsets, invoice.due_on, today),
                "created_at": now,
            }
            for invoice in sorted(invoices, key=PRIORITIES[priority])
        ],
    )
    audit.record_for(
        ctx,
        session,
        "campaign.created",
        target_type="campaign",
        target_id=campaign.id,
        invoices=len(invoices),
        cadence_id=cadence.id,
    )
    return campaign


def count_owed(campaign: Campaign, outstanding: list[tuple[str, int]]) -> None:
    """Invoices join the campaign: what they still owe, (currency, minor units) each, adds to its recovery's whole."""
    owed = dict(campaign.owed_when_enrolled or {})  # a new dict: the JSON column sees the change
    for currency, minor in outstanding:
        owed[currency] = owed.get(currency, 0) + max(0, minor)
    campaign.owed_when_enrolled = owed


def _chunks(ids: list[int], size: int = 10_000) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def create_from_segment(
    session: Session,
    ctx: OrgContext,
    *,
    name: str,
    cadence_id: int,
    segment_id: int,
    now: datetime,
    priority: str = "oldest_first",
) -> Campaign:
    """Chase every invoice the segment selects today that no running campaign chases yet."""
    ctx.require(Action.COLLECT)
    segment = segments.get_segment(session, ctx, segment_id)
    rules = segments.rules_from(segment.rules)
    ids = segments.free_invoice_ids(session, ctx, rules, now.date())
    if not ids:
        matching = segments.count(session, ctx, rules, now.date()).matching
        if matching == 0:
            raise ServiceError(N_("No invoice matches this segment today."), field="segment")
        raise ServiceError(
            N_("All {count} invoices of this segment are already in a running campaign."),
            field="segment",
            count=matching,
        )
    return create_campaign(
        session,
        ctx,
        name=name,
        cadence_id=cadence_id,
        invoice_ids=ids,
        now=now,
        segment_id=segment.id,
        priority=priority,
    )


def campaign_counts(session: Session, ctx: OrgContext, campaign_id: int) -> dict[str, int]:
    """How many of the campaign's messages are in each status, from its counters."""
    ctx.require(Action.VIEW)
    return _message_counts(_counters(session, ctx.org_id, [campaign_id]).get(campaign_id, {}))


# A campaign's counters: (step, language, status) -> count; figures of the whole campaign are at step -1.
_Counts = dict[tuple[int, str, str], int]
_MESSAGE_STATUSES = frozenset(MessageStatus)
_WHOLE = -1  # the step of a figure of the whole campaign: invoices, paid, debtors_replied


def _counters(session: Session, org_id: int, campaign_ids: list[int]) -> dict[int, _Counts]:
    rows = session.execute(
        sa_select(
            col(CampaignCounter.campaign_id),
            col(CampaignCounter.step),
            col(CampaignCounter.language),
            col(CampaignCounter.status),
            col(CampaignCounter.count),
        ).where(col(CampaignCounter.org_id) == org_id, col(CampaignCounter.campaign_id).in_(campaign_ids))
    ).all()
    found: dict[int, _Counts] = {}
    for campaign_id, step, language, status, count in rows:
        found.setdefault(campaign_id, {})[(step, language, status)] = count
    return found


def _message_counts(counts: _Counts) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (_step, _language, status), count in counts.items():
        if status in _MESSAGE_STATUSES and count:
            totals[status] = totals.get(status, 0) + count
    return {status: count for status, count in totals.items() if count}


@dataclass(frozen=True)
class CampaignStats:
    """What a finance team follows: messages by how far they got, and invoices by how they ended."""

    invoices: int
    scheduled: int
    sent: int  # reached the debtor's phone or further: sent, delivered or read
    delivered: int  # delivered or read
    read: int
    failed: int
    expired: int  # not sent in time (the reminder would have arrived late): the next step took over
    replied: int  # debtors who wrote back after the campaign started
    paid: int  # enrolled invoices paid in full
    paid_minor: dict[str, int]  # paid on enrolled invoices since the campaign started, per currency
    # When the last message planned so far goes out: a tier-paced campaign may take days.
    last_send_at: datetime | None = None


def get_campaign(session: Session, ctx: OrgContext, campaign_id: int) -> Campaign:
    """One of the organization's campaigns; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Campaign, ctx, campaign_id, N_("This campaign does not exist."))


def scan_campaigns(
    session: Session, ctx: OrgContext, *, after: int | None = None, limit: int = 50, status: str | None = None
) -> Slice[Campaign]:
    """The organization's campaigns a slice at a time, by id, optionally in one status."""
    ctx.require(Action.VIEW)
    query = select(Campaign).where(Campaign.org_id == ctx.org_id)
    if status is not None:
        query = query.where(Campaign.status == status)
    return keyset(session, query, col(Campaign.id), after=after, limit=limit)


def campaign_stats(session: Session, ctx: OrgContext, campaign_id: int) -> CampaignStats:
    """A campaign's figures: invoices and messages by stage, debtors who replied, invoices and amounts paid since."""
    campaign = get_campaign(session, ctx, campaign_id)
    return campaigns_stats(session, ctx, [campaign.id or 0])[campaign.id or 0]


def campaigns_stats(session: Session, ctx: OrgContext, campaign_ids: list[int]) -> dict[int, CampaignStats]:
    """The figures of several of the organization's campaigns (a page of the list) from their counters.

    A few queries whatever the campaigns' sizes: counters, amounts per currency, and the last planned
    send of each, read from the end of an index. Another tenant's campaign ids get nothing.
    """
    ctx.require(Action.VIEW)
    ids = sorted(set(campaign_ids))
    owned = session.exec(select(Campaign.id).where(Campaign.org_id == ctx.org_id, col(Campaign.id).in_(ids))).all()
    ids = [i for i in owned if i is not None]
    counters = _counters(session, ctx.org_id, ids)
    amounts: dict[int, dict[str, int]] = {}
    for campaign_id, currency, total in session.exec(
        select(CampaignHour.campaign_id, CampaignHour.currency, func.sum(CampaignHour.recovered_minor))
        .where(CampaignHour.org_id == ctx.org_id, col(CampaignHour.campaign_id).in_(ids), CampaignHour.currency != "")
        .group_by(col(CampaignHour.campaign_id), col(CampaignHour.currency))
    ).all():
        if total:
            amounts.setdefault(campaign_id, {})[currency] = int(total)
    return {
        campaign_id: _stats_from(
            counters.get(campaign_id, {}), amounts.get(campaign_id, {}), _last_send_at(session, campaign_id)
        )
        for campaign_id in ids
    }


def _last_send_at(session: Session, campaign_id: int) -> datetime | None:
    """When the campaign's last planned message goes: the end of ix_message_campaign_status_at, per pending status."""
    latest = [
        session.exec(
            select(func.max(Message.scheduled_at)).where(Message.campaign_id == campaign_id, Message.status == status)
        ).one()
        for status in PENDING
    ]
    found = [at for at in latest if at is not None]
    return max(found) if found else None


def _stats_from(counts: _Counts, paid_minor: dict[str, int], last_send_at: datetime | None) -> CampaignStats:
    by_status = _message_counts(counts)
    delivered = by_status.get(MessageStatus.DELIVERED, 0) + by_status.get(MessageStatus.READ, 0)
    return CampaignStats(
        invoices=counts.get((_WHOLE, "", "invoices"), 0),
        scheduled=by_status.get(MessageStatus.SCHEDULED, 0) + by_status.get(MessageStatus.SENDING, 0),
        sent=delivered + by_status.get(MessageStatus.SENT, 0),
        delivered=delivered,
        read=by_status.get(MessageStatus.READ, 0),
        failed=by_status.get(MessageStatus.FAILED, 0),
        expired=by_status.get(MessageStatus.EXPIRED, 0),
        replied=counts.get((_WHOLE, "", "debtors_replied"), 0),
        paid=counts.get((_WHOLE, "", "paid"), 0),
        paid_minor=paid_minor,
        last_send_at=last_send_at,
    )


@dataclass(frozen=True)
class StepFigures:
    """One step in one language: how far its messages got, and how many a debtor answered."""

    step: int
    language: str
    scheduled: int
    sent: int  # sent, delivered or read
    delivered: int  # delivered or read
    read: int
    replied: int  # messages a debtor answered (replied to in WhatsApp), each once
    failed: int
    expired: int
    stopped: int  # cancelled or skipped: never went
    # Invoices paid in full while the campaign chased them whose last message sent before the payment
    # was this step in this language (last touch): see Enrollment.paid_step.
    paid: int = 0


def step_figures(session: Session, ctx: OrgContext, campaign_id: int) -> list[StepFigures]:
    """The campaign's table per step and language, by step then language, from its counters."""
    campaign = get_campaign(session, ctx, campaign_id)
    by_row: dict[tuple[int, str], dict[str, int]] = {}
    for (step, language, status), count in (
        _counters(session, ctx.org_id, [campaign.id or 0]).get(campaign.id or 0, {}).items()
    ):
        if step != _WHOLE:
            by_row.setdefault((step, language), {})[status] = count
    figures = []
    for (step, language), c in sorted(by_row.items()):
        delivered = c.get(MessageStatus.DELIVERED, 0) + c.get(MessageStatus.READ, 0)
        figures.append(
            StepFigures(
                step=step,
                language=language,
                scheduled=c.get(MessageStatus.SCHEDULED, 0) + c.get(MessageStatus.SENDING, 0),
                sent=delivered + c.get(MessageStatus.SENT, 0),
                delivered=delivered,
                read=c.get(MessageStatus.READ, 0),
                replied=c.get("replied", 0),
                failed=c.get(MessageStatus.FAILED, 0),
                expired=c.get(MessageStatus.EXPIRED, 0),
                stopped=c.get(MessageStatus.CANCELLED, 0) + c.get(MessageStatus.SKIPPED, 0),
                paid=c.get("paid", 0),
            )
        )
    return [f for f in figures if any(astuple(f)[2:])]


@dataclass(frozen=True)
class DayFigures:
    """One day of a campaign in the organization's time zone: messages that went, and what was paid."""

    day: date
    sent: int  # messages handed to WhatsApp that day (whatever became of them after)
    recovered_minor: dict[str, int]  # paid that day on the campaign's invoices, per currency


def daily_figures(session: Session, ctx: OrgContext, campaign_id: int, timezone: str) -> list[DayFigures]:
    """The campaign over time, a row per day with something in it, summed from its hourly counters."""
    campaign = get_campaign(session, ctx, campaign_id)
    zone = ZoneInfo(timezone)
    days: dict[date, tuple[int, dict[str, int]]] = {}
    for hour, currency, sent, recovered in session.exec(
        select(CampaignHour.hour, CampaignHour.currency, CampaignHour.sent, CampaignHour.recovered_minor).where(
            CampaignHour.org_id == ctx.org_id, CampaignHour.campaign_id == campaign.id
        )
    ).all():
        day = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone).date()
        total_sent, amounts = days.get(day, (0, {}))
        if recovered:
            amounts[currency] = amounts.get(currency, 0) + recovered
        days[day] = (total_sent + sent, amounts)
    return [
        DayFigures(day, sent, {c: a for c, a in amounts.items() if a})
        for day, (sent, amounts) in sorted(days.items())
        if sent or any(amounts.values())
    ]


def targeted_amounts(session: Session, ctx: OrgContext, campaign_id: int) -> dict[str, tuple[int, int]]:
    """Per currency, (paid since launch, what is left of what was owed): the recovery rate's parts.

    What the invoices owed when they joined the campaign is kept on it (count_owed), and paid since
    comes from the hourly counters: no enrolled invoice is read.
    """
    campaign = get_campaign(session, ctx, campaign_id)
    paid = campaign_stats(session, ctx, campaign.id or 0).paid_minor
    owed = campaign.owed_when_enrolled or {}
    return {
        currency: (paid.get(currency, 0), max(0, owed.get(currency, 0) - paid.get(currency, 0)))
        for currency in sorted(set(paid) | set(owed))
        if paid.get(currency, 0) or owed.get(currency, 0)
    }


# Messages that never reached the debtor (failed, expired), whose reasons the campaign view counts: the
# condition of ix_message_campaign_undelivered, word for word, as SQLite uses a partial index only for a
# query that repeats its condition, literals included (bound parameters do not match them).
_UNDELIVERED_ONLY = text("message.status IN ('failed', 'expired')")


@dataclass(frozen=True)
class FailureReason:
    """Failed or expired messages of one campaign that share Meta's error code."""

    status: str  # failed or expired
    code: str  # Meta's error code, "" when it gave none
    message: str  # what Meta or the worker said (one of them): the fallback when we have no text of our own
    count: int


def failure_reasons(session: Session, ctx: OrgContext, campaign_id: int, *, most: int = 20) -> list[FailureReason]:
    """Why the campaign's messages failed or expired, counted by code, the most frequent first.

    Counted from ix_message_campaign_undelivered alone; then one message of each reason is read for
    what Meta (or the worker) said.
    """
    campaign = get_campaign(session, ctx, campaign_id)
    counted = session.exec(
        select(Message.status, Message.error_code, func.count())
        .where(Message.campaign_id == campaign.id, _UNDELIVERED_ONLY)
        .group_by(col(Message.status), col(Message.error_code))
    ).all()
    reasons = []
    for status, code, count in sorted(counted, key=lambda row: (-row[2], row[0], row[1]))[:most]:
        said = session.exec(
            select(Message.error_message)
            .where(Message.campaign_id == campaign.id, _UNDELIVERED_ONLY, Message.status == status)
            .where(Message.error_code == code)
            .limit(1)
        ).first()
        reasons.append(FailureReason(status, code, said or "", count))
    return reasons


@dataclass(frozen=True)
class MessageFilters:
    """What the message list shows: one status, one step, one language; None for any."""

    status: str | None = None
    step: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class MessageLine:
    """One of the campaign's messages as the list shows it."""

    id: int
    debtor_name: str
    invoice_number: str
    step: int | None
    language: str
    status: str
    at: datetime  # when it last moved: failed, read, delivered, sent, or when it is planned
    error_code: str
    error_message: str


def _message_query(campaign_id: int, filters: MessageFilters) -> Any:
    query = (
        select(Message, Debtor.name, Invoice.number)
        .join(Debtor, col(Debtor.id) == Message.debtor_id)
        .outerjoin(Invoice, col(Invoice.id) == Message.invoice_id)
        .where(Message.campaign_id == campaign_id)
    )
    if filters.status is not None:
        query = query.where(Message.status == filters.status)
    if filters.step is not None:
        query = query.where(Message.step_position == filters.step)
    if filters.language is not None:
        query = query.where(Message.language == filters.language)
    return query


def _line(message: Message, debtor_name: str, invoice_number: str | None) -> MessageLine:
    moments = (message.failed_at, message.read_at, message.delivered_at, message.sent_at)
    return MessageLine(
        id=message.id or 0,
        debtor_name=debtor_name,
        invoice_number=invoice_number or "",
        step=message.step_position,
        language=message.language,
        status=message.status,
        at=next((m for m in moments if m is not None), message.scheduled_at),
        error_code=message.error_code,
        error_message=message.error_message,
    )


def campaign_messages(
    session: Session,
    ctx: OrgContext,
    campaign_id: int,
    filters: MessageFilters,
    *,
    after: int | None = None,
    limit: int = 50,
) -> Slice[MessageLine]:
    """The campaign's messages a slice at a time, by id, with their debtor and invoice."""
    campaign = get_campaign(session, ctx, campaign_id)
    limit = max(1, min(limit, MAX_PAGE))
    query = _message_query(campaign.id or 0, filters)
    if after is not None:
        query = query.where(col(Message.id) > after)
    rows = session.exec(query.order_by(col(Message.id)).limit(limit + 1)).all()
    lines = [_line(message, name, number) for message, name, number in rows[:limit]]
    return Slice(lines, lines[-1].id if len(rows) > limit and lines else None)


def all_campaign_messages(
    session: Session, ctx: OrgContext, campaign_id: int, filters: MessageFilters, *, chunk: int = MAX_PAGE
) -> Iterator[MessageLine]:
    """Every message the filters select, read a slice at a time: for the CSV export."""
    after: int | None = None
    while True:
        found = campaign_messages(session, ctx, campaign_id, filters, after=after, limit=chunk)
        yield from found.items
        if found.next_after is None:
            return
        after = found.next_after


def pause_campaign(session: Session, ctx: OrgContext, campaign_id: int) -> int:
    """Nothing more goes out and the schedule waits: planned messages are taken back until it resumes.

    Returns the messages taken back. Only a running campaign pauses.
    """
    ctx.require(Action.COLLECT)
    campaign = _steered(session, ctx, campaign_id, CampaignStatus.RUNNING, N_("Only a running campaign can be paused."))
    campaign.status = CampaignStatus.PAUSED
    session.add(campaign)
    session.flush()
    held = reminders.hold_campaign(session, ctx.org_id, campaign.id or 0)
    audit.record_for(ctx, session, "campaign.paused", target_type="campaign", target_id=campaign.id, held=held)
    return held


def resume_campaign(session: Session, ctx: OrgContext, campaign_id: int) -> None:
    """A paused campaign runs again: the planner schedules its next messages in their send windows."""
    ctx.require(Action.COLLECT)
    campaign = _steered(session, ctx, campaign_id, CampaignStatus.PAUSED, N_("Only a paused campaign can resume."))
    campaign.status = CampaignStatus.RUNNING
    session.add(campaign)
    audit.record_for(ctx, session, "campaign.resumed", target_type="campaign", target_id=campaign.id)


def stop_campaign(session: Session, ctx: OrgContext, campaign_id: int) -> int:
    """The campaign ends for good: everything it still had planned is cancelled. Returns how many."""
    ctx.require(Action.COLLECT)
    campaign = get_campaign(session, ctx, campaign_id)
    if campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.PAUSED):
        raise ServiceError(N_("This campaign is already over."))
    campaign.status = CampaignStatus.CANCELLED
    session.add(campaign)
    session.flush()
    cancelled = reminders.stop_campaign(session, ctx.org_id, campaign.id or 0)
    audit.record_for(
        ctx, session, "campaign.stopped", target_type="campaign", target_id=campaign.id, cancelled=cancelled
    )
    return cancelled


def _steered(session: Session, ctx: OrgContext, campaign_id: int, status: str, refusal: str) -> Campaign:
    campaign = get_campaign(session, ctx, campaign_id)
    if campaign.status != status:
        raise ServiceError(refusal)
    return campaign


@dataclass(frozen=True)
class ActivityEntry:
    """Something a person did to the campaign: launched, paused, resumed, edited, stopped."""

    action: str  # the audit action: campaign.created, campaign.paused...
    who: str  # the person's name or email; "" when no person (an API key, the system)
    at: datetime


# What the activity feed shows: what people did to a campaign (an export only read it).
ACTIVITY_ACTIONS = (
    "campaign.created",
    "campaign.launched",
    "campaign.invoices_added",
    "campaign.paused",
    "campaign.resumed",
    "campaign.edited",
    "campaign.stopped",
)


def campaign_activity(session: Session, ctx: OrgContext, campaign_id: int, *, limit: int = 50) -> list[ActivityEntry]:
    """The campaign's history from the audit log, newest first.

    A launch from the browser is audited twice, as the campaign's creation and as the launch with its
    segment: the feed says it once.
    """
    campaign = get_campaign(session, ctx, campaign_id)
    rows = session.exec(
        select(AuditLog.action, User.name, User.email, AuditLog.created_at)
        .outerjoin(User, col(User.id) == AuditLog.actor_user_id)
        .where(
            AuditLog.org_id == ctx.org_id,
            AuditLog.target_type == "campaign",
            AuditLog.target_id == str(campaign.id),
            col(AuditLog.action).in_(ACTIVITY_ACTIONS),
        )
        .order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
        .limit(limit)
    ).all()
    launched = any(action == "campaign.launched" for action, *_ in rows)
    return [
        ActivityEntry(action, name or email or "", at)
        for action, name, email, at in rows
        if not (launched and action == "campaign.created")
    ]


NOTE_LIMIT = 2000


@dataclass(frozen=True)
class NoteEntry:
    body: str
    who: str
    at: datetime


def add_note(session: Session, ctx: OrgContext, campaign_id: int, body: str) -> CampaignNote:
    """A note for the team on the campaign's page; it is never sent to anyone."""
    ctx.require(Action.COLLECT)
    campaign = get_campaign(session, ctx, campaign_id)
    text_ = body.strip()
    if not text_:
        raise ServiceError(N_("Write the note first."), field="note")
    if len(text_) > NOTE_LIMIT:
        raise ServiceError(N_("A note holds up to {limit} characters."), field="note", limit=NOTE_LIMIT)
    note = CampaignNote(org_id=ctx.org_id, campaign_id=campaign.id or 0, author_id=ctx.user_id, body=text_)
    session.add(note)
    session.flush()
    return note


def campaign_notes(session: Session, ctx: OrgContext, campaign_id: int, *, limit: int = 50) -> list[NoteEntry]:
    """The team's notes on the campaign, newest first."""
    campaign = get_campaign(session, ctx, campaign_id)
    rows = session.exec(
        select(CampaignNote.body, User.name, User.email, CampaignNote.created_at)
        .outerjoin(User, col(User.id) == CampaignNote.author_id)
        .where(CampaignNote.org_id == ctx.org_id, CampaignNote.campaign_id == campaign.id)
        .order_by(col(CampaignNote.id).desc())
        .limit(limit)
    ).all()
    return [NoteEntry(body, name or email or "", at) for body, name, email, at in rows]


@dataclass(frozen=True)
class ScheduledStep:
    position: int
    offset_days: int
    template: str
    status: str  # a message's status, "expected" for a later step, "passed" for one the invoice started after
    send_at: datetime | None
    local: datetime | None
    language: str


@dataclass(frozen=True)
class InvoiceSchedule:
    invoice_number: str
    debtor_name: str
    timezone: str
    state: str
    steps: list[ScheduledStep]


def campaign_schedule(
    session: Session, ctx: OrgContext, campaign_id: int, *, now: datetime, limit: int = 100
) -> list[InvoiceSchedule]:
    """For each enrolled invoice, every step: what was planned or sent, and when the later ones would go."""
    campaign = get_campaign(session, ctx, campaign_id)
    rows = session.exec(
        select(Enrollment, Invoice, Debtor)
        .join(Invoice, col(Invoice.id) == Enrollment.invoice_id)
        .join(Debtor, col(Debtor.id) == Enrollment.debtor_id)
        .where(Enrollment.campaign_id == campaign.id, Enrollment.org_id == ctx.org_id)
        .order_by(col(Invoice.due_on), col(Enrollment.id))
        .limit(limit)
    ).all()
    result = []
    for enrollment, invoice, debtor in rows:
        messages = {
            m.step_position: m for m in session.exec(select(Message).where(Message.enrollment_id == enrollment.id))
        }
        zone = ZoneInfo(debtor.timezone)
        steps = []
        for item in dry_run(session, ctx, campaign.cadence_id, invoice.id or 0, now):
            message = messages.get(item.position)
            if message is not None:
                at: datetime | None = message.scheduled_at
                status, language = message.status, message.language
            elif item.position < enrollment.next_step or item.skipped:
                at, status, language = None, "passed", ""
            else:  # the variant the fallback chain picks today
                at, status, language = item.send_at, "expected", item.language
            local = at.astimezone(zone) if at else None
            steps.append(
                ScheduledStep(item.position, item.offset_days, item.template_name, status, at, local, language)
            )
        result.append(InvoiceSchedule(invoice.number, debtor.name, debtor.timezone, enrollment.state, steps))
    return result


# Each counter recounted from the rows, the definitions the triggers of migrations 0018 and 0021 keep up
# to date: messages by step, language and status; messages answered; invoices enrolled and paid; paid
# invoices by the step credited with them; debtors who wrote since the campaign started; messages sent
# and amounts recovered per hour.
_COUNTER = "INSERT INTO campaigncounter (org_id, campaign_id, step, language, status, count)"
_HOURLY = "INSERT INTO campaignhour (org_id, campaign_id, hour, currency, sent, recovered_minor)"
_HOUR = {
    "sqlite": "(CAST(strftime('%s', {0}) AS INTEGER) / 3600)",
    "postgresql": "floor(extract(epoch FROM {0}) / 3600)::bigint",
}
_RECOUNT = [
    """{counter} SELECT m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language, m.status, count(*)
    FROM message m WHERE m.campaign_id IS NOT NULL {org:m}
    GROUP BY m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language, m.status""",
    """{counter} SELECT m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language, 'replied',
    count(DISTINCT m.id) FROM message m JOIN inboundmessage i ON i.replied_to_message_id = m.id
    WHERE m.campaign_id IS NOT NULL {org:m}
    GROUP BY m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language""",
    """{counter} SELECT e.org_id, e.campaign_id, -1, '', 'invoices', count(*) FROM enrollment e
    WHERE true {org:e} GROUP BY e.org_id, e.campaign_id""",
    """{counter} SELECT e.org_id, e.campaign_id, -1, '', 'paid', count(*) FROM enrollment e
    JOIN invoice i ON i.id = e.invoice_id WHERE i.status = 'paid' {org:e} GROUP BY e.org_id, e.campaign_id""",
    """{counter} SELECT e.org_id, e.campaign_id, e.paid_step, e.paid_language, 'paid', count(*) FROM enrollment e
    JOIN invoice i ON i.id = e.invoice_id WHERE i.status = 'paid' AND e.paid_step IS NOT NULL {org:e}
    GROUP BY e.org_id, e.campaign_id, e.paid_step, e.paid_language""",
    """{counter} SELECT c.org_id, c.id, -1, '', 'debtors_replied', count(DISTINCT e.debtor_id)
    FROM campaign c JOIN enrollment e ON e.campaign_id = c.id AND e.org_id = c.org_id
    WHERE EXISTS (SELECT 1 FROM inboundmessage im WHERE im.org_id = c.org_id AND im.debtor_id = e.debtor_id
    AND im.received_at >= c.created_at) {org:c} GROUP BY c.org_id, c.id""",
    """{hourly} SELECT m.org_id, m.campaign_id, {hour:m.sent_at}, '', count(*), 0 FROM message m
    WHERE m.campaign_id IS NOT NULL AND m.sent_at IS NOT NULL {org:m}
    GROUP BY m.org_id, m.campaign_id, {hour:m.sent_at}""",
    """{hourly} SELECT c.org_id, c.id, {hour:p.created_at}, p.currency, 0, sum(p.amount_minor) FROM payment p
    JOIN enrollment e ON e.invoice_id = p.invoice_id AND e.org_id = p.org_id
    JOIN campaign c ON c.id = e.campaign_id WHERE p.created_at >= c.created_at {org:c}
    GROUP BY c.org_id, c.id, {hour:p.created_at}, p.currency""",
]
_PLACEHOLDER = re.compile(r"\{(counter|hourly|org:|hour:)([\w.]*)\}")


def repair_counters(session: Session, *, org_id: int | None = None) -> int:
    """Recount every campaign's counters (one organization's, or all) from the rows; how many campaigns.

    The counters' tables are locked first, so that a status written meanwhile waits and is counted
    once, by its trigger, after the recount. The caller commits.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("LOCK TABLE campaigncounter, campaignhour IN EXCLUSIVE MODE")
    else:
        _sqlite_write_lock(session)
    scope = {"org_id": org_id}
    for table in (CampaignCounter, CampaignHour):
        gone = delete(table)
        if org_id is not None:
            gone = gone.where(col(table.org_id) == org_id)
        session.execute(gone)

    def fill(match: re.Match[str]) -> str:
        kind, value = match.groups()
        if kind in ("counter", "hourly"):
            return _COUNTER if kind == "counter" else _HOURLY
        if kind == "hour:":
            return _HOUR[dialect].format(value)
        return f"AND {value}.org_id = :org_id" if org_id is not None else ""

    for statement in _RECOUNT:
        session.execute(text(_PLACEHOLDER.sub(fill, statement)), scope)
    campaigns = select(func.count()).select_from(Campaign)
    if org_id is not None:
        campaigns = campaigns.where(Campaign.org_id == org_id)
    return session.exec(campaigns).one()


def _sqlite_write_lock(session: Session) -> None:
    """SQLite: take the database's write lock before reading (pysqlite would begin at the first write)."""
    connection = session.connection()
    sqlite = connection.connection.driver_connection
    if sqlite is not None and not sqlite.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
