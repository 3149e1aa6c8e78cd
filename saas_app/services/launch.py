"""Launching a campaign from the browser: whom a selection reaches, whom it leaves out and why, and when it goes.

A selection is a segment's rules or invoices picked by hand. The page counts it live, previews it on a
cadence, and launches it through campaigns.create_campaign with exactly the invoices the preview counted.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, literal, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from saas_app.core.messages import PENDING
from saas_app.core.pacing import planned_limit
from saas_app.core.roles import Action
from saas_app.core.schedule import first_step
from saas_app.core.segments import CHASEABLE, SegmentRules
from saas_app.i18n import N_
from saas_app.models import Debtor, Invoice, Message, WhatsAppAccount
from saas_app.services import audit, campaigns, segments
from saas_app.services.cadences import TemplateProblem, dry_run, get_cadence, readiness, steps_of
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, ServiceError

# Why a debtor's invoice is left out of a launch, in the order they are checked.
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
BUSY = "busy"  # already chased by a running campaign
NO_TEMPLATE = "no_template"  # no variant in their language, nor in the fallback languages
REASONS = (NO_CONSENT, OPTED_OUT, BUSY, NO_TEMPLATE)
MAX_PICKED = 1000  # invoices picked by hand in the list: a page's selection, never a whole ledger
# What a WhatsApp account starts with when none is connected yet (Meta's first tier).
DEFAULT_LIMIT = 250


@dataclass(frozen=True)
class Selection:
    """The invoices a launch is about: a segment's rules, or invoices picked by hand (then `rules` is None)."""

    rules: SegmentRules | None = None
    invoice_ids: tuple[int, ...] = ()
    closed: int = 0  # picked by hand but paid, disputed or written off: left out


@dataclass(frozen=True)
class Audience:
    """What a selection holds today: invoices, their debtors, and what they still owe per currency."""

    invoices: int
    debtors: int
    outstanding_minor: dict[str, int]


@dataclass(frozen=True)
class LeftOut:
    invoices: int
    debtors: int


@dataclass(frozen=True)
class Sample:
    """One debtor's first message, to show as a bubble: the page fills the template with `invoice_id`'s values."""

    invoice_id: int
    invoice_number: str
    debtor_name: str
    template_id: int
    send_at: datetime | None


@dataclass(frozen=True)
class Preview:
    invoices: int  # enrolled at launch
    debtors: int
    messages: int  # the steps still ahead of each invoice
    left_out: dict[str, LeftOut]  # by reason (REASONS), only those with someone in them
    first_day: date | None  # when the first and the last message are expected (see `spread`)
    last_day: date | None
    per_day: int  # template messages a day the account's messaging limit allows; 0: no limit
    samples: list[Sample] = field(default_factory=list)


def picked(session: Session, ctx: OrgContext, invoice_ids: Sequence[int]) -> Selection:
    """A hand-picked selection: each id one of the organization's invoices, those no longer chased left out."""
    ctx.require(Action.VIEW)
    ids = tuple(sorted(set(invoice_ids)))
    if not ids:
        raise ServiceError(N_("Choose at least one invoice."), field="invoices")
    if len(ids) > MAX_PICKED:
        raise ServiceError(N_("Pick at most {most} invoices, or build a segment."), field="invoices", most=MAX_PICKED)
    rows = session.exec(
        select(Invoice.id, Invoice.status).where(Invoice.org_id == ctx.org_id, col(Invoice.id).in_(ids))
    ).all()
    if len(rows) != len(ids):
        raise NotFound(N_("Some of these invoices do not exist."), field="invoices")
    chaseable = tuple(sorted(i for i, status in rows if i is not None and status in CHASEABLE))
    if not chaseable:
        raise ServiceError(
            N_("None of these invoices is still to be chased: they are paid, disputed or written off."),
            field="invoices",
        )
    return Selection(invoice_ids=chaseable, closed=len(ids) - len(chaseable))


def picked_numbers(session: Session, ctx: OrgContext, selection: Selection, most: int = 10) -> list[str]:
    """The numbers of the first invoices picked by hand, for the page to say which they are."""
    ctx.require(Action.VIEW)
    return list(
        session.exec(
            select(Invoice.number)
            .where(Invoice.org_id == ctx.org_id, col(Invoice.id).in_(selection.invoice_ids))
            .order_by(col(Invoice.due_on), col(Invoice.id))
            .limit(most)
        )
    )


def _where(session: Session, ctx: OrgContext, selection: Selection, today: date) -> list[Any]:
    if selection.rules is not None:
        return segments.conditions(session, ctx, selection.rules, today)
    return [
        Invoice.org_id == ctx.org_id,
        col(Invoice.id).in_(selection.invoice_ids),
        col(Invoice.status).in_(CHASEABLE),
    ]


