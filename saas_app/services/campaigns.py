"""Campaigns: a cadence applied to invoices, the planner that materializes their messages, and the stops."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from saas_app.core.invoices import STOPPING, Status
from saas_app.core.languages import pick_language
from saas_app.core.roles import Action
from saas_app.core.schedule import first_step, next_send_time
from saas_app.i18n import N_
from saas_app.models import Cadence, CadenceStep, Campaign, Debtor, Enrollment, Invoice, Message, TemplateVariant
from saas_app.services import audit
from saas_app.services.cadences import get_cadence, rules_for, steps_of
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError

PENDING = ("scheduled", "sending")
CLOSED_INVOICE = {Status.PAID, Status.WRITTEN_OFF, Status.DISPUTED}


def create_campaign(
    session: Session, ctx: OrgContext, *, name: str, cadence_id: int, invoice_ids: list[int], now: datetime
) -> Campaign:
    """Enroll the invoices in the cadence, all or nothing; an invoice already being chased is refused."""
    ctx.require(Action.COLLECT)
    cadence = get_cadence(session, ctx, cadence_id)
    steps = steps_of(session, cadence.id or 0)
    if not steps:
        raise ServiceError(N_("This cadence has no steps yet."))
    if not name.strip():
        raise ServiceError(N_("Give the campaign a name."), field="name")
    ids = sorted(set(invoice_ids))
    if not ids:
        raise ServiceError(N_("Choose at least one invoice."), field="invoices")
    invoices = list(session.exec(select(Invoice).where(Invoice.org_id == ctx.org_id, col(Invoice.id).in_(ids))))
    if len(invoices) != len(ids):
        raise ServiceError(N_("Some of these invoices do not exist."), field="invoices")
    closed = [i.number for i in invoices if i.status in CLOSED_INVOICE]
    if closed:
        raise ServiceError(
            N_("These invoices are paid, disputed or written off: {numbers}."), numbers=", ".join(sorted(closed))
        )
    busy = session.exec(
        select(Invoice.number, Campaign.name)
        .join(Enrollment, col(Enrollment.invoice_id) == Invoice.id)
        .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
        .where(Enrollment.org_id == ctx.org_id, Enrollment.state == "active", col(Invoice.id).in_(ids))
    ).all()
    if busy:
        listing = ", ".join(f"{number} ({campaign})" for number, campaign in sorted(busy))
        raise ServiceError(N_("These invoices are already in a running campaign: {listing}."), listing=listing)
    campaign = Campaign(
        org_id=ctx.org_id, name=name.strip()[:120], cadence_id=cadence.id or 0, created_by_id=ctx.user_id
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
                "state": "active",
                "stop_reason": "",
                "next_step": first_step(offsets, invoice.due_on, today),
                "created_at": now,
            }
            for invoice in invoices
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


def _cancel_pending(session: Session, enrollment_ids: list[int], reason: str) -> int:
    if not enrollment_ids:
        return 0
    result = session.execute(
        update(Message)
        .where(col(Message.enrollment_id).in_(enrollment_ids), col(Message.status) == "scheduled")
        .values(status="cancelled", error_message=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _stop(session: Session, condition: Any, reason: str) -> int:
    ids = list(session.exec(select(Enrollment.id).where(condition, col(Enrollment.state).in_(("active", "paused")))))
    if ids:
        session.execute(
            update(Enrollment).where(col(Enrollment.id).in_(ids)).values(state="stopped", stop_reason=reason)
        )
    return _cancel_pending(session, [i for i in ids if i is not None], reason)


def stop_invoice(session: Session, ctx: OrgContext, invoice: Invoice, *, reason: str) -> int:
    """Paid, disputed or written off: its reminders stop before the next send. Returns messages cancelled."""
    return _stop(session, (Enrollment.org_id == ctx.org_id) & (Enrollment.invoice_id == invoice.id), reason)


def stop_debtor(session: Session, org_id: int, debtor_id: int, *, reason: str) -> int:
    """Opt-out: nothing more goes to this debtor, from any campaign."""
    return _stop(session, (Enrollment.org_id == org_id) & (Enrollment.debtor_id == debtor_id), reason)


@dataclass
class _Context:
    cadences: dict[int, Cadence]
    steps: dict[int, list[CadenceStep]]
    languages: dict[int, set[str]]


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    """One message per enrollment and step, whatever the number of planners running."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    table = Message.__table__  # type: ignore[attr-defined]  # Core, not the ORM's bulk path
    statement = builder(table).on_conflict_do_nothing(index_elements=["enrollment_id", "step_position"])
    session.execute(statement, rows)


