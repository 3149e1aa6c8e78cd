"""Templates of one organization: edits, checks and previews in the debtor's language."""

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from saas_app.auth.secrets import unseal
from saas_app.core import library
from saas_app.core.languages import DEFAULT_FALLBACK, LANGUAGES, pick_language
from saas_app.core.library import STAGES, TONES
from saas_app.core.message_values import MessageFacts, payment_link
from saas_app.core.roles import Action
from saas_app.core.templates import Problem, Rendered, Variant, check_variant, render
from saas_app.i18n import N_
from saas_app.models import (
    Cadence,
    CadenceStep,
    Debtor,
    Invoice,
    Organization,
    Template,
    TemplateVariant,
    WhatsAppAccount,
)
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import Conflict, NotFound, ServiceError
from saas_app.services.presence import EditorKind, StaleSave, stale_save
from saas_app.whatsapp import sandbox
from saas_app.whatsapp import templates as template_format
from saas_app.whatsapp.client import CloudClient, CloudError, Endpoint
from saas_app.whatsapp.templates import example_facts

# Meta's review of one language of a template, as TemplateVariant.status stores it.
STATUSES = ("draft", "pending", "approved", "rejected", "paused", "disabled")


def variant_row(org_id: int, template_id: int, language: str, variant: Variant) -> TemplateVariant:
    """A variant's texts as the row that stores the template in one language."""
    return TemplateVariant(
        org_id=org_id,
        template_id=template_id,
        language=language,
        header=variant.header,
        body=variant.body,
        footer=variant.footer,
        buttons=list(variant.buttons),
    )


def as_variant(row: TemplateVariant) -> Variant:
    """A stored variant as the plain value the template checks and rendering take."""
    return Variant(body=row.body, header=row.header, footer=row.footer, buttons=tuple(row.buttons))


def list_templates(session: Session, ctx: OrgContext) -> list[Template]:
    """The organization's templates in the order they were made."""
    ctx.require(Action.VIEW)
    return list(session.exec(select(Template).where(Template.org_id == ctx.org_id).order_by(col(Template.id))))


def get_template(session: Session, ctx: OrgContext, template_id: int) -> Template:
    """One of the organization's templates; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Template, ctx, template_id, N_("This template does not exist."))


def find_template(session: Session, ctx: OrgContext, key: str) -> Template:
    """The organization's template with this library key (such as `overdue_firm`); NotFound if it has none."""
    ctx.require(Action.VIEW)
    row = session.exec(select(Template).where(Template.key == key, Template.org_id == ctx.org_id)).first()
    if row is None:
        raise NotFound(N_("This template does not exist."))
    return row


def variants_of(session: Session, template_id: int) -> dict[str, TemplateVariant]:
    """A template's variants by language; the caller has checked the template is the organization's."""
    rows = session.exec(select(TemplateVariant).where(TemplateVariant.template_id == template_id))
    return {row.language: row for row in rows}


PARTS = ("header", "body", "footer", "buttons")
# `{{ amount }}` and `{{amount}}` are the same placeholder; the stored text has no spaces inside braces.
_SPACED_PLACEHOLDER = re.compile(r"\{\{[ \t]*([A-Za-z0-9_]+)[ \t]*\}\}")


def tidy(text: str) -> str:
    """`{{ amount }}` written as `{{amount}}`, as Meta and the worker expect it."""
    return _SPACED_PLACEHOLDER.sub(r"{{\1}}", text)


def tidied(variant: Variant) -> Variant:
    """A variant with its placeholders written without spaces."""
    return Variant(body=tidy(variant.body), header=tidy(variant.header), footer=variant.footer, buttons=variant.buttons)


def _last_change(session: Session, ctx: OrgContext, template_id: int, language: str) -> StaleSave:
    """The refusal of a stale save, naming the last saved change of this language from the audit log."""
    return stale_save(session, ctx, EditorKind.TEMPLATE, template_id, "template.variant_saved", language=language)


def _changed(row: TemplateVariant, variant: Variant) -> list[str]:
    now = {"header": variant.header, "body": variant.body, "footer": variant.footer, "buttons": list(variant.buttons)}
    return [part for part in PARTS if getattr(row, part) != now[part]]


