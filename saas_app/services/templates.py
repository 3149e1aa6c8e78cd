"""Templates of one organization: edits, checks and previews in the debtor's language."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from saas_app.core.languages import DEFAULT_FALLBACK, LANGUAGES, pick_language
from saas_app.core.library import STAGES, TONES
from saas_app.core.roles import Action
from saas_app.core.templates import Problem, Rendered, Variant, check_variant, render
from saas_app.i18n import N_
from saas_app.models import Cadence, CadenceStep, Template, TemplateVariant
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import NotFound, ServiceError

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


def save_variant(
    session: Session, ctx: OrgContext, template_id: int, language: str, variant: Variant
) -> TemplateVariant:
    """Create or replace one language of a template; refused with every problem named if it breaks a rule."""
    ctx.require(Action.COLLECT)
    template = get_template(session, ctx, template_id)
    if language not in LANGUAGES:
        raise ServiceError(N_("Unsupported language: {locale}."), field="language", locale=language)
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
    else:
        row.header, row.body, row.footer, row.buttons = (
            variant.header,
            variant.body,
            variant.footer,
            list(variant.buttons),
        )
        row.status = "draft"  # an edited text needs WhatsApp's approval again
        row.updated_at = utcnow()
    session.add(row)
    audit.record_for(
        ctx, session, "template.variant_saved", target_type="template", target_id=template.id, language=language
    )
    return row


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
    """The message in the debtor's language (or its fallback), as the debtor would read it."""
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
        TemplateSummary(t, sorted(variants[t.id or 0], key=_language_order), used.get(t.id or 0, [])) for t in found
    ]


def _tone_order(tone: str) -> int:
    return TONES.index(tone) if tone in TONES else len(TONES)


def _language_order(row: TemplateVariant) -> tuple[int, str]:
    return (LANGUAGES.index(row.language) if row.language in LANGUAGES else len(LANGUAGES), row.language)


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
