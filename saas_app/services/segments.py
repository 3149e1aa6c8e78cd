"""Segments of one organization: saved rules over its invoices, with a live count."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal_column, or_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from saas_app.core.campaigns import EnrollmentState
from saas_app.core.roles import Action
from saas_app.core.segments import RuleError, SegmentRules, parse_rules
from saas_app.i18n import N_
from saas_app.models import Debtor, Enrollment, Invoice, Segment
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError
from saas_app.services.recent import Recent


@dataclass(frozen=True)
class SegmentCount:
    matching: int  # invoices the rule selects today
    busy: int  # of those, already chased by a running campaign


def rules_from(raw: dict[str, Any]) -> SegmentRules:
    """Segment rules from their stored or submitted JSON; a bad rule is a ServiceError naming its field."""
    try:
        return parse_rules(raw)
    except RuleError as error:
        raise ServiceError(
            N_("This segment rule is not valid: {reason}."), field=error.field, reason=str(error)
        ) from None


@dataclass(frozen=True)
class RuleChoices:
    """What the organization's debtors actually have, for the builder's pickers: (value, debtors) pairs."""

    tags: list[tuple[str, int]]
    languages: list[tuple[str, int]]  # "pt" counts pt_BR and pt_PT debtors: a language rule covers its regions
    countries: list[tuple[str, int]]


def _tag_elements(session: Session) -> Any:
    """The debtor's JSON tag list as rows of `value`, in each database's own JSON function."""
    if session.get_bind().dialect.name == "postgresql":
        return func.json_array_elements_text(Debtor.tags).table_valued("value")
    return func.json_each(Debtor.tags).table_valued("value")


def _has_any_tag(session: Session, tags: frozenset[str]) -> ColumnElement[bool]:
    """The debtor's JSON tag list shares a tag with `tags`."""
    elements = _tag_elements(session)
    return sa_select(literal_column("1")).select_from(elements).where(elements.c.value.in_(sorted(tags))).exists()


def conditions(session: Session, ctx: OrgContext, rules: SegmentRules, today: date) -> list[Any]:
    """The rule as SQL over Invoice joined to Debtor: the same meaning as core.segments.matches."""
    due = col(Invoice.amount_minor) - col(Invoice.paid_minor)
    where: list[Any] = [Invoice.org_id == ctx.org_id, col(Invoice.status).in_(sorted(rules.statuses))]
    if rules.min_days_overdue is not None:  # late >= min  <=>  due_on <= today - min
        where.append(col(Invoice.due_on) <= today - timedelta(days=rules.min_days_overdue))
    if rules.max_days_overdue is not None:
        where.append(col(Invoice.due_on) >= today - timedelta(days=rules.max_days_overdue))
    if rules.currency:
        where.append(Invoice.currency == rules.currency)
    if rules.min_amount_minor is not None:
        where.append(due >= rules.min_amount_minor)
    if rules.max_amount_minor is not None:
        where.append(due <= rules.max_amount_minor)
    if rules.behaviours:
        where.append(col(Debtor.behaviour).in_(sorted(rules.behaviours)))
    if rules.tags:
        where.append(_has_any_tag(session, rules.tags))
    if rules.locales:
        locale = col(Debtor.locale)
        where.append(or_(*(or_(locale == w, locale.like(f"{w}\\_%", escape="\\")) for w in rules.locales)))
    if rules.countries:
        where.append(col(Debtor.country).in_(sorted(rules.countries)))
    return where


def busy_invoice() -> Any:
    """The invoice is already chased by a running campaign (over Invoice, as a correlated EXISTS)."""
    return (
        select(Enrollment.id)
        .where(Enrollment.invoice_id == Invoice.id, Enrollment.state == EnrollmentState.ACTIVE)
        .exists()
    )


