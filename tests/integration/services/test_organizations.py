import pytest
from sqlmodel import Session, select

from saas_app.models import AuditLog
from saas_app.services import organizations
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.services.organizations import OrganizationSettings
from tests.factories import add_member, sign_up

GOOD = OrganizationSettings(
    name="Padaria Sol",
    default_locale="pt_BR",
    currency="brl",
    timezone="America/Sao_Paulo",
    sender_name="",
    contact="+55 11 4000-1234",
)


def test_settings_are_saved_normalized_and_audited(session: Session) -> None:
    _, owner = sign_up(session)
    saved = organizations.update_settings(session, owner, GOOD)
    assert (saved.currency, saved.sender_name) == ("BRL", "Padaria Sol")
    assert organizations.settings_of(session, owner) == saved
    entry = session.exec(select(AuditLog).where(AuditLog.action == "organization.settings_changed")).one()
    assert entry.details["changes"]["currency"] == {"from": "EUR", "to": "BRL"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "REAIS"}, "currency"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"default_locale": "klingon"}, "default_locale"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_settings_are_refused_by_field_and_change_nothing(session: Session, change: dict, field: str) -> None:
    _, owner = sign_up(session)
    before = organizations.settings_of(session, owner)
    with pytest.raises(ServiceError) as raised:
        organizations.update_settings(session, owner, OrganizationSettings(**(GOOD.__dict__ | change)))
    assert raised.value.field == field
    session.rollback()
    assert organizations.settings_of(session, owner) == before


@pytest.mark.parametrize("role", ["collector", "viewer"])
def test_only_owners_and_admins_change_settings(session: Session, role: str) -> None:
    _, owner = sign_up(session)
    member = add_member(session, owner, role)
    with pytest.raises(PermissionDenied):
        organizations.update_settings(session, member, GOOD)
    admin = add_member(session, owner, "admin")
    assert organizations.update_settings(session, admin, GOOD).currency == "BRL"
