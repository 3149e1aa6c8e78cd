"""Templates of one organization: edits, checks and previews in the debtor's language."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from saas_app.core.languages import DEFAULT_FALLBACK, LANGUAGES, pick_language
from saas_app.core.roles import Action
from saas_app.core.templates import Problem, Rendered, Variant, check_variant, render
from saas_app.i18n import N_
from saas_app.models import Template, TemplateVariant
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import NotFound, ServiceError


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