def audience(session: Session, ctx: OrgContext, selection: Selection, today: date) -> Audience:
    """The live count: invoices the selection holds today, their debtors, and the amount outstanding per currency."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(
            Invoice.currency,
            func.count(),
            func.count(func.distinct(Invoice.debtor_id)),
            func.sum(col(Invoice.amount_minor) - col(Invoice.paid_minor)),
        )
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(*_where(session, ctx, selection, today))
        .group_by(col(Invoice.currency))
    ).all()
    debtors = session.exec(
        select(func.count(func.distinct(Invoice.debtor_id)))
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(*_where(session, ctx, selection, today))
    ).one()
    return Audience(
        invoices=sum(int(n) for _, n, _, _ in rows),
        debtors=int(debtors or 0),
        outstanding_minor={currency: int(total or 0) for currency, _, _, total in sorted(rows)},
    )


def _reason() -> Any:
    """Why an invoice of the selection would be left out, whatever the cadence; "" when it is not."""
    return case(
        (col(Debtor.opted_out_at).is_not(None), literal(OPTED_OUT)),
        (col(Debtor.opted_in_at).is_(None), literal(NO_CONSENT)),
        (segments.busy_invoice(), literal(BUSY)),
        else_=literal(""),
    )


def _by_reason(session: Session, ctx: OrgContext, selection: Selection, today: date) -> list[Any]:
    """(reason, locale, invoices, debtors) over the selection, one query."""
    reason = _reason().label("reason")
    return list(
        session.exec(
            select(reason, Debtor.locale, func.count(), func.count(func.distinct(Invoice.debtor_id)))
            .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
            .where(*_where(session, ctx, selection, today))
            .group_by(reason, col(Debtor.locale))
        ).all()
    )


def reachable_locales(session: Session, ctx: OrgContext, selection: Selection, today: date) -> set[str]:
    """The languages of the debtors a launch could reach (consent given, not busy): what a cadence must cover."""
    ctx.require(Action.VIEW)
    return {locale for reason, locale, _, _ in _by_reason(session, ctx, selection, today) if reason == ""}


def _requires_approval(session: Session, ctx: OrgContext) -> bool:
    return campaigns.requires_approval(session, ctx.org_id)


def cadence_problems(
    session: Session, ctx: OrgContext, cadence_id: int, locales: set[str]
) -> tuple[list[TemplateProblem], set[str]]:
    """What keeps the cadence from being chosen, and the languages it has no template for at all.

    A missing language leaves its debtors out (the preview says so); a template Meta rejected, paused,
    disabled or has not approved stops the whole cadence, as campaigns.create_campaign would.
    """
    get_cadence(session, ctx, cadence_id)
    problems = readiness(session, ctx, cadence_id, locales, require_approval=_requires_approval(session, ctx))
    missing = {p.language for p in problems if p.status == "missing"}
    return [p for p in problems if p.status != "missing"], missing


def _check_cadence(session: Session, ctx: OrgContext, cadence_id: int, locales: set[str]) -> tuple[list[int], set[str]]:
    """The cadence's step offsets and its missing languages; refused when it has no steps or has problems."""
    cadence = get_cadence(session, ctx, cadence_id)
    offsets = [step.offset_days for step in steps_of(session, cadence.id or 0)]
    if not offsets:
        raise ServiceError(N_("This cadence has no steps yet."), field="cadence")
    problems, missing = cadence_problems(session, ctx, cadence.id or 0, locales)
    if problems:
        raise campaigns.CadenceNotReady(problems)
    return offsets, missing


def messaging_limit(session: Session, ctx: OrgContext) -> int:
    """The account's template messages per moving day (Meta's tier); 0: unlimited."""
    limit = session.exec(select(WhatsAppAccount.messaging_limit).where(WhatsAppAccount.org_id == ctx.org_id)).first()
    return DEFAULT_LIMIT if limit is None else limit