def plan_messages(session: Session, *, now: datetime, batch: int = 2000, org_id: int | None = None) -> int:
    """Materialize the next message of every active enrollment that has none pending.

    Idempotent: run it as often and in as many processes as you like; returns the rows planned.
    """
    pending = (
        select(Message.id).where(Message.enrollment_id == Enrollment.id, col(Message.status).in_(PENDING)).exists()
    )
    # Plain columns, not ORM objects: loading a million objects costs more than the planning itself.
    query = (
        sa_select(*PLAN_COLUMNS)
        .join(Invoice, col(Invoice.id) == Enrollment.invoice_id)
        .join(Debtor, col(Debtor.id) == Enrollment.debtor_id)
        .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
        .where(col(Enrollment.state) == "active", col(Campaign.status) == "running", ~pending)
        .order_by(col(Enrollment.id))
        .limit(batch)
    )
    if org_id is not None:
        query = query.where(col(Enrollment.org_id) == org_id)
    rows = [_split(row) for row in session.execute(query).mappings()]
    if not rows:
        return 0
    cache = _Context({}, {}, {})
    others = _debtor_schedule(session, {debtor.id or 0 for _, _, debtor, _ in rows}, now)
    messages: list[dict[str, Any]] = []
    finished: list[int] = []
    stopped: dict[str, list[int]] = defaultdict(list)
    advanced: list[tuple[int, int]] = []
    for enrollment, invoice, debtor, campaign in rows:
        steps = _steps(session, cadence_id=campaign.cadence_id, cache=cache)
        if invoice.status in STOPPING or debtor.opted_out_at is not None:
            stopped["opted_out" if debtor.opted_out_at else invoice.status].append(enrollment.id or 0)
            continue
        if enrollment.next_step >= len(steps):
            finished.append(enrollment.id or 0)
            continue
        step = steps[enrollment.next_step]
        row = _message_row(session, enrollment, invoice, debtor, step, cache, others, now)
        messages.append(row)
        if row["status"] == "scheduled":
            others[debtor.id or 0].append(row["scheduled_at"])
        if debtor.opted_in_at is None:
            # Without consent no step may go out: say so once and stop, rather than skip every step.
            stopped["no_consent"].append(enrollment.id or 0)
            continue
        advanced.append((enrollment.id or 0, enrollment.next_step))
    _insert_ignoring_duplicates(session, messages)
    if advanced:
        # One statement for the batch; only the planner that still sees the old position moves it on.
        table = Enrollment.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("enrollment"), table.c.next_step == bindparam("position"))
            .values(next_step=bindparam("position") + 1),
            [{"enrollment": enrollment_id, "position": position} for enrollment_id, position in advanced],
        )
    if finished:
        session.execute(update(Enrollment).where(col(Enrollment.id).in_(finished)).values(state="done"))
    for reason, ids in stopped.items():
        session.execute(
            update(Enrollment).where(col(Enrollment.id).in_(ids)).values(state="stopped", stop_reason=reason)
        )
    return len(messages)


PLAN_COLUMNS: tuple[Any, ...] = (
    col(Enrollment.id).label("enrollment__id"),
    col(Enrollment.org_id).label("enrollment__org_id"),
    col(Enrollment.campaign_id).label("enrollment__campaign_id"),
    col(Enrollment.next_step).label("enrollment__next_step"),
    col(Enrollment.paused_until).label("enrollment__paused_until"),
    col(Invoice.id).label("invoice__id"),
    col(Invoice.status).label("invoice__status"),
    col(Invoice.due_on).label("invoice__due_on"),
    col(Debtor.id).label("debtor__id"),
    col(Debtor.opted_in_at).label("debtor__opted_in_at"),
    col(Debtor.opted_out_at).label("debtor__opted_out_at"),
    col(Debtor.locale).label("debtor__locale"),
    col(Debtor.timezone).label("debtor__timezone"),
    col(Debtor.country).label("debtor__country"),
    col(Debtor.window_start_minute).label("debtor__window_start_minute"),
    col(Debtor.window_end_minute).label("debtor__window_end_minute"),
    col(Campaign.cadence_id).label("campaign__cadence_id"),
)


