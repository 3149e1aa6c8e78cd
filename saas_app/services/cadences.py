"""Cadences of one organization: steps, send rules, and the dry run the editor shows."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import holidays as public_holidays
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from saas_app.core.campaigns import LIVE, CampaignStatus
from saas_app.core.countries import normalize_country
from saas_app.core.invoices import OUTSTANDING
from saas_app.core.languages import LANGUAGES, is_fallback, pick_language
from saas_app.core.message_values import MessageFacts
from saas_app.core.roles import Action
from saas_app.core.schedule import SendRules, StepPlan, first_step, is_time_zone, plan
from saas_app.i18n import N_
from saas_app.models import (
    Cadence,
    CadenceStep,
    Campaign,
    Debtor,
    Enrollment,
    Invoice,
    Message,
    Organization,
    Template,
    TemplateVariant,
)
from saas_app.models.base import utcnow
from saas_app.services import audit, pacing, reminders, templates
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import NotFound, ServiceError
from saas_app.services.invoices import debtor_of, get_invoice
from saas_app.services.presence import EditorKind, StaleSave, stale_save


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


# The editor's limits, kept here whatever a page sends: a step goes out from two months before the due
# date to a year after it, on its own day, in the order of the days, and a cadence has a dozen at most.
EARLIEST_OFFSET = -60
LATEST_OFFSET = 365
MAX_STEPS = 12
DAY_MINUTES = 24 * 60
# Each number's allowed range: spacing up to a week, a weekly cap up to two a day, pauses up to two months.
SETTING_RANGES = {
    "min_gap_hours": (0, 168),
    "weekly_cap": (0, 14),
    "reply_pause_days": (0, 60),
    "promise_grace_days": (0, 30),
}


@dataclass(frozen=True)
class StepDraft:
    """One step as the editor holds it: its day relative to the due date and the template it sends."""

    offset_days: int
    template_id: int


@dataclass(frozen=True)
class CadenceSettings:
    """The cadence's sending rules, as the editor holds them."""

    window_start_minute: int = 9 * 60
    window_end_minute: int = 19 * 60
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    skip_holidays: bool = True
    min_gap_hours: int = 20
    weekly_cap: int = 3
    reply_pause_days: int = 3
    promise_grace_days: int = 2

    @classmethod
    def of(cls, cadence: Cadence) -> "CadenceSettings":
        """A stored cadence's rules."""
        return cls(
            window_start_minute=cadence.window_start_minute,
            window_end_minute=cadence.window_end_minute,
            weekdays=tuple(sorted(cadence.weekdays)),
            skip_holidays=cadence.skip_holidays,
            min_gap_hours=cadence.min_gap_hours,
            weekly_cap=cadence.weekly_cap,
            reply_pause_days=cadence.reply_pause_days,
            promise_grace_days=cadence.promise_grace_days,
        )

    def columns(self) -> dict[str, Any]:
        """The rules as the Cadence row's columns."""
        return {**self.__dict__, "weekdays": list(self.weekdays)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_steps(steps: Sequence[StepDraft]) -> None:
    """Refuse steps the editor would not allow: too many, outside the range, two on a day, out of order."""
    if len(steps) > MAX_STEPS:
        raise ServiceError(N_("A cadence has at most {most} steps."), field="steps", most=MAX_STEPS)
    for step in steps:
        if not _is_int(step.offset_days) or not EARLIEST_OFFSET <= step.offset_days <= LATEST_OFFSET:
            raise ServiceError(
                N_("A step goes out between {earliest} and {latest} days from the due date."),
                field="steps",
                earliest=EARLIEST_OFFSET,
                latest=f"+{LATEST_OFFSET}",
            )
        if not _is_int(step.template_id):
            raise ServiceError(N_("Choose a template for every step."), field="steps")
    for before, after in pairwise(steps):
        if before.offset_days == after.offset_days:
            raise ServiceError(N_("Two steps cannot go out on the same day."), field="steps")
        if before.offset_days > after.offset_days:
            raise ServiceError(N_("Steps go out in the order of their days: move it no further than its neighbours."))


def check_settings(settings: CadenceSettings) -> None:
    """Refuse sending rules that could never send or that the editor does not offer."""
    start, end = settings.window_start_minute, settings.window_end_minute
    if not (_is_int(start) and _is_int(end) and 0 <= start < end <= DAY_MINUTES):
        raise ServiceError(N_("The send window must end after it starts."), field="window")
    days = settings.weekdays
    if not days or any(not _is_int(d) or not 0 <= d <= 6 for d in days) or len(set(days)) != len(days):
        raise ServiceError(N_("Allow at least one weekday."), field="weekdays")
    if not isinstance(settings.skip_holidays, bool):
        raise ServiceError(N_("That request was not valid."), field="skip_holidays")
    for name, (lowest, highest) in SETTING_RANGES.items():
        value = getattr(settings, name)
        if not _is_int(value) or not lowest <= value <= highest:
            raise ServiceError(N_("Between {lowest} and {highest}."), field=name, lowest=lowest, highest=highest)


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
    template_id: int = 0
    moved_by: datetime | None = None  # another reminder to this debtor then (UTC) moved this step later
    paced_until: datetime | None = None  # the account's messaging limit, full until then (UTC), moved it


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


@dataclass(frozen=True)
class Coverage:
    """How one step reaches the debtors of one language: the variant chosen after the fallback chain."""

    step_position: int
    template_id: int
    template_name: str
    language: str  # the debtors' language
    chosen: str  # the variant's language; "" when none fits
    status: str  # the chosen variant's status on WhatsApp, or "missing"


def coverage(
    session: Session, ctx: OrgContext, steps: Sequence[tuple[int, int]], locales: Iterable[str]
) -> list[Coverage]:
    """For each (position, template id) step and each debtor language, the variant that would go out."""
    ctx.require(Action.VIEW)
    chain = language_chain(session, ctx.org_id)
    template_ids = {template_id for _, template_id in steps}
    names = dict(
        session.exec(
            select(Template.id, Template.name).where(Template.org_id == ctx.org_id, col(Template.id).in_(template_ids))
        ).all()
    )
    statuses: dict[int, dict[str, str]] = {template_id: {} for template_id in template_ids}
    for template_id, language, status in session.exec(
        select(TemplateVariant.template_id, TemplateVariant.language, TemplateVariant.status).where(
            TemplateVariant.org_id == ctx.org_id, col(TemplateVariant.template_id).in_(template_ids)
        )
    ):
        statuses[template_id][language] = status
    found = []
    for position, template_id in steps:
        for locale in sorted(set(locales)):
            chosen = pick_language(locale, set(statuses.get(template_id, {})), chain) or ""
            status = statuses[template_id][chosen] if chosen else "missing"
            found.append(Coverage(position, template_id, names.get(template_id, ""), locale, chosen, status))
    return found


def problems_in(covered: Iterable[Coverage], chain: Sequence[str], *, require_approval: bool) -> list[TemplateProblem]:
    """The steps and languages that would not go out: missing after the fallback chain, or not sendable on
    WhatsApp (rejected, paused, disabled; not yet approved when asked)."""
    problems = []
    for c in covered:
        if not c.chosen:
            params = {"language": c.language, "chain": " → ".join(chain)}
            problems.append(TemplateProblem(c.step_position, c.template_name, c.language, "missing", _MISSING, params))
        elif c.status in _NOT_SENDABLE:
            problems.append(
                TemplateProblem(c.step_position, c.template_name, c.chosen, c.status, _NOT_SENDABLE[c.status], {})
            )
        elif require_approval and c.status != "approved":
            params = {"status": c.status}
            problems.append(
                TemplateProblem(c.step_position, c.template_name, c.chosen, c.status, _NOT_APPROVED, params)
            )
    return list({(p.step_position, p.language, p.status): p for p in problems}.values())


def readiness(
    session: Session, ctx: OrgContext, cadence_id: int, locales: Iterable[str], *, require_approval: bool
) -> list[TemplateProblem]:
    """Every step and debtor language whose template would not go out: missing after the fallback
    chain, or not sendable on WhatsApp (rejected, paused, disabled; not yet approved when asked)."""
    ctx.require(Action.VIEW)
    steps = session.exec(
        select(CadenceStep.position, CadenceStep.template_id)
        .where(CadenceStep.cadence_id == cadence_id, CadenceStep.org_id == ctx.org_id)
        .order_by(col(CadenceStep.position))
    ).all()
    covered = coverage(session, ctx, [(position, template_id) for position, template_id in steps], locales)
    return problems_in(covered, language_chain(session, ctx.org_id), require_approval=require_approval)


def debtor_locales(session: Session, ctx: OrgContext) -> set[str]:
    """The languages the organization's debtors speak; English when it has none yet."""
    ctx.require(Action.VIEW)
    found = set(session.exec(select(Debtor.locale).where(Debtor.org_id == ctx.org_id).distinct()).all())
    return found or {"en"}


def variant_languages(session: Session, org_id: int) -> dict[int, set[str]]:
    """Each of the organization's templates, with the languages it has a variant in."""
    found: dict[int, set[str]] = {}
    rows = session.exec(
        select(TemplateVariant.template_id, TemplateVariant.language).where(TemplateVariant.org_id == org_id)
    )
    for template_id, language in rows:
        found.setdefault(template_id, set()).add(language)
    return found


# How far from today the sample debtor's invoice falls due, in days (negative: already overdue).
SAMPLE_DUE_IN_DAYS = (-30, -7, 0, 7, 14)
SAMPLE_AMOUNT_MINOR = 123_456  # in the organization's currency: R$ 1.234,56, 1.234,56 €


@dataclass(frozen=True)
class SampleDebtor:
    """A debtor made up to try a cadence on: where they live, the language they read, and when their invoice
    is due. It carries what `rules_for` reads of a debtor."""

    timezone: str
    locale: str
    country: str  # "" for none: no public holidays
    due_on: date
    window_start_minute: int | None = None
    window_end_minute: int | None = None


def sample_locales(session: Session, ctx: OrgContext) -> list[str]:
    """The languages a sample debtor may read: the debtors' own first, then the organization's default and
    fallback languages, then every language Cobro's library is written in."""
    ctx.require(Action.VIEW)
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    mine = sorted(debtor_locales(session, ctx))
    return list(dict.fromkeys([*mine, org.default_locale, *org.language_fallback, *LANGUAGES]))


def debtor_zones(session: Session, ctx: OrgContext) -> list[str]:
    """The time zones the organization's debtors live in, the most common first; the organization's own
    when it has no debtor yet."""
    ctx.require(Action.VIEW)
    count = func.count()
    rows = session.exec(
        select(Debtor.timezone, count)
        .where(Debtor.org_id == ctx.org_id)
        .group_by(col(Debtor.timezone))
        .order_by(count.desc(), col(Debtor.timezone))
        .limit(20)
    ).all()
    found = [zone for zone, _ in rows if is_time_zone(zone)]
    if found:
        return found
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    return [org.timezone]


def sample_debtor(
    session: Session, ctx: OrgContext, *, timezone: str, locale: str, country: str, due_in_days: int, now: datetime
) -> SampleDebtor:
    """A sample debtor as the editor asks for one, every value checked: a zone zoneinfo knows, one of the
    organization's languages, a known country (or none), and a due date the editor offers."""
    ctx.require(Action.VIEW)
    if not isinstance(timezone, str) or not is_time_zone(timezone):
        raise ServiceError(N_("Choose a time zone from the list, such as America/Sao_Paulo."), field="sample_zone")
    if not isinstance(locale, str) or locale not in sample_locales(session, ctx):
        raise ServiceError(N_("Choose one of the languages offered."), field="sample_locale")
    if not isinstance(country, str) or (country and normalize_country(country) != country):
        raise ServiceError(N_("Choose a country from the list."), field="sample_country")
    if not _is_int(due_in_days) or due_in_days not in SAMPLE_DUE_IN_DAYS:
        raise ServiceError(N_("Choose a due date from the list."), field="sample_due")
    today = now.astimezone(ZoneInfo(timezone)).date()
    return SampleDebtor(timezone, locale, country, today + timedelta(days=due_in_days))


def sample_facts(session: Session, ctx: OrgContext, sample: SampleDebtor) -> MessageFacts:
    """What a reminder to the sample debtor says: the templates studio's sample, in the organization's
    currency and due when the sample's invoice is."""
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    found = templates.sample_facts(session, ctx, sample.locale)
    return replace(found, due_on=sample.due_on, currency=org.currency, amount_due_minor=SAMPLE_AMOUNT_MINOR)


def _own_enrollments(session: Session, ctx: OrgContext, invoice_id: int, cadence_id: int) -> list[int]:
    """The invoice's enrollments in campaigns on this cadence: the dry run plans their steps afresh."""
    rows = session.exec(
        select(Enrollment.id)
        .join(Campaign, col(Campaign.id) == Enrollment.campaign_id)
        .where(
            Enrollment.org_id == ctx.org_id,
            Enrollment.invoice_id == invoice_id,
            Campaign.cadence_id == cadence_id,
        )
    ).all()
    return [enrollment_id for enrollment_id in rows if enrollment_id is not None]


def dry_run(
    session: Session,
    ctx: OrgContext,
    cadence_id: int,
    invoice_id: int | None,
    now: datetime,
    *,
    steps: Sequence[StepDraft] | None = None,
    settings: CadenceSettings | None = None,
    sample: SampleDebtor | None = None,
) -> list[DryRunStep]:
    """For this invoice (or the sample debtor's), exactly when each step would go out, in the debtor's local
    time, placed as the planner places it: the debtor's other reminders and the account's messaging limit
    count, and each step says when one of them moved it.

    `steps` and `settings`, when given, are the editor's unsaved draft of the cadence.
    """
    cadence = get_cadence(session, ctx, cadence_id)
    others: list[datetime] = []
    debtor: Debtor | SampleDebtor
    if invoice_id is not None:
        invoice: Invoice = get_invoice(session, ctx, invoice_id)
        debtor, due_on = debtor_of(session, invoice), invoice.due_on
        excluding = _own_enrollments(session, ctx, invoice_id, cadence.id or 0)
        found = pacing.debtor_schedule(session, now, [debtor.id or 0], excluding=excluding)
        others = found.get(debtor.id or 0, [])
    elif sample is not None:
        debtor, due_on = sample, sample.due_on
    else:
        raise ServiceError(N_("Choose an invoice or a sample debtor."))
    if steps is None:
        steps = [StepDraft(s.offset_days, s.template_id) for s in steps_of(session, cadence.id or 0)]
    if not steps:
        raise ServiceError(N_("This cadence has no steps yet."))
    if settings is not None:
        cadence = Cadence(org_id=ctx.org_id, name=cadence.name, **settings.columns())
    names = {t.id: t.name for t in session.exec(select(Template).where(Template.org_id == ctx.org_id))}
    chain = language_chain(session, ctx.org_id)
    languages = variant_languages(session, ctx.org_id)

    def language_of(step: StepDraft) -> tuple[str, bool]:
        chosen = pick_language(debtor.locale, languages.get(step.template_id, set()), chain) or ""
        return chosen, bool(chosen) and is_fallback(debtor.locale, chosen)

    rules = rules_for(cadence, debtor, due_on)
    start = first_step([s.offset_days for s in steps], due_on, now.date())
    ledger, _ = pacing.account_ledger(session, ctx.org_id, now)
    planned = plan(
        due=due_on,
        steps=[StepPlan(s.offset_days, rules) for s in steps[start:]],
        zone=debtor.timezone,
        now=now,
        others=others,
        ledger=ledger,
    )
    result = [
        DryRunStep(
            position,
            s.offset_days,
            names.get(s.template_id, ""),
            due_on + timedelta(s.offset_days),
            None,
            None,
            True,
            *language_of(s),
            template_id=s.template_id,
        )
        for position, s in enumerate(steps[:start])
    ]
    for position, (step, item) in enumerate(zip(steps[start:], planned, strict=True), start=start):
        result.append(
            DryRunStep(
                position,
                step.offset_days,
                names.get(step.template_id, ""),
                item.due_day,
                item.send_at,
                item.local,
                False,
                *language_of(step),
                template_id=step.template_id,
                moved_by=item.moved_by,
                paced_until=item.paced_until,
            )
        )
    return result


# Campaigns whose invoices a cadence still chases: an edit reaches them, or not, as the person chooses.
UNDER_WAY = (CampaignStatus.RUNNING, CampaignStatus.PAUSED)
REPLAN = "replan"  # messages not yet planned follow the edited cadence; the planner plans them again
NEW_ONLY = "new_only"  # running campaigns keep the cadence as it was (a copy); new campaigns get the edit
CHOICES = (REPLAN, NEW_ONLY)
# What a save changed, as the audit log and a refused stale save name it.
PARTS = ("name", "steps", "window", "weekdays", "holidays", "spacing", "pauses")


def campaigns_using(session: Session, ctx: OrgContext, cadence_ids: Iterable[int]) -> dict[int, list[Campaign]]:
    """Each cadence's campaigns still under way (running or paused), oldest first."""
    ctx.require(Action.VIEW)
    found: dict[int, list[Campaign]] = {}
    rows = session.exec(
        select(Campaign)
        .where(
            Campaign.org_id == ctx.org_id,
            col(Campaign.cadence_id).in_(list(cadence_ids)),
            col(Campaign.status).in_(UNDER_WAY),
        )
        .order_by(col(Campaign.id))
    )
    for campaign in rows:
        found.setdefault(campaign.cadence_id, []).append(campaign)
    return found


class ChoiceNeeded(ServiceError):
    """The cadence is chasing invoices now: the person says whether the change reaches them."""

    def __init__(self, campaigns: list[str]) -> None:
        super().__init__(N_("Campaigns use this cadence: choose whether the change reaches them."))
        self.campaigns = campaigns


def _last_save(session: Session, ctx: OrgContext, cadence_id: int) -> StaleSave:
    """The refusal of a stale save, naming the last saved change from the audit log."""
    return stale_save(session, ctx, EditorKind.CADENCE, cadence_id, "cadence.saved")


def _changes(
    cadence: Cadence, stored: list[StepDraft], name: str, steps: list[StepDraft], new: CadenceSettings
) -> list[str]:
    old = CadenceSettings.of(cadence)
    differs = {
        "name": cadence.name != name,
        "steps": stored != steps,
        "window": (old.window_start_minute, old.window_end_minute) != (new.window_start_minute, new.window_end_minute),
        "weekdays": old.weekdays != tuple(sorted(new.weekdays)),
        "holidays": old.skip_holidays != new.skip_holidays,
        "spacing": (old.min_gap_hours, old.weekly_cap) != (new.min_gap_hours, new.weekly_cap),
        "pauses": (old.reply_pause_days, old.promise_grace_days) != (new.reply_pause_days, new.promise_grace_days),
    }
    return [part for part in PARTS if differs[part]]


def _check_templates(session: Session, ctx: OrgContext, steps: Sequence[StepDraft]) -> None:
    """Every step's template is one of the organization's: another tenant's is as missing as none."""
    wanted = {step.template_id for step in steps}
    ours = set(
        session.exec(select(Template.id).where(Template.org_id == ctx.org_id, col(Template.id).in_(wanted))).all()
    )
    if wanted - ours:
        raise NotFound(N_("This template does not exist."))


def _write_steps(session: Session, ctx: OrgContext, cadence_id: int, steps: Sequence[StepDraft]) -> None:
    for old in steps_of(session, cadence_id):
        session.delete(old)
    session.flush()  # positions are unique per cadence: the old rows go before the new ones come
    for position, step in enumerate(steps):
        session.add(
            CadenceStep(
                org_id=ctx.org_id,
                cadence_id=cadence_id,
                position=position,
                offset_days=step.offset_days,
                template_id=step.template_id,
            )
        )


def _keep_for_running(session: Session, ctx: OrgContext, cadence: Cadence, campaigns: list[Campaign]) -> Cadence:
    """The cadence as it stands, copied for the campaigns under way, which are moved onto the copy."""
    kept = _copy(session, ctx, cadence, f"{cadence.name[:100]} · v{cadence.version}")
    for campaign in campaigns:
        campaign.cadence_id = kept.id or 0
        session.add(campaign)
    return kept


def _copy(session: Session, ctx: OrgContext, original: Cadence, name: str) -> Cadence:
    copy = Cadence(
        org_id=ctx.org_id,
        name=name[:120],
        description=original.description,
        built_in=False,
        **CadenceSettings.of(original).columns(),
    )
    session.add(copy)
    session.flush()
    stored = [StepDraft(s.offset_days, s.template_id) for s in steps_of(session, original.id or 0)]
    _write_steps(session, ctx, copy.id or 0, stored)
    session.flush()
    return copy


def resume_at(offsets: Sequence[int], last_sent: int | None, due: date, today: date) -> int:
    """Where an enrollment resumes on an edited cadence (its step offsets): the first step after the day of
    the last step it was sent (`last_sent`, None for none), never one whose day a later step's has passed."""
    after = next((i for i, offset in enumerate(offsets) if last_sent is None or offset > last_sent), len(offsets))
    return max(after, first_step(offsets, due, today))


def step_moves(old: Sequence[StepDraft], new: Sequence[StepDraft]) -> dict[int, int | None]:
    """Where each step of the old cadence is in the edited one (its position), or None when it is gone.

    A step is the one on the same day (its template may have changed); a step whose day is gone is the first
    step left over with the same template (it was dragged to another day); else it was removed.
    """
    place = {step.offset_days: position for position, step in enumerate(new)}
    moves: dict[int, int | None] = {position: place.get(step.offset_days) for position, step in enumerate(old)}
    left_over = [position for position in range(len(new)) if position not in set(moves.values())]
    for position, step in enumerate(old):
        if moves[position] is None:
            same = next((p for p in left_over if new[p].template_id == step.template_id), None)
            if same is not None:
                moves[position] = same
                left_over.remove(same)
    return moves


def _follow_the_edit(
    session: Session, live: Any, old: Sequence[StepDraft], new: Sequence[StepDraft], today: date
) -> None:
    """The `live` enrollments, re-planned after their cadence's steps changed, go on with the edited cadence
    from what each was already sent: never a step again, never one skipped.

    Their messages not yet sent are taken back already; the ones left (sent, being sent, or done with) move to
    the position of their step in the edited cadence (`step_moves`), or to none when it is gone, so the campaign's
    figures per step follow the edit. A step already sent keeps its place taken: the planner never plans a step
    twice for one enrollment, so a step dragged to a later day is not sent again.
    """
    old_offsets = [s.offset_days for s in old]
    new_offsets = [s.offset_days for s in new]
    mine = col(Message.enrollment_id).in_(live)
    last = dict(
        session.exec(
            select(Message.enrollment_id, func.max(Message.step_position))
            .where(mine, col(Message.step_position).is_not(None))
            .group_by(col(Message.enrollment_id))
        ).all()
    )
    dues = session.exec(
        select(col(Enrollment.id), col(Invoice.due_on))
        .join(Invoice, col(Invoice.id) == Enrollment.invoice_id)
        .where(col(Enrollment.id).in_(live))
    ).all()
    moves = step_moves(old, new)
    # Two passes, each message once: first onto a place no step uses (-1 - its new place, or None when its step
    # is gone), then onto its new place, so steps that swapped places never meet on one (a unique key).
    for position, to in moves.items():
        session.execute(
            update(Message)
            .where(mine, col(Message.step_position) == position)
            .values(step_position=None if to is None else -1 - to)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Message)
        .where(mine, col(Message.step_position) < 0)
        .values(step_position=-1 - col(Message.step_position))
        .execution_options(synchronize_session=False)
    )
    resume: dict[int, list[int]] = {}
    for enrollment_id, due_on in dues:
        sent = last.get(enrollment_id)
        last_sent = old_offsets[sent] if sent is not None and 0 <= sent < len(old_offsets) else None
        resume.setdefault(resume_at(new_offsets, last_sent, due_on, today), []).append(enrollment_id or 0)
    for position, ids in resume.items():
        for start in range(0, len(ids), 10_000):
            session.execute(
                update(Enrollment)
                .where(col(Enrollment.id).in_(ids[start : start + 10_000]))
                .values(next_step=position)
                .execution_options(synchronize_session=False)
            )


