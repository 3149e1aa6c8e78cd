"""Invoices joining a campaign that is already running, picked by a person from the invoice list.

A campaign's launch enrolls what its segment or list selects (services.campaigns); this adds more
afterwards, with the launch's own rules: an invoice is chased by one campaign at a time, a closed one
by none, and the cadence must reach every new debtor's language.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from saas_app.core.campaigns import LIVE, CampaignStatus, EnrollmentState
from saas_app.core.invoices import STOPPING
from saas_app.core.roles import Action
from saas_app.core.schedule import first_step
from saas_app.i18n import N_
from saas_app.models import Campaign, Debtor, Enrollment, Invoice
from saas_app.services import audit
from saas_app.services.cadences import readiness, steps_of
from saas_app.services.campaigns import CadenceNotReady, count_owed, get_campaign, requires_approval
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.services.paging import MAX_PAGE

# A campaign takes new invoices while it may still send.
OPEN_CAMPAIGNS = (CampaignStatus.RUNNING, CampaignStatus.PAUSED)


@dataclass(frozen=True)
class Enrolled:
    """What adding invoices to a campaign came to: the numbers added, and those left out and why."""

    campaign: str
    added: list[str]
    closed: list[str]  # paid, disputed or written off: nothing to chase
    chased: list[str]  # already in this campaign or in another that still chases them


def open_campaigns(session: Session, ctx: OrgContext, *, most: int = 200) -> list[tuple[int, str]]:
    """The organization's campaigns that still take invoices, (id, name), the newest first."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(Campaign.id, Campaign.name)
        .where(Campaign.org_id == ctx.org_id, col(Campaign.status).in_(OPEN_CAMPAIGNS))
        .order_by(col(Campaign.id).desc())
        .limit(most)
    ).all()
    return [(campaign_id, name) for campaign_id, name in rows if campaign_id is not None]


def add_invoices(
    session: Session, ctx: OrgContext, campaign_id: int, invoice_ids: list[int], *, now: datetime
) -> Enrolled:
    """Enroll the organization's invoices in one of its running campaigns; those it cannot take are listed.

    The cadence is checked for the new debtors' languages first: if a step could not reach one of
    them, nothing is added (CadenceNotReady names each step and language).
    """
    ctx.require(Action.COLLECT)
    campaign = get_campaign(session, ctx, campaign_id)
    if campaign.status not in OPEN_CAMPAIGNS:
        raise ServiceError(N_("Campaign {name} is over: choose a running one."), field="campaign", name=campaign.name)
    ids = sorted(set(invoice_ids))
    if not ids:
        raise ServiceError(N_("Choose at least one invoice."), field="invoices")
    if len(ids) > MAX_PAGE:
        raise ServiceError(N_("Choose at most {count} invoices at a time."), field="invoices", count=MAX_PAGE)
    invoices = session.exec(
        select(Invoice).where(Invoice.org_id == ctx.org_id, col(Invoice.id).in_(ids)).order_by(col(Invoice.due_on))
    ).all()
    if len(invoices) != len(ids):
        raise ServiceError(N_("Some of these invoices do not exist."), field="invoices")
    enrolled = set(
        session.exec(
            select(Enrollment.invoice_id).where(
                Enrollment.org_id == ctx.org_id,
                col(Enrollment.invoice_id).in_(ids),
                (col(Enrollment.state).in_(LIVE)) | (col(Enrollment.campaign_id) == campaign.id),
            )
        )
    )
    closed = [invoice.number for invoice in invoices if invoice.status in STOPPING]
    chased = [invoice.number for invoice in invoices if invoice.id in enrolled and invoice.status not in STOPPING]
    joining = [invoice for invoice in invoices if invoice.status not in STOPPING and invoice.id not in enrolled]
    if joining:
        _check_cadence(session, ctx, campaign.cadence_id, {invoice.debtor_id for invoice in joining})
        offsets = [step.offset_days for step in steps_of(session, campaign.cadence_id)]
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
                    "next_step": first_step(offsets, invoice.due_on, now.date()),
                    "created_at": now,
                }
                for invoice in joining
            ],
        )
        count_owed(campaign, [(invoice.currency, invoice.amount_minor - invoice.paid_minor) for invoice in joining])
        session.add(campaign)
        audit.record_for(
            ctx,
            session,
            "campaign.invoices_added",
            target_type="campaign",
            target_id=campaign.id,
            invoices=[invoice.id for invoice in joining],
        )
    return Enrolled(campaign.name, [invoice.number for invoice in joining], sorted(closed), sorted(chased))


def _check_cadence(session: Session, ctx: OrgContext, cadence_id: int, debtor_ids: set[int]) -> None:
    """Refuses, naming each step and language, a cadence that would not reach one of these debtors."""
    locales = set(session.exec(select(Debtor.locale).where(col(Debtor.id).in_(sorted(debtor_ids))).distinct()))
    problems = readiness(session, ctx, cadence_id, locales, require_approval=requires_approval(session, ctx.org_id))
    if problems:
        raise CadenceNotReady(problems)