def save_variant(
    session: Session,
    ctx: OrgContext,
    template_id: int,
    language: str,
    variant: Variant,
    *,
    version: int | None = None,
) -> TemplateVariant:
    """Create or replace one language of a template; refused with every problem named if it breaks a rule.

    With `version` (the one the editor read), a save made after someone else's is refused with
    StaleSave rather than silently overwriting it. An edited text is a draft again: Meta must
    approve it before it is sent.
    """
    ctx.require(Action.COLLECT)
    template = get_template(session, ctx, template_id)
    if language not in LANGUAGES:
        raise ServiceError(N_("Unsupported language: {locale}."), field="language", locale=language)
    variant = tidied(variant)
    problems = check_variant(variant)
    if problems:
        raise ServiceError(
            N_("The template cannot be used: {problems}."),
            field=problems[0].part,
            problems="; ".join(p.message for p in problems),
        )
    row = variants_of(session, template.id or 0).get(language)
    if row is None:
        row = variant_row(ctx.org_id, template.id or 0, language, variant)
        session.add(row)
        changed, was = list(PARTS), ""
    else:
        if version is not None and row.version != version:
            raise _last_change(session, ctx, template.id or 0, language)
        changed, was = _changed(row, variant), row.status
        if not changed:
            return row
        # Compare and set: of two saves from the same version, the second finds none to update.
        updated = session.execute(
            update(TemplateVariant)
            .where(col(TemplateVariant.id) == row.id, col(TemplateVariant.version) == row.version)
            .values(
                header=variant.header,
                body=variant.body,
                footer=variant.footer,
                buttons=list(variant.buttons),
                status="draft",  # an edited text needs WhatsApp's approval again
                rejection_reason="",
                version=row.version + 1,
                updated_at=utcnow(),
            )
        )
        if updated.rowcount != 1:  # type: ignore[attr-defined]
            raise _last_change(session, ctx, template.id or 0, language)
        session.refresh(row)
    audit.record_for(
        ctx,
        session,
        "template.variant_saved",
        target_type="template",
        target_id=template.id,
        language=language,
        changed=changed,
        was=was,
    )
    session.flush()
    return row


def add_language(session: Session, ctx: OrgContext, template_id: int, language: str) -> TemplateVariant:
    """A new language for a template, as a draft to translate: the library's text when it has one, else a copy
    of the English (or first) variant."""
    ctx.require(Action.COLLECT)
    template = get_template(session, ctx, template_id)
    existing = variants_of(session, template.id or 0)
    if language not in LANGUAGES:
        raise ServiceError(N_("Unsupported language: {locale}."), field="language", locale=language)
    if language in existing:
        raise Conflict(N_("This template already has that language."), field="language")
    library_text = next((text.variant for text in library.texts(language) if text.key == template.key), None)
    source = existing.get("en") or next(iter(existing.values()), None)
    variant = library_text or (as_variant(source) if source is not None else None)
    if variant is None:
        raise NotFound(N_("This template does not exist."))
    row = variant_row(ctx.org_id, template.id or 0, language, variant)
    session.add(row)
    audit.record_for(
        ctx, session, "template.language_added", target_type="template", target_id=template.id, language=language
    )
    session.flush()
    return row


def remove_language(session: Session, ctx: OrgContext, template_id: int, language: str) -> None:
    """Take one language off a template; the last one stays (a template says something in some language)."""
    ctx.require(Action.COLLECT)
    template = get_template(session, ctx, template_id)
    existing = variants_of(session, template.id or 0)
    if language not in existing:
        raise NotFound(N_("This template has no such language."))
    if len(existing) == 1:
        raise ServiceError(N_("A template keeps at least one language."), field="language")
    session.delete(existing[language])
    audit.record_for(
        ctx, session, "template.language_removed", target_type="template", target_id=template.id, language=language
    )
    session.flush()


@dataclass(frozen=True)
class Preview:
    language: str
    rendered: Rendered | None
    problems: list[Problem]