def save_cadence(
    session: Session,
    ctx: OrgContext,
    cadence_id: int,
    *,
    name: str,
    steps: Sequence[StepDraft],
    settings: CadenceSettings,
    version: int,
    running: str | None = None,
    now: datetime | None = None,
) -> Cadence:
    """Save the editor's cadence, if nobody saved it since `version` was read; every rule checked here.

    A cadence that campaigns under way use needs `running`: REPLAN (their reminders not yet sent are
    planned again from the edited cadence) or NEW_ONLY (they keep a copy of the cadence as it was).
    """
    ctx.require(Action.COLLECT)
    cadence = get_cadence(session, ctx, cadence_id)
    name = name.strip()
    if not name or len(name) > 120:
        raise ServiceError(N_("Give the cadence a name (up to 120 characters)."), field="name")
    steps = list(steps)
    check_steps(steps)
    check_settings(settings)
    _check_templates(session, ctx, steps)
    if cadence.version != version:
        raise _last_save(session, ctx, cadence.id or 0)
    stored = [StepDraft(s.offset_days, s.template_id) for s in steps_of(session, cadence.id or 0)]
    changed = _changes(cadence, stored, name, steps, settings)
    if not changed:
        return cadence
    under_way = campaigns_using(session, ctx, [cadence.id or 0]).get(cadence.id or 0, [])
    if under_way and running not in CHOICES:
        raise ChoiceNeeded([c.name for c in under_way])
    kept = _keep_for_running(session, ctx, cadence, under_way) if under_way and running == NEW_ONLY else None
    # Compare and set: of two saves from the same version, the second finds none to update.
    updated = session.execute(
        update(Cadence)
        .where(col(Cadence.id) == cadence.id, col(Cadence.version) == version)
        .values(name=name, version=version + 1, **settings.columns())
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        raise _last_save(session, ctx, cadence.id or 0)
    if "steps" in changed:
        _write_steps(session, ctx, cadence.id or 0, steps)
    replanned = 0
    if under_way and running == REPLAN:
        live = select(Enrollment.id).where(
            col(Enrollment.campaign_id).in_([c.id for c in under_way]), col(Enrollment.state).in_(LIVE)
        )
        enrollments = session.exec(live).all()
        replanned = reminders.unplan(session, [e for e in enrollments if e is not None])
        if "steps" in changed:
            _follow_the_edit(session, live, stored, steps, (now or utcnow()).date())
    audit.record_for(
        ctx,
        session,
        "cadence.saved",
        target_type="cadence",
        target_id=cadence.id,
        changed=changed,
        version=version + 1,
        running=running if under_way else "",
        kept_as=kept.id if kept is not None else None,
        replanned=replanned,
    )
    session.flush()
    session.refresh(cadence)
    return cadence


def create_cadence(session: Session, ctx: OrgContext, name: str, *, copy_of: int | None = None) -> Cadence:
    """A new cadence: blank (no steps, the usual sending rules) or a copy of one of the organization's."""
    ctx.require(Action.COLLECT)
    name = name.strip()
    if not name or len(name) > 120:
        raise ServiceError(N_("Give the cadence a name (up to 120 characters)."), field="name")
    if copy_of is not None:
        made = _copy(session, ctx, get_cadence(session, ctx, copy_of), name)
    else:
        made = Cadence(org_id=ctx.org_id, name=name)
        session.add(made)
        session.flush()
    audit.record_for(ctx, session, "cadence.created", target_type="cadence", target_id=made.id, copy_of=copy_of)
    session.flush()
    return made


def standard_cadence(session: Session, ctx: OrgContext) -> Cadence | None:
    """The organization's built-in cadence (the library's nine steps), if it still has it."""
    ctx.require(Action.VIEW)
    query = select(Cadence).where(Cadence.org_id == ctx.org_id, col(Cadence.built_in).is_(True))
    return session.exec(query.order_by(col(Cadence.id))).first()


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: int
    number: str
    debtor: str


def find_open_invoices(session: Session, ctx: OrgContext, text: str, limit: int = 8) -> list[OpenInvoice]:
    """The organization's invoices still owed whose number or debtor's name holds `text`, latest due first."""
    ctx.require(Action.VIEW)
    query = (
        select(Invoice.id, Invoice.number, Debtor.name)
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(Invoice.org_id == ctx.org_id, col(Invoice.status).in_(OUTSTANDING))
    )
    words = text.strip().lower()[:60]
    if words:
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                func.lower(Invoice.number).like(pattern, escape="\\"),
                func.lower(Debtor.name).like(pattern, escape="\\"),
            )
        )
    rows = session.exec(query.order_by(col(Invoice.due_on).desc(), col(Invoice.id).desc()).limit(limit))
    return [OpenInvoice(invoice_id or 0, number, name) for invoice_id, number, name in rows]