def count(session: Session, ctx: OrgContext, rules: SegmentRules, today: date) -> SegmentCount:
    """How many invoices the rule selects today, and how many of them a running campaign already chases."""
    ctx.require(Action.VIEW)
    busy = func.sum(case((busy_invoice(), 1), else_=0))
    query = (
        select(func.count(), busy)
        .select_from(Invoice)
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(and_(*conditions(session, ctx, rules, today)))
    )
    matching, busy_count = session.exec(query).one()
    return SegmentCount(int(matching or 0), int(busy_count or 0))


def free_invoice_ids(session: Session, ctx: OrgContext, rules: SegmentRules, today: date) -> list[int]:
    """The selected invoices no running campaign chases yet, oldest due first."""
    ctx.require(Action.VIEW)
    query = (
        select(Invoice.id)
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(*conditions(session, ctx, rules, today), ~busy_invoice())
        .order_by(col(Invoice.due_on), col(Invoice.id))
    )
    return [i for i in session.exec(query) if i is not None]


def get_segment(session: Session, ctx: OrgContext, segment_id: int) -> Segment:
    """One of the organization's segments; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Segment, ctx, segment_id, N_("This segment does not exist."))


def list_segments(session: Session, ctx: OrgContext) -> list[Segment]:
    """The organization's segments in the order they were made."""
    ctx.require(Action.VIEW)
    return list(session.exec(select(Segment).where(Segment.org_id == ctx.org_id).order_by(col(Segment.id))))


def save_segment(
    session: Session, ctx: OrgContext, *, name: str, rules: dict[str, Any], segment_id: int | None = None
) -> Segment:
    """Create a segment, or change one; the rule is checked and stored in its canonical form."""
    ctx.require(Action.COLLECT)
    if not name.strip():
        raise ServiceError(N_("Give the segment a name."), field="name")
    parsed = rules_from(rules)
    segment = Segment(org_id=ctx.org_id, name=name) if segment_id is None else get_segment(session, ctx, segment_id)
    segment.name = name.strip()[:120]
    segment.rules = parsed.to_dict()
    session.add(segment)
    session.flush()
    audit.record_for(ctx, session, "segment.saved", target_type="segment", target_id=segment.id, rules=segment.rules)
    return segment


# The pickers may lag a minute behind the debtors, as the invoice list's tag filter does: each read
# walks every debtor of the organization.
_CHOICES: Recent[RuleChoices] = Recent(60.0)


def rule_choices(session: Session, ctx: OrgContext, *, most: int = 200) -> RuleChoices:
    """The tags, languages and countries the organization's debtors have, each with how many debtors have it."""
    ctx.require(Action.VIEW)
    return _CHOICES.get((ctx.org_id, most), lambda: _read_choices(session, ctx, most)) or RuleChoices([], [], [])


def _read_choices(session: Session, ctx: OrgContext, most: int) -> RuleChoices:
    elements = _tag_elements(session)
    tags = session.exec(
        select(elements.c.value, func.count(func.distinct(Debtor.id)))
        .select_from(Debtor)
        .join(elements, true())
        .where(Debtor.org_id == ctx.org_id)
        .group_by(elements.c.value)
        .order_by(elements.c.value)
        .limit(most)
    ).all()
    languages: dict[str, int] = {}
    for locale, debtors in session.exec(
        select(Debtor.locale, func.count()).where(Debtor.org_id == ctx.org_id).group_by(col(Debtor.locale))
    ):
        language = locale.split("_")[0]
        if language:
            languages[language] = languages.get(language, 0) + debtors
    countries = session.exec(
        select(Debtor.country, func.count())
        .where(Debtor.org_id == ctx.org_id, Debtor.country != "")
        .group_by(col(Debtor.country))
        .order_by(col(Debtor.country))
        .limit(most)
    ).all()
    return RuleChoices(
        tags=[(str(tag), int(n)) for tag, n in tags if tag],
        languages=sorted(languages.items())[:most],
        countries=[(country, int(n)) for country, n in countries],
    )