def preview(
    variants: dict[str, TemplateVariant],
    locale: str,
    values: dict[str, str],
    fallback: Sequence[str] = DEFAULT_FALLBACK,
) -> Preview:
    """The message in the debtor's language (or its fallback), as the debtor would read it.

    `values` are message_values.placeholder_values for the debtor's own locale (es_MX: $9,500.00), not the
    variant's language (es: 9.500,00 MXN): the variant only gives the words, as in what the worker sends.
    """
    language = pick_language(locale, set(variants), fallback)
    if language is None:
        return Preview("", None, [Problem("body", f"no variant for {locale} or its fallbacks")])
    variant = as_variant(variants[language])
    problems = check_variant(variant)
    if problems:
        return Preview(language, None, problems)
    try:
        return Preview(language, render(variant, values), [])
    except ValueError as error:
        return Preview(language, None, getattr(error, "problems", [Problem("body", str(error))]))


@dataclass(frozen=True)
class TemplateFilters:
    """What the templates list is narrowed to; "" lets everything through."""

    stages: tuple[str, ...] = ()  # any of these (the objection replies are five stages)
    tone: str = ""
    language: str = ""
    status: str = ""  # a variant in this language (or any) has this status
    search: str = ""  # in the name or in any variant's header, body or footer

    def __post_init__(self) -> None:
        allowed = {"tone": TONES, "language": LANGUAGES, "status": STATUSES}
        for name, values in allowed.items():
            if getattr(self, name) and getattr(self, name) not in values:
                raise ServiceError(N_("That filter is not one the list offers."), field=name)
        if any(stage not in STAGES for stage in self.stages):
            raise ServiceError(N_("That filter is not one the list offers."), field="stage")


@dataclass(frozen=True)
class TemplateSummary:
    """One line of the list: the template, its variants in Cobro's language order, the cadences using it."""

    template: Template
    variants: list[TemplateVariant]
    cadences: list[str] = field(default_factory=list)


def _contains(text: str) -> str:
    """A LIKE pattern finding `text` anywhere, its own % and _ taken literally (as services.invoices does;
    importing that module from here would be an import circle through services.whatsapp)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _variant_matches(filters: TemplateFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.language:
        conditions.append(col(TemplateVariant.language) == filters.language)
    if filters.status:
        conditions.append(col(TemplateVariant.status) == filters.status)
    return conditions


def summaries(session: Session, ctx: OrgContext, filters: TemplateFilters | None = None) -> list[TemplateSummary]:
    """The organization's templates the filters let through, by stage, then tone, then name."""
    ctx.require(Action.VIEW)
    filters = filters or TemplateFilters()
    query = select(Template).where(Template.org_id == ctx.org_id)
    if filters.stages:
        query = query.where(col(Template.purpose).in_(filters.stages))
    if filters.tone:
        query = query.where(Template.tone == filters.tone)
    if conditions := _variant_matches(filters):
        having = select(TemplateVariant.template_id).where(TemplateVariant.org_id == ctx.org_id, *conditions)
        query = query.where(col(Template.id).in_(having))
    if filters.search.strip():
        pattern = _contains(filters.search.strip().lower())
        texts = [TemplateVariant.body, TemplateVariant.header, TemplateVariant.footer]
        worded = select(TemplateVariant.template_id).where(
            TemplateVariant.org_id == ctx.org_id, or_(*[func.lower(t).like(pattern, escape="\\") for t in texts])
        )
        query = query.where(or_(func.lower(Template.name).like(pattern, escape="\\"), col(Template.id).in_(worded)))
    found = list(session.exec(query))
    ids = [t.id for t in found]
    variants: dict[int, list[TemplateVariant]] = defaultdict(list)
    for row in session.exec(select(TemplateVariant).where(col(TemplateVariant.template_id).in_(ids))):
        variants[row.template_id].append(row)
    used = _cadences_using(session, ctx, ids)
    order = {stage: position for position, stage in enumerate(STAGES)}
    found.sort(key=lambda t: (order.get(t.purpose, len(order)), _tone_order(t.tone), t.name.lower(), t.id or 0))
    return [
        TemplateSummary(
            t, sorted(variants[t.id or 0], key=lambda row: language_order(row.language)), used.get(t.id or 0, [])
        )
        for t in found
    ]


def _tone_order(tone: str) -> int:
    return TONES.index(tone) if tone in TONES else len(TONES)


def language_order(language: str) -> tuple[int, str]:
    """Cobro's languages in their usual order (en, it, es, pt_BR, fr), any other after them."""
    return (LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES), language)