def spread(days: Sequence[tuple[date, int]], per_day: int, today: date, already: int = 0) -> tuple[date, date] | None:
    """When the first and the last of some messages go, each due on its day, at most `per_day` a day.

    `already` messages planned before these take the first places. An estimate by whole days: send
    windows, weekends and holidays of the cadence can move a message later still.
    """
    wanted = sorted((max(day, today), count) for day, count in days if count > 0)
    if not wanted:
        return None
    if per_day <= 0:
        return wanted[0][0], wanted[-1][0]
    day, used = today + timedelta(days=already // per_day), already % per_day
    first: date | None = None
    for due, count in wanted:
        if due > day:
            day, used = due, 0
        if used == per_day:
            day, used = day + timedelta(days=1), 0
        if first is None:
            first = day
        used += count
        day, used = day + timedelta(days=(used - 1) // per_day), (used - 1) % per_day + 1
    assert first is not None
    return first, day


def _planned(session: Session, ctx: OrgContext) -> int:
    """Template messages of the organization already waiting to go: they use the limit first."""
    return session.exec(
        select(func.count()).where(
            Message.org_id == ctx.org_id, col(Message.template_id).is_not(None), col(Message.status).in_(PENDING)
        )
    ).one()


def _included(session: Session, ctx: OrgContext, selection: Selection, today: date, missing: set[str]) -> list[Any]:
    return [
        *_where(session, ctx, selection, today),
        _reason() == "",
        col(Debtor.locale).not_in(sorted(missing)) if missing else true(),
    ]


def preview(
    session: Session, ctx: OrgContext, selection: Selection, cadence_id: int, *, now: datetime, today: date
) -> Preview:
    """What launching the selection on the cadence would do: who is in, who is left out and why, when it goes."""
    ctx.require(Action.VIEW)
    rows = _by_reason(session, ctx, selection, today)
    offsets, missing = _check_cadence(session, ctx, cadence_id, {locale for r, locale, _, _ in rows if r == ""})
    left_out: dict[str, list[int]] = {}
    for reason, locale, invoices, debtors in rows:
        why = reason or (NO_TEMPLATE if locale in missing else "")
        if why:
            counts = left_out.setdefault(why, [0, 0])
            counts[0], counts[1] = counts[0] + invoices, counts[1] + debtors
    included = _included(session, ctx, selection, today, missing)
    by_due = session.execute(
        sa_select(col(Invoice.due_on), func.count())
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(*included)
        .group_by(col(Invoice.due_on))
    ).all()
    days: dict[date, int] = {}
    for due, count in by_due:
        for offset in offsets[first_step(offsets, due, today) :]:
            day = due + timedelta(days=offset)
            days[day] = days.get(day, 0) + count
    limit = messaging_limit(session, ctx)
    per_day = planned_limit(limit) if limit else 0
    window = spread(sorted(days.items()), per_day, today, _planned(session, ctx))
    invoices, debtors = session.exec(
        select(func.count(), func.count(func.distinct(Invoice.debtor_id)))
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(*included)
    ).one()
    return Preview(
        invoices=int(invoices or 0),
        debtors=int(debtors or 0),
        messages=sum(days.values()),
        left_out={r: LeftOut(*left_out[r]) for r in REASONS if r in left_out},
        first_day=window[0] if window else None,
        last_day=window[1] if window else None,
        per_day=per_day,
        samples=_samples(session, ctx, included, cadence_id, now),
    )


def _samples(session: Session, ctx: OrgContext, included: list[Any], cadence_id: int, now: datetime) -> list[Sample]:
    """The first message of three debtors the launch reaches, the longest overdue first."""
    rows = session.execute(
        sa_select(col(Invoice.id), col(Invoice.number), col(Debtor.id), col(Debtor.name))
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(*included)
        .order_by(col(Invoice.due_on), col(Invoice.id))
        .limit(50)
    ).all()
    samples: list[Sample] = []
    seen: set[int] = set()
    for invoice_id, number, debtor_id, name in rows:
        if debtor_id in seen:
            continue
        seen.add(debtor_id)
        steps = [s for s in dry_run(session, ctx, cadence_id, invoice_id or 0, now) if not s.skipped]
        if steps:
            samples.append(Sample(invoice_id or 0, number, name, steps[0].template_id, steps[0].send_at))
        if len(samples) == 3:
            break
    return samples


def launch(
    session: Session,
    ctx: OrgContext,
    *,
    name: str,
    cadence_id: int,
    selection: Selection,
    now: datetime,
    today: date,
    priority: str = "oldest_first",
    segment_id: int | None = None,
) -> Any:
    """Start the campaign on exactly the invoices the preview counted in; audited with who was left out."""
    ctx.require(Action.COLLECT)
    if segment_id is not None:
        segments.get_segment(session, ctx, segment_id)
    shown = preview(session, ctx, selection, cadence_id, now=now, today=today)
    if shown.invoices == 0:
        raise ServiceError(N_("No invoice of this selection can be reached: nobody to launch to."), field="invoices")
    missing = cadence_problems(session, ctx, cadence_id, reachable_locales(session, ctx, selection, today))[1]
    ids = [
        i
        for i in session.exec(
            select(Invoice.id)
            .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
            .where(*_included(session, ctx, selection, today, missing))
        )
        if i is not None
    ]
    campaign = campaigns.create_campaign(
        session,
        ctx,
        name=name,
        cadence_id=cadence_id,
        invoice_ids=ids,
        now=now,
        segment_id=segment_id,
        priority=priority,
    )
    audit.record_for(
        ctx,
        session,
        "campaign.launched",
        target_type="campaign",
        target_id=campaign.id,
        invoices=len(ids),
        messages=shown.messages,
        left_out={reason: counts.debtors for reason, counts in shown.left_out.items()},
    )
    return campaign
