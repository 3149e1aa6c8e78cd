"""A debtor's locale is any CLDR locale of our languages, wherever it comes from: the form, the API, a file."""

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.models import Debtor, Organization, TemplateVariant
from saas_app.services import debtors, imports, templates
from saas_app.services.errors import ServiceError
from tests.factories import sign_up
from tests.spreadsheets import csv_bytes


def test_the_debtors_service_stores_a_regional_locale_as_cldr_writes_it(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor = debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Ana", phone="+525512345678", locale="es-mx"))
    assert debtor.locale == "es_MX"
    changed = debtors.update_debtor(session, ctx, debtor.id or 0, replace(debtors.input_of(debtor), locale="FR_ca"))
    assert changed.locale == "fr_CA"


def test_a_debtor_in_a_spanish_speaking_organization_reads_their_own_countrys_spanish(session: Session) -> None:
    """The organization writes in Spanish; a Mexican number makes the debtor es_MX, whether typed, by the API
    or from a file, so that their MXN invoice reads $9,500.00 and not 9.500,00 MXN."""
    _, ctx = sign_up(session)
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    org.default_locale = "es"
    session.add(org)
    mexican = debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Ana", phone="+525512345678"))
    spaniard = debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Eva", phone="+34612345678", locale="es"))
    assert (mexican.locale, spaniard.locale) == ("es_MX", "es_ES")
    headers = ["name", "phone", "invoice", "amount", "due"]
    imports.import_file(
        session,
        ctx,
        "people.csv",
        csv_bytes([["Luis", "+525587654321", "F-1", "9500.00", "2026-12-01"]], headers=headers),
    )
    assert session.exec(select(Debtor.locale).where(Debtor.name == "Luis")).one() == "es_MX"


@pytest.mark.parametrize("locale", ["xx_YY", "es_ZZ", "de_DE"])
def test_the_debtors_service_refuses_a_made_up_locale_beside_the_field(session: Session, locale: str) -> None:
    _, ctx = sign_up(session)
    with pytest.raises(ServiceError) as refused:
        debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Ana", phone="+525512345678", locale=locale))
    assert refused.value.field == "locale"
    assert refused.value.params["locale"] == locale
    assert session.exec(select(Debtor).where(Debtor.org_id == ctx.org_id)).all() == []


def test_an_import_takes_regional_locales_and_refuses_made_up_ones(session: Session) -> None:
    _, ctx = sign_up(session)
    headers = ["name", "phone", "invoice", "amount", "due", "language"]
    rows = [
        ["Ana", "+525512345678", "F-1", "9500.00", "2026-12-01", "es-MX"],
        ["Bea", "+5491123456789", "F-2", "10.00", "2026-12-01", "xx_YY"],
    ]
    report = imports.check_file(session, ctx, "people.csv", csv_bytes(rows, headers=headers))
    assert [(error.row, error.column) for error in report.errors] == [(3, "language")]
    assert "xx_YY" in report.errors[0].reason
    imports.import_file(session, ctx, "people.csv", csv_bytes(rows[:1], headers=headers))
    stored = session.exec(select(Debtor.locale).where(Debtor.org_id == ctx.org_id)).all()
    assert stored == ["es_MX"]


def test_a_preview_uses_the_chains_variant_with_the_debtors_own_amounts_and_dates() -> None:
    variants = {
        language: TemplateVariant(org_id=1, template_id=1, language=language, body=body)
        for language, body in {
            "en": "Hi, {{amount}} due {{due_date}}.",
            "es": "Hola, {{amount}} vence el {{due_date}}.",
        }.items()
    }
    facts = MessageFacts(
        customer_name="Ana",
        locale="es_MX",
        amount_due_minor=950_000,
        currency="MXN",
        due_on=date(2026, 12, 1),
        invoice_number="F-1",
        service="",
        payment_link="",
        payment_methods="",
        company_name="Sol",
        contact="",
    )
    shown = templates.preview(variants, facts.locale, placeholder_values(facts, date(2026, 11, 25)))
    assert shown.rendered is not None
    assert (shown.language, shown.rendered.text) == ("es", "Hola, $9,500.00 vence el 1 de diciembre de 2026.")
