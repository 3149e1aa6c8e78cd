"""The sign-up form proposes a country from the browser and the server checks the one submitted."""

from typing import Any

import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, select

import saas_app.saas_app  # noqa: F401 - builds the app, registering every state
from saas_app.models import Organization, User
from saas_app.state.auth import SignUpState
from tests.factories import PASSWORD


def sign_up_page(accept_language: str) -> Any:
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {"headers": {"accept-language": accept_language}, "pathname": "/signup", "asPath": "/signup"}
    )
    return root.get_substate(SignUpState.get_full_name().split(".")[1:])


def form(email: str, country: str) -> dict[str, Any]:
    return {
        "name": "Dona Maria",
        "email": email,
        "password": PASSWORD,
        "org_name": "Fibra Rápida",
        "first_party": "on",
        "country": country,
    }


def test_the_browser_language_and_time_zone_propose_the_country_in_its_language() -> None:
    page = sign_up_page("es;q=0.9")
    SignUpState.load.fn(page)
    assert page.country == "ES"
    SignUpState.propose_country.fn(page, "America/Mexico_City")
    assert page.country == "MX"
    assert ["MX", "México"] in page.country_choices


def test_a_country_the_person_picked_is_not_overridden_by_the_time_zone() -> None:
    page = sign_up_page("pt-PT")
    SignUpState.load.fn(page)
    SignUpState.choose_country.fn(page, "br")
    SignUpState.propose_country.fn(page, "Europe/Lisbon")
    assert page.country == "BR"


def test_the_submitted_country_sets_up_the_organization(session: Session) -> None:
    page = sign_up_page("pt-BR")
    SignUpState.submit.fn(page, form("dona@example.com.br", "BR"))
    assert page.error == ""
    org = session.exec(select(Organization)).one()
    assert (org.country, org.currency, org.timezone) == ("BR", "BRL", "America/Sao_Paulo")


def test_a_forged_country_is_refused_beside_the_field_and_creates_nothing(session: Session) -> None:
    page = sign_up_page("pt-BR")
    SignUpState.load.fn(page)
    SignUpState.submit.fn(page, form("forger@example.com", "XX"))
    assert page.error_field == "country"
    assert page.error == "Escolha o seu país na lista."
    assert session.exec(select(User)).first() is None
