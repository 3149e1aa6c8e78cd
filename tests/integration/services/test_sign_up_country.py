"""The country given at sign-up sets up the organization: its currency, time zone, languages and phone region."""

from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from saas_app.core.countries import countries_for, currencies_in_use, time_zones_for
from saas_app.models import AuditLog, Debtor, Organization, User
from saas_app.services import accounts, imports, organizations
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from tests.factories import PASSWORD

BRAZILIAN_FILE = Path(__file__).resolve().parents[2] / "data" / "invoices_pt_BR.csv"


def sign_up_in(session: Session, country: str | None, email: str = "dona@example.com.br") -> accounts.SignUp:
    result = accounts.sign_up(
        session,
        name="Dona Maria",
        email=email,
        password=PASSWORD,
        org_name="Fibra Rápida",
        first_party_confirmed=True,
        locale="en",
        country=country,
    )
    session.commit()
    return result


def test_a_brazilian_business_starts_in_reais_in_sao_paulo_speaking_brazilian_portuguese(session: Session) -> None:
    org = sign_up_in(session, "br").organization
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("BR", "BRL", "America/Sao_Paulo", "pt_BR")
    assert org.language_fallback == ["pt_BR", "en"]


def test_a_brazilian_business_imports_its_local_phone_numbers(session: Session) -> None:
    signed_up = sign_up_in(session, "BR")
    assert signed_up.user.id is not None
    assert signed_up.organization.id is not None
    owner = OrgContext(user_id=signed_up.user.id, org_id=signed_up.organization.id, role="owner")
    report = imports.import_file(session, owner, BRAZILIAN_FILE.name, BRAZILIAN_FILE.read_bytes())
    assert report.errors == []
    assert report.written
    assert (report.total_rows, report.invoices_created) == (10, 10)
    phones = set(session.exec(select(Debtor.phone).where(Debtor.org_id == owner.org_id)).all())
    assert len(phones) == 9  # Ana Souza owes two invoices
    assert {"+5511987654321", "+5521998765432", "+5531981234567"} <= phones


@pytest.mark.parametrize("country", ["", "XX", "EU", "BRA", "<script>"])
def test_an_unknown_country_is_refused_on_its_field_and_nothing_is_created(session: Session, country: str) -> None:
    with pytest.raises(ServiceError) as refused:
        sign_up_in(session, country)
    assert refused.value.field == "country"
    session.rollback()
    assert session.exec(select(func.count()).select_from(User)).one() == 0
    assert session.exec(select(func.count()).select_from(Organization)).one() == 0


def test_without_a_country_the_organization_keeps_the_old_defaults(session: Session) -> None:
    org = sign_up_in(session, None).organization
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("", "EUR", "UTC", "en")


def test_what_a_country_proposes_can_be_changed_when_creating_the_organization(session: Session) -> None:
    owner = sign_up_in(session, "IT").user
    org = organizations.create_organization(
        session, name="Filiale", owner=owner, country="IT", currency="USD", first_party_confirmed=True
    )
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("IT", "USD", "Europe/Rome", "it")


def owner_of(signed_up: accounts.SignUp) -> OrgContext:
    assert signed_up.user.id is not None
    assert signed_up.organization.id is not None
    return OrgContext(user_id=signed_up.user.id, org_id=signed_up.organization.id, role="owner")


def test_the_country_is_changed_in_settings_and_audited(session: Session) -> None:
    owner = owner_of(sign_up_in(session, None))
    current = organizations.settings_of(session, owner)
    saved = organizations.update_settings(session, owner, replace(current, country="br"))
    assert saved.country == "BR"
    assert organizations.settings_of(session, owner).country == "BR"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "organization.settings_changed")).one()
    assert entry.details["changes"]["country"] == {"from": "", "to": "BR"}


@pytest.mark.parametrize("country", ["XX", "Brasil", "<script>"])
def test_a_forged_country_in_settings_is_refused_and_changes_nothing(session: Session, country: str) -> None:
    owner = owner_of(sign_up_in(session, "BR"))
    before = organizations.settings_of(session, owner)
    with pytest.raises(ServiceError) as refused:
        organizations.update_settings(session, owner, replace(before, country=country))
    assert refused.value.field == "country"
    session.rollback()
    assert organizations.settings_of(session, owner) == before


def test_every_country_currency_and_zone_offered_in_settings_is_accepted(session: Session) -> None:
    owner = owner_of(sign_up_in(session, "BR"))
    current = organizations.settings_of(session, owner)
    for currency in currencies_in_use():
        organizations.validate_settings(replace(current, currency=currency))
    for zone in time_zones_for("BR"):
        organizations.validate_settings(replace(current, timezone=zone))
    for country, _ in countries_for("pt"):
        organizations.validate_settings(replace(current, country=country))
