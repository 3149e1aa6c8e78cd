"""A first sign-in through an identity provider creates the organization in a country, as sign-up does."""

from typing import Any

import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, select

import saas_app.saas_app  # noqa: F401 - builds the app, registering every state
from saas_app.auth.cookies import SESSION_COOKIE
from saas_app.models import Organization
from saas_app.services import accounts
from saas_app.state.auth import OnboardingState
from tests.factories import session_token


def signed_in_without_organization(session: Session) -> str:
    """The session token of someone who just signed in through a provider for the first time."""
    user = accounts.sign_in_with_oidc(
        session,
        provider="corp",
        subject="olga-0001",
        email="olga@example.com",
        email_verified=True,
        name="Olga Costa",
        locale="pt",
    )
    return session_token(session, accounts.start_session(session, user=user))


def onboarding_page(token: str, accept_language: str) -> Any:
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {
            "headers": {"cookie": f"{SESSION_COOKIE}={token}", "accept-language": accept_language},
            "pathname": "/onboarding",
            "asPath": "/onboarding",
        }
    )
    return root.get_substate(OnboardingState.get_full_name().split(".")[1:])


def form(country: str) -> dict[str, Any]:
    return {"org_name": "Olga Consultoria", "first_party": "on", "country": country}


def test_onboarding_proposes_the_country_from_the_browsers_language_and_time_zone(session: Session) -> None:
    page = onboarding_page(signed_in_without_organization(session), "es;q=0.9")
    OnboardingState.load.fn(page)
    assert page.country == "ES"
    OnboardingState.propose_country.fn(page, "America/Mexico_City")
    assert page.country == "MX"
    assert ["BR", "Brasil"] in page.country_choices, "named in the person's language (Portuguese)"


def test_the_chosen_country_sets_up_the_new_organization(session: Session) -> None:
    token = signed_in_without_organization(session)
    page = onboarding_page(token, "pt-BR")
    OnboardingState.load.fn(page)
    OnboardingState.choose_country.fn(page, "br")
    OnboardingState.propose_country.fn(page, "Europe/Lisbon")
    assert page.country == "BR", "the person's choice is not overridden by the time zone"
    result = OnboardingState.submit.fn(page, form("BR"))
    assert page.error == ""
    assert "/dashboard" in str(getattr(result, "args", ""))
    org = session.exec(select(Organization)).one()
    assert (org.country, org.currency, org.timezone, org.default_locale) == ("BR", "BRL", "America/Sao_Paulo", "pt_BR")
    session.expire_all()
    identity = accounts.resolve_session(session, token)
    assert identity is not None
    assert (identity.org_id, identity.role) == (org.id, "owner")


def test_a_forged_country_is_refused_beside_the_field_and_creates_nothing(session: Session) -> None:
    page = onboarding_page(signed_in_without_organization(session), "pt-BR")
    OnboardingState.load.fn(page)
    assert OnboardingState.submit.fn(page, form("XX")) is None
    assert page.error_field == "country"
    assert page.error == "Escolha o seu país na lista.", "in the person's own language"
    assert session.exec(select(Organization)).first() is None