def _split(row: Any) -> tuple[SimpleNamespace, SimpleNamespace, SimpleNamespace, SimpleNamespace]:
    """enrollment, invoice, debtor, campaign, with the attribute names of the models."""
    parts: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, value in row.items():
        entity, name = key.split("__", 1)
        parts[entity][name] = value
    return tuple(SimpleNamespace(**parts[e]) for e in ("enrollment", "invoice", "debtor", "campaign"))  # type: ignore[return-value]


def _steps(session: Session, *, cadence_id: int, cache: _Context) -> list[CadenceStep]:
    if cadence_id not in cache.steps:
        cadence = session.get(Cadence, cadence_id)
        assert cadence is not None
        cache.cadences[cadence_id] = cadence
        cache.steps[cadence_id] = steps_of(session, cadence_id)
        for step in cache.steps[cadence_id]:
            if step.template_id not in cache.languages:
                cache.languages[step.template_id] = set(
                    session.exec(
                        select(TemplateVariant.language).where(TemplateVariant.template_id == step.template_id)
                    )
                )
    return cache.steps[cadence_id]


def _debtor_schedule(session: Session, debtor_ids: set[int], now: datetime) -> dict[int, list[datetime]]:
    """The debtors' messages around now, which the spacing and weekly cap must respect."""
    times: dict[int, list[datetime]] = defaultdict(list)
    if not debtor_ids:
        return times
    rows = session.exec(
        select(Message.debtor_id, Message.scheduled_at, Message.sent_at).where(
            col(Message.debtor_id).in_(debtor_ids),
            col(Message.status).not_in(("cancelled", "skipped", "failed", "expired")),
            Message.scheduled_at > now - timedelta(days=8),
        )
    ).all()
    for debtor_id, scheduled_at, sent_at in rows:
        times[debtor_id].append(sent_at or scheduled_at)
    return times


def _message_row(
    session: Session,
    enrollment: Any,
    invoice: Any,
    debtor: Any,
    step: CadenceStep,
    cache: _Context,
    others: dict[int, list[datetime]],
    now: datetime,
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "org_id": enrollment.org_id,
        "campaign_id": enrollment.campaign_id,
        "enrollment_id": enrollment.id,
        "step_position": step.position,
        "debtor_id": debtor.id,
        "invoice_id": invoice.id,
        "template_id": step.template_id,
        "text": "",
        "parameters": [],
        "attempts": 0,
        "error_code": "",
        "error_message": "",
        "created_at": now,
    }
    language = pick_language(debtor.locale, cache.languages.get(step.template_id, set()))
    if debtor.opted_in_at is None:
        return base | {
            "status": "skipped",
            "scheduled_at": now,
            "language": language or "",
            "error_message": "no opt-in recorded for this debtor",
        }
    if language is None:
        return base | {
            "status": "skipped",
            "scheduled_at": now,
            "language": "",
            "error_message": f"the template has no variant for {debtor.locale}",
        }
    cadence = cache.cadences[step.cadence_id]
    target = invoice.due_on + timedelta(days=step.offset_days)
    not_before = now
    if enrollment.paused_until is not None:
        not_before = max(now, datetime.combine(enrollment.paused_until, datetime.min.time(), tzinfo=now.tzinfo))
    at = next_send_time(
        target=target,
        zone=debtor.timezone,
        rules=rules_for(cadence, debtor, target),
        not_before=not_before,
        others=others.get(debtor.id or 0, []),
    )
    if at is None:
        return base | {
            "status": "skipped",
            "scheduled_at": now,
            "language": language,
            "error_message": "no allowed send time in the next 120 days",
        }
    return base | {"status": "scheduled", "scheduled_at": at, "language": language}


def campaign_counts(session: Session, ctx: OrgContext, campaign_id: int) -> dict[str, int]:
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(Message.status, func.count())
        .where(Message.org_id == ctx.org_id, Message.campaign_id == campaign_id)
        .group_by(Message.status)
    ).all()
    return dict(rows)
