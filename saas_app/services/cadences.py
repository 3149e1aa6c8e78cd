"""Cadences of one organization: steps, send rules, and the dry run the editor shows."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays as public_holidays
from sqlmodel import Session, col, select

from saas_app.core.roles import Action
from saas_app.core.schedule import SendRules, StepPlan, first_step, plan
from saas_app.i18n import N_
from saas_app.models import Cadence, CadenceStep, Invoice, Template
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError


def get_cadence(session: Session, ctx: OrgContext, cadence_id: int) -> Cadence:
    ctx.require(Action.VIEW)
    return owned_row(session, Cadence, ctx, cadence_id, N_("This cadence does not exist."))


def list_cadences(session: Session, ctx: OrgContext) -> list[Cadence]:
    ctx.require(Action.VIEW)
    return list(session.exec(select(Cadence).where(Cadence.org_id == ctx.org_id).order_by(col(Cadence.id))))


def steps_of(session: Session, cadence_id: int) -> list[CadenceStep]:
    query = select(CadenceStep).where(CadenceStep.cadence_id == cadence_id).order_by(col(CadenceStep.position))
    return list(session.exec(query))


@lru_cache(maxsize=512)
def holidays_of(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(public_holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:  # a country the holidays package does not know
        return frozenset()


def _minute(value: int) -> time:
    return time(value // 60, value % 60) if value < 24 * 60 else time(23, 59)


def rules_for(cadence: Cadence, debtor: Any, around: date) -> SendRules:
    """The cadence's rules, narrowed to the debtor's preferred hours and their country's holidays."""
    start = max(cadence.window_start_minute, debtor.window_start_minute or 0)
    end = min(cadence.window_end_minute, debtor.window_end_minute or 24 * 60)
    if end <= start:  # preferences that do not overlap the cadence: the cadence wins
        start, end = cadence.window_start_minute, cadence.window_end_minute
    days_off: frozenset[date] = frozenset()
    if cadence.skip_holidays and debtor.country:
        days_off = frozenset().union(*(holidays_of(debtor.country, around.year + d) for d in (0, 1)))
    return SendRules(
        window_start=_minute(start),
        window_end=_minute(end),
        weekdays=frozenset(cadence.weekdays),
        min_gap=timedelta(hours=cadence.min_gap_hours),
        weekly_cap=cadence.weekly_cap,
        holidays=days_off,
    )


@dataclass(frozen=True)
class DryRunStep:
    position: int
    offset_days: int
    template_name: str
    day: date
    send_at: datetime | None
    local: datetime | None
    skipped: bool  # before the step the invoice starts at


def dry_run(session: Session, ctx: OrgContext, cadence_id: int, invoice_id: int, now: datetime) -> list[DryRunStep]:
    """For this invoice, exactly when each step would go out, in the debtor's local time."""
    from saas_app.services.invoices import debtor_of, get_invoice

    cadence = get_cadence(session, ctx, cadence_id)
    invoice: Invoice = get_invoice(session, ctx, invoice_id)
    debtor = debtor_of(session, invoice)
    steps = steps_of(session, cadence.id or 0)
    if not steps:
        raise ServiceError(N_("This cadence has no steps yet."))
    names = {t.id: t.name for t in session.exec(select(Template).where(Template.org_id == ctx.org_id))}
    rules = rules_for(cadence, debtor, invoice.due_on)
    start = first_step([s.offset_days for s in steps], invoice.due_on, now.date())
    planned = plan(
        due=invoice.due_on,
        steps=[StepPlan(s.offset_days, rules) for s in steps[start:]],
        zone=debtor.timezone,
        now=now,
    )
    result = [
        DryRunStep(
            s.position,
            s.offset_days,
            names.get(s.template_id, ""),
            invoice.due_on + timedelta(s.offset_days),
            None,
            None,
            True,
        )
        for s in steps[:start]
    ]
    for step, item in zip(steps[start:], planned, strict=True):
        result.append(
            DryRunStep(
                step.position,
                step.offset_days,
                names.get(step.template_id, ""),
                item.due_day,
                item.send_at,
                item.local,
                False,
            )
        )
    return result
