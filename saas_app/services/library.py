"""Installing the built-in template library and the standard cadence into an organization."""

from sqlmodel import Session, select

from saas_app.core import library
from saas_app.core.languages import pick_language
from saas_app.models import Cadence, CadenceStep, Organization, Template
from saas_app.services.templates import variant_row


def install(session: Session, org: Organization) -> Cadence:
    """Every library template in the five languages, and the standard cadence built from them.

    Template names are written in the organization's language. Run once, when the organization is
    created; templates it already has (by key) are left as they are.
    """
    assert org.id is not None
    name_language = pick_language(org.default_locale, set(library.LANGUAGES)) or "en"
    existing = set(session.exec(select(Template.key).where(Template.org_id == org.id)))
    by_key: dict[str, Template] = {}
    for text in library.texts(name_language):
        if text.key in existing:
            continue
        template = Template(
            org_id=org.id, key=text.key, name=text.name, purpose=text.stage, tone=text.tone, built_in=True
        )
        session.add(template)
        by_key[text.key] = template
    session.flush()
    for language in library.LANGUAGES:
        for text in library.texts(language):
            new = by_key.get(text.key)
            if new is not None:
                session.add(variant_row(org.id, new.id or 0, language, text.variant))
    return _standard_cadence(session, org, name_language)


def _standard_cadence(session: Session, org: Organization, language: str) -> Cadence:
    assert org.id is not None
    templates = {t.key: t for t in session.exec(select(Template).where(Template.org_id == org.id))}
    cadence = Cadence(
        org_id=org.id,
        name=library.CADENCE_NAMES.get(language, library.CADENCE_NAMES["en"]),
        description=library.CADENCE_DESCRIPTIONS.get(language, library.CADENCE_DESCRIPTIONS["en"]),
        built_in=True,
    )
    session.add(cadence)
    session.flush()
    for position, (offset, stage, tone) in enumerate(library.STANDARD_CADENCE):
        template = templates[f"{stage}_{tone}"]
        session.add(
            CadenceStep(
                org_id=org.id,
                cadence_id=cadence.id or 0,
                position=position,
                offset_days=offset,
                template_id=template.id or 0,
            )
        )
    session.flush()
    return cadence