def _cadences_using(session: Session, ctx: OrgContext, template_ids: list[int | None]) -> dict[int, list[str]]:
    """The names of the cadences with a step sending each template, once each, alphabetically."""
    rows = session.exec(
        select(CadenceStep.template_id, Cadence.name)
        .join(Cadence, col(Cadence.id) == CadenceStep.cadence_id)
        .where(CadenceStep.org_id == ctx.org_id, col(CadenceStep.template_id).in_(template_ids))
        .distinct()
    )
    used: dict[int, list[str]] = defaultdict(list)
    for template_id, name in rows:
        used[template_id].append(name)
    return {template_id: sorted(names, key=str.lower) for template_id, names in used.items()}


def _free_key(session: Session, ctx: OrgContext, key: str) -> str:
    """A library-style key not yet taken in the organization: `overdue_firm_copy`, `overdue_firm_copy_2` ..."""
    taken = set(session.exec(select(Template.key).where(Template.org_id == ctx.org_id)))
    stem = f"{key[:50]}_copy"
    candidate, number = stem, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}_{number}"
    return candidate


def duplicate_template(session: Session, ctx: OrgContext, template_id: int, name: str) -> Template:
    """An editable copy named `name` ("Overdue, firm (copy)"): every language as a draft Meta has not seen."""
    ctx.require(Action.COLLECT)
    original = get_template(session, ctx, template_id)
    copy = Template(
        org_id=ctx.org_id,
        key=_free_key(session, ctx, original.key),
        name=name.strip()[:120] or original.name,
        purpose=original.purpose,
        tone=original.tone,
        category=original.category,
        built_in=False,
    )
    session.add(copy)
    session.flush()
    for row in variants_of(session, original.id or 0).values():
        session.add(variant_row(ctx.org_id, copy.id or 0, row.language, as_variant(row)))
    audit.record_for(
        ctx, session, "template.duplicated", target_type="template", target_id=copy.id, original_id=original.id
    )
    session.flush()
    return copy


# How many days late the sample invoice is at each stage, so that a preview reads as the reminder will
# ("is now 12 days overdue", never "0 days overdue" under an overdue reminder); negative: not due yet.
SAMPLE_DAYS_LATE = {
    "pre_due_7": -7,
    "due_today": 0,
    "overdue_31_90": 45,
    "overdue_90_plus": 120,
    "final_notice": 100,
    "installment_offer": 40,
    "objection_due_far": -10,
}
SAMPLE_DAYS_LATE_OTHERWISE = 12


def sample_facts(
    session: Session, ctx: OrgContext, language: str, *, purpose: str = "", today: date | None = None
) -> MessageFacts:
    """A believable debtor and invoice written the way `language` writes them, from the organization; given
    `today`, the invoice is as late as a template for `purpose` (its stage) expects."""
    ctx.require(Action.VIEW)
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    sample = example_facts(language)
    due_on = sample.due_on
    if today is not None:
        due_on = today - timedelta(days=SAMPLE_DAYS_LATE.get(purpose, SAMPLE_DAYS_LATE_OTHERWISE))
    return replace(
        sample,
        due_on=due_on,
        company_name=org.sender_name or org.name,
        contact=org.contact or sample.contact,
        payment_methods=org.payment_methods or sample.payment_methods,
    )


def invoice_facts(session: Session, ctx: OrgContext, invoice_id: int) -> MessageFacts:
    """What a reminder about one of the organization's invoices says, as the worker fills it in."""
    ctx.require(Action.VIEW)
    invoice = owned_row(session, Invoice, ctx, invoice_id, N_("This invoice does not exist."))
    debtor = owned_row(session, Debtor, ctx, invoice.debtor_id, N_("This invoice does not exist."))
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    due = invoice.amount_minor - invoice.paid_minor
    return MessageFacts(
        customer_name=debtor.name,
        locale=debtor.locale,
        amount_due_minor=due,
        currency=invoice.currency,
        due_on=invoice.due_on,
        invoice_number=invoice.number,
        service=invoice.service,
        payment_link=invoice.payment_link
        or payment_link(org.payment_link_template, invoice.number, due, invoice.currency),
        payment_methods=org.payment_methods,
        company_name=org.sender_name or org.name,
        contact=org.contact,
    )


@dataclass(frozen=True)
class InvoiceChoice:
    invoice_id: int
    number: str
    debtor: str


