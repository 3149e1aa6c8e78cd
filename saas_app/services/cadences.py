"""Cadences of one organization: steps, send rules, and the dry run the editor shows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays as public_holidays
from sqlmodel import Session, col, select

from saas_app.core.languages import pick_language
from saas_app.core.roles import Action
from saas_app.core.schedule import SendRules, StepPlan, first_step, plan
from saas_app.i18n import N_
from saas_app.models import Cadence, CadenceStep, Invoice, Organization, Template, TemplateVariant
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import ServiceError
from saas_app.services.invoices import debtor_of, get_invoice


def get_cadence(session: Session, ctx: OrgContext, cadence_id: int) -> Cadence:
    """One of the organization's cadences; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Cadence, ctx, cadence_id, N_("This cadence does not exist."))


def list_cadences(session: Session, ctx: OrgContext) -> list[Cadence]:
    """The organization's cadences in the order they were made."""
    ctx.require(Action.VIEW)
    return list(session.exec(select(Cadence).where(Cadence.org_id == ctx.org_id).order_by(col(Cadence.id))))


def steps_of(session: Session, cadence_id: int) -> list[CadenceStep]:
    """A cadence's steps in their order; the caller has already checked the cadence is the organization's."""
    query = select(CadenceStep).where(CadenceStep.cadence_id == cadence_id).order_by(col(CadenceStep.position))
    return list(session.exec(query))


@lru_cache(maxsize=512)
def holidays_of(country: str, year: int) -> frozenset[date]:
    """A country's public holidays in a year, cached; none for a country the holidays package does not know."""
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
    language: str = ""  # the variant the debtor gets: theirs, or the fallback chain's; "" when none fits
    fallback: bool = False  # the debtor's own language has no variant: the chain chose another


def language_chain(session: Session, org_id: int) -> list[str]:
    """The organization's fallback languages, in order (Settings -> Organization)."""
    return list(session.exec(select(Organization.language_fallback).where(Organization.id == org_id)).one())


# Why a step's template cannot go out in a language, by the variant's status on WhatsApp.
_NOT_SENDABLE = {
    "rejected": N_("Meta rejected this version: edit it and submit it again."),
    "paused": N_("Meta paused this template for its quality: the step waits until the pause is lifted."),
    "disabled": N_("Meta disabled this template: choose another one for this step."),
}
_NOT_APPROVED = N_("Not approved by Meta yet ({status}): submit it in Settings → WhatsApp and wait for approval.")
_MISSING = N_("No version in {language}, nor in the fallback languages ({chain}).")


@dataclass(frozen=True)
class TemplateProblem:
    """One reason a cadence step cannot reach debtors of one language."""

    step_position: int
    template_name: str
    language: str  # the debtors' language concerned
    status: str  # the variant's status on WhatsApp, or "missing"
    msgid: str  # the explanation, untranslated; `message` is it in English
    params: dict[str, str]

    @property
    def message(self) -> str:
        """The explanation in English with its values filled in, for refusals and logs; pages translate `msgid`."""
        return self.msgid.format(**self.params)


def readiness(
    session: Session, ctx: OrgContext, cadence_id: int, locales: Iterable[str], *, require_approval: bool
) -> list[TemplateProblem]:
    """Every step and debtor language whose template would not go out: missing after the fallback
    chain, or not sendable on WhatsApp (rejected, paused, disabled; not yet approved when asked)."""
    ctx.require(Action.VIEW)
    chain = language_chain(session, ctx.org_id)
    rows = session.exec(
        select(CadenceStep.position, Template.name, TemplateVariant.language, TemplateVariant.status)
        .join(Template, col(Template.id) == CadenceStep.template_id)
        .outerjoin(TemplateVariant, col(TemplateVariant.template_id) == Template.id)
        .where(CadenceStep.cadence_id == cadence_id, CadenceStep.org_id == ctx.org_id)
        .order_by(col(CadenceStep.position))
    ).all()
    steps: dict[int, tuple[str, dict[str, str]]] = {}
    for position, name, language, status in rows:
        statuses = steps.setdefault(position, (name, {}))[1]
        if language is not None:
            statuses[language] = status
    problems = []
    for position, (name, statuses) in steps.items():
        for locale in sorted(set(locales)):
            chosen = pick_language(locale, set(statuses), chain)
            if chosen is None:
                params = {"language": locale, "chain": " → ".join(chain)}
                problems.append(TemplateProblem(position, name, locale, "missing", _MISSING, params))
            elif statuses[chosen] in _NOT_SENDABLE:
                status = statuses[chosen]
                problems.append(TemplateProblem(position, name, chosen, status, _NOT_SENDABLE[status], {}))
            elif require_approval and statuses[chosen] != "approved":
                status = statuses[chosen]
                problems.append(TemplateProblem(position, name, chosen, status, _NOT_APPROVED, {"status": status}))
    return list({(p.step_position, p.language, p.status): p for p in problems}.values())


def variant_languages(session: Session, org_id: int) -> dict[int, set[str]]:
    """Each of the organization's templates, with the languages it has a variant in."""
    found: dict[int, set[str]] = {}
    rows = session.exec(
        select(TemplateVariant.template_id, TemplateVariant.language).where(TemplateVariant.org_id == org_id)
    )
    for template_id, language in rows:
        found.setdefault(template_id, set()).add(language)
    return found


def dry_run(session: Session, ctx: OrgContext, cadence_id: int, invoice_id: int, now: datetime) -> list[DryRunStep]:
    """For this invoice, exactly when each step would go out, in the debtor's local time."""
    cadence = get_cadence(session, ctx, cadence_id)
    invoice: Invoice = get_invoice(session, ctx, invoice_id)
    debtor = debtor_of(session, invoice)
    steps = steps_of(session, cadence.id or 0)
    if not steps:
        raise ServiceError(N_("This cadence has no steps yet."))
    names = {t.id: t.name for t in session.exec(select(Template).where(Template.org_id == ctx.org_id))}
    chain = language_chain(session, ctx.org_id)
    languages = variant_languages(session, ctx.org_id)

    def language_of(step: CadenceStep) -> tuple[str, bool]:
        chosen = pick_language(debtor.locale, languages.get(step.template_id, set()), chain) or ""
        return chosen, bool(chosen) and chosen != debtor.locale

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
            *language_of(s),
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
                *language_of(step),
            )
        )
    return result
