"""Campaigns: a cadence applied to invoices, and how they fare.

The planner that materializes their messages is worker.planner; the stops are services.reminders.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from saas_app.core.campaigns import LIVE, EnrollmentState
from saas_app.core.invoices import STOPPING, Status
from saas_app.core.messages import PENDING, MessageStatus
from saas_app.core.roles import Action
from saas_app.core.schedule import first_step
from saas_app.i18n import N_
from saas_app.models import (
    Campaign,
    Debtor,
    Enrollment,
    InboundMessage,
    Invoice,
    Message,
    Payment,
    WhatsAppAccount,
)
from saas_app.services import audit, segments
from saas_app.services.cadences import TemplateProblem, dry_run, get_cadence, readiness, steps_of
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError
from saas_app.services.paging import Slice, keyset
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
    """How many of the campaign's messages are in each status."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(Message.status, func.count())
        .where(Message.org_id == ctx.org_id, Message.campaign_id == campaign_id)
        .group_by(Message.status)
    ).all()
    return dict(rows)


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
    by_status = campaign_counts(session, ctx, campaign_id)
    enrolled = (Enrollment.org_id == ctx.org_id) & (Enrollment.campaign_id == campaign.id)
    invoices, paid = session.exec(
        select(func.count(), func.count().filter(col(Invoice.status) == Status.PAID))
        .select_from(Enrollment)
        .join(Invoice, col(Invoice.id) == Enrollment.invoice_id)
        .where(enrolled)
    ).one()
    replied = session.exec(
        select(func.count(func.distinct(InboundMessage.debtor_id))).where(
            InboundMessage.org_id == ctx.org_id,
            col(InboundMessage.received_at) >= campaign.created_at,
            col(InboundMessage.debtor_id).in_(select(Enrollment.debtor_id).where(enrolled)),
        )
    ).one()
    amounts = session.exec(
        select(Payment.currency, func.sum(Payment.amount_minor))
        .where(
            Payment.org_id == ctx.org_id,
            col(Payment.created_at) >= campaign.created_at,
            col(Payment.invoice_id).in_(select(Enrollment.invoice_id).where(enrolled)),
        )
        .group_by(col(Payment.currency))
    ).all()
    delivered = by_status.get(MessageStatus.DELIVERED, 0) + by_status.get(MessageStatus.READ, 0)
    last_send_at = session.exec(
        select(func.max(Message.scheduled_at)).where(
            Message.org_id == ctx.org_id, Message.campaign_id == campaign.id, col(Message.status).in_(PENDING)
        )
    ).one()
    return CampaignStats(
        invoices=invoices,
        scheduled=by_status.get(MessageStatus.SCHEDULED, 0) + by_status.get(MessageStatus.SENDING, 0),
        sent=delivered + by_status.get(MessageStatus.SENT, 0),
        delivered=delivered,
        read=by_status.get(MessageStatus.READ, 0),
        failed=by_status.get(MessageStatus.FAILED, 0),
        expired=by_status.get(MessageStatus.EXPIRED, 0),
        replied=replied,
        paid=paid,
        paid_minor={currency: int(total) for currency, total in amounts},
        last_send_at=last_send_at,
    )


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
