"""The dashboard's figures: receivables by currency and age, money recovered, campaigns running, first steps.

Every figure is one grouped, indexed query over the organization's rows (bench/dashboard.py measures
them at 100,000 invoices), so the page answers as fast for a large account as for a new one.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from saas_app.core import receivables
from saas_app.core.invoices import OUTSTANDING
from saas_app.core.roles import Action
from saas_app.models import Campaign, Debtor, InboundMessage, Invoice, Payment, WhatsAppAccount
from saas_app.services import cadences, campaigns, whatsapp
from saas_app.services.context import OrgContext


@dataclass(frozen=True)
class Receivables:
    """What is owed in one currency: in total, overdue, and by ageing bucket (core.receivables.BUCKETS)."""

    currency: str
    outstanding: int
    overdue: int
    invoices: int
    overdue_invoices: int
    by_bucket: dict[str, int] = field(default_factory=dict)


def receivables_by_currency(session: Session, ctx: OrgContext, today: date) -> list[Receivables]:
    """Every currency the organization is owed in, the largest amount first."""
    ctx.require(Action.VIEW)
    edges = receivables.bucket_edges(today)
    due = col(Invoice.due_on)
    bucket: Any = case(
        (due >= edges.one_day, "not_due"),
        (due >= edges.thirty_days, "1-30"),
        (due >= edges.ninety_days, "31-90"),
        else_="90+",
    )
    rows = session.exec(
        select(Invoice.currency, bucket, func.count(), func.sum(col(Invoice.amount_minor) - col(Invoice.paid_minor)))
        .where(Invoice.org_id == ctx.org_id, col(Invoice.status).in_(sorted(OUTSTANDING)))
        .group_by(col(Invoice.currency), bucket)
    ).all()
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for currency, name, count, owed in rows:
        found.setdefault(currency, {})[name] = (int(count), int(owed or 0))
    result = []
    for currency, buckets in found.items():
        late = [buckets.get(name, (0, 0)) for name in receivables.BUCKETS[1:]]
        result.append(
            Receivables(
                currency=currency,
                outstanding=sum(owed for _, owed in buckets.values()),
                overdue=sum(owed for _, owed in late),
                invoices=sum(count for count, _ in buckets.values()),
                overdue_invoices=sum(count for count, _ in late),
                by_bucket={name: buckets.get(name, (0, 0))[1] for name in receivables.BUCKETS},
            )
        )
    return sorted(result, key=lambda r: (-r.outstanding, r.currency))


def recovered_by_day(session: Session, ctx: OrgContext, currency: str, since: date, until: date) -> dict[date, int]:
    """Payments received in one currency per day, from `since` to `until` included; days without any left out."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(col(Payment.paid_on), func.sum(Payment.amount_minor))
        .where(
            Payment.org_id == ctx.org_id,
            Payment.currency == currency,
            col(Payment.paid_on) >= since,
            col(Payment.paid_on) <= until,
        )
        .group_by(col(Payment.paid_on))
    ).all()
    return {day: int(total) for day, total in rows}


def invoiced_since(session: Session, ctx: OrgContext, currency: str, since: date) -> int:
    """The amount invoiced in one currency since a day: by issue date, or due date when none was given."""
    ctx.require(Action.VIEW)
    issued = func.coalesce(Invoice.issued_on, Invoice.due_on)
    total = session.exec(
        select(func.sum(Invoice.amount_minor)).where(
            Invoice.org_id == ctx.org_id, Invoice.currency == currency, issued >= since
        )
    ).one()
    return int(total or 0)


def replies_waiting(session: Session, ctx: OrgContext) -> int:
    """Debtors' replies nobody has marked handled yet: what the Inbox asks a person to read."""
    ctx.require(Action.VIEW)
    return session.exec(
        select(func.count()).where(
            InboundMessage.org_id == ctx.org_id,
            col(InboundMessage.handled_at).is_(None),
            col(InboundMessage.debtor_id).is_not(None),
        )
    ).one()


def running_campaigns(
    session: Session, ctx: OrgContext, limit: int = 3
) -> list[tuple[Campaign, campaigns.CampaignStats]]:
    """The newest running campaigns with their figures, for the dashboard's small funnels."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(Campaign)
        .where(Campaign.org_id == ctx.org_id, Campaign.status == "running")
        .order_by(col(Campaign.id).desc())
        .limit(limit)
    ).all()
    return [(campaign, campaigns.campaign_stats(session, ctx, campaign.id or 0)) for campaign in rows]


@dataclass(frozen=True)
class FirstSteps:
    """What a new organization has done of the four steps to its first campaign."""

    whatsapp: bool  # a number is connected: the sandbox or the organization's own
    sandbox: bool  # that number is Cobro's sandbox
    debtors: bool
    templates_ready: bool  # the first cadence has a sendable message in every language the debtors speak
    campaign: bool

    @property
    def done(self) -> bool:
        """Whether every step is done, so that the checklist can give way to the figures."""
        return self.whatsapp and self.debtors and self.templates_ready and self.campaign


def first_steps(session: Session, ctx: OrgContext) -> FirstSteps:
    """The new organization's checklist, ticked from what exists, never from what someone clicked."""
    ctx.require(Action.VIEW)
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
    locales = set(session.exec(select(Debtor.locale).where(Debtor.org_id == ctx.org_id).distinct()).all())
    cadence = next(iter(cadences.list_cadences(session, ctx)), None)
    templates_ready = (
        bool(locales)
        and cadence is not None
        and not cadences.readiness(
            session, ctx, cadence.id or 0, locales, require_approval=campaigns.requires_approval(session, ctx.org_id)
        )
    )
    has_campaign = session.exec(select(Campaign.id).where(Campaign.org_id == ctx.org_id).limit(1)).first()
    return FirstSteps(
        whatsapp=account is not None,
        sandbox=account is not None and whatsapp.is_sandbox(account),
        debtors=bool(locales),
        templates_ready=templates_ready,
        campaign=has_campaign is not None,
    )


@dataclass(frozen=True)
class Recovery:
    """Money in for one currency: this month so far against last month to the same day, and per day."""

    this_month: int
    last_month_to_date: int
    by_day: dict[date, int]


def recovery(session: Session, ctx: OrgContext, currency: str, today: date, days: int = 90) -> Recovery:
    """What came in over the last `days` days, with this month compared to the same stretch of the last."""
    since = min(today - timedelta(days=days - 1), receivables.month_start(today, 1))
    by_day = recovered_by_day(session, ctx, currency, since, today)
    this_start, last_start = receivables.month_start(today), receivables.month_start(today, 1)
    last_until = receivables.same_day_last_month(today)
    return Recovery(
        this_month=sum(amount for day, amount in by_day.items() if day >= this_start),
        last_month_to_date=sum(amount for day, amount in by_day.items() if last_start <= day <= last_until),
        by_day={day: amount for day, amount in by_day.items() if day > today - timedelta(days=days)},
    )