def find_invoices(session: Session, ctx: OrgContext, text: str, limit: int = 8) -> list[InvoiceChoice]:
    """The organization's invoices whose number or debtor's name holds `text`, latest due first."""
    ctx.require(Action.VIEW)
    query = (
        select(Invoice.id, Invoice.number, Debtor.name)
        .join(Debtor, col(Debtor.id) == Invoice.debtor_id)
        .where(Invoice.org_id == ctx.org_id)
    )
    if text.strip():
        pattern = _contains(text.strip().lower()[:60])
        query = query.where(
            or_(
                func.lower(Invoice.number).like(pattern, escape="\\"),
                func.lower(Debtor.name).like(pattern, escape="\\"),
            )
        )
    rows = session.exec(query.order_by(col(Invoice.due_on).desc(), col(Invoice.id).desc()).limit(limit))
    return [InvoiceChoice(invoice_id or 0, number, name) for invoice_id, number, name in rows]


@dataclass(frozen=True)
class _Submission:
    variant_id: int
    name: str
    language: str
    variant: Variant


def _submissions(session: Session, ctx: OrgContext, template_id: int, languages: Sequence[str]) -> list[_Submission]:
    template = get_template(session, ctx, template_id)
    existing = variants_of(session, template.id or 0)
    if not languages or any(language not in existing for language in languages):
        raise NotFound(N_("This template has no such language."))
    return [
        _Submission(
            existing[language].id or 0,
            existing[language].whatsapp_name or template_format.meta_name(template.key),
            language,
            as_variant(existing[language]),
        )
        for language in languages
    ]


def _record_review(
    session: Session, ctx: OrgContext, template_id: int, verdicts: dict[int, tuple[str, str, str]]
) -> None:
    """Each submitted variant's Meta name, status and reason (when Meta refused it), and the audit entry."""
    for variant_id, (name, status, reason) in verdicts.items():
        row = session.get(TemplateVariant, variant_id)
        if row is not None and row.org_id == ctx.org_id:
            row.whatsapp_name, row.status, row.rejection_reason, row.updated_at = name, status, reason[:500], utcnow()
            session.add(row)
    audit.record_for(
        ctx,
        session,
        "template.submitted",
        target_type="template",
        target_id=template_id,
        languages={row[0]: row[1] for row in verdicts.values()},
    )


async def submit_for_approval(
    transaction: Callable[[], AbstractContextManager[Session]],
    ctx: OrgContext,
    http: httpx.AsyncClient,
    template_id: int,
    languages: Sequence[str],
) -> dict[str, str]:
    """Send these languages of a template to Meta for review; each language's status after it, by language.

    The sandbox number approves at once (its simulator knows every text Cobro sends); a real account's
    answer is usually "pending", and Meta's verdict comes later by webhook. Meta's reason for a refusal
    is kept beside the status. Nothing is held open while Meta answers.
    """
    ctx.require(Action.COLLECT)
    with transaction() as session:
        wanted = _submissions(session, ctx, template_id, languages)
        account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
        if account is None:
            raise ServiceError(N_("Connect a WhatsApp number first."))
        in_sandbox = sandbox.is_sandbox(account.phone_number_id)
        endpoint = Endpoint(
            account.api_base_url, account.api_version, account.phone_number_id, unseal(account.access_token_sealed)
        )
        waba_id = account.waba_id
    verdicts: dict[int, tuple[str, str, str]] = {}
    if in_sandbox:
        verdicts = {s.variant_id: (s.name, "approved", "") for s in wanted}
    elif not waba_id:
        raise ServiceError(N_("Add the WhatsApp Business Account ID to submit templates."), field="waba_id")
    else:
        client = CloudClient(endpoint, http)
        for item in wanted:
            try:
                answer = await client.submit_template(
                    waba_id, template_format.submission(item.name, item.language, item.variant)
                )
            except CloudError as failure:
                verdicts[item.variant_id] = (item.name, "draft", failure.verdict.reason)  # not sent: still a draft
                continue
            status = template_format.STATUSES.get(str(answer.get("status", "PENDING")).upper(), "pending")
            verdicts[item.variant_id] = (item.name, status, "")
    with transaction() as session:
        _record_review(session, ctx, template_id, verdicts)
    names = {s.variant_id: s.language for s in wanted}
    return {names[variant_id]: status for variant_id, (_, status, _) in verdicts.items()}
