"""Every form that sets a password refuses a weak one beside the field, in the person's language, and writes nothing."""

import re
from typing import Any

import pytest
from sqlmodel import Session, select

import saas_app.saas_app  # noqa: F401 - builds the app, registering every state
from saas_app.models import Membership, User
from saas_app.services import accounts, team
from saas_app.services.mail import console_copy
from saas_app.state.auth import InviteState, ResetPasswordState, SignUpState
from tests.factories import PASSWORD, sign_up
from tests.integration.state.test_handlers import state_for
from tests.integration.state.test_sign_up_state import sign_up_page

COMMON = "This is, or is built on, one of the most used passwords. Choose three or four unrelated words instead."
PERSONAL = (
    "Do not build the password from your name, email or company name: "
    "someone who knows you would guess it. Add a few unrelated words."
)

REPEATS = "Repeated characters or words such as 'aaaa' are easy to guess. Use a few unrelated words instead."


def sign_up_form(password: str) -> dict[str, Any]:
    return {
        "name": "Ana Silva",
        "email": "ana@example.com",
        "password": password,
        "org_name": "Alpha Company",
        "first_party": "on",
        "country": "IT",
    }


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password12", COMMON),
        ("qwertyuiop", COMMON),
        ("aaaaaaaaaa", REPEATS),
        ("alpha2026Company", PERSONAL),
    ],
)
def test_sign_up_refuses_a_weak_password_beside_the_field(session: Session, password: str, message: str) -> None:
    page = sign_up_page("en")
    SignUpState.load.fn(page)
    SignUpState.submit.fn(page, sign_up_form(password))
    assert (page.error_field, page.error) == ("password", message)
    assert session.exec(select(User)).first() is None


def test_the_refusal_is_in_the_persons_language(session: Session) -> None:
    page = sign_up_page("it")
    SignUpState.load.fn(page)
    SignUpState.submit.fn(page, sign_up_form("password12"))
    assert page.error_field == "password"
    assert page.error.startswith("Questa è una delle password più usate")


def test_a_reset_link_refuses_a_weak_password_and_stays_usable(session: Session) -> None:
    sign_up(session, org_name="Alpha Company", email="ana@example.com")
    accounts.request_password_reset(session, email="ana@example.com")
    session.commit()
    found = re.search(r"/reset-password/([A-Za-z0-9_-]+)", console_copy("ana@example.com") or "")
    assert found is not None
    page = state_for(ResetPasswordState, path=f"/reset-password/{found.group(1)}")
    for weak, message in [("password12", COMMON), ("AlphaCompany2026", PERSONAL)]:
        ResetPasswordState.submit.fn(page, {"password": weak})
        assert (page.error_field, page.error, page.done) == ("password", message, False)
    ResetPasswordState.submit.fn(page, {"password": "lamp river orange cloud"})
    assert (page.error, page.done) == ("", True)
    assert accounts.log_in(session, email="ana@example.com", password="lamp river orange cloud")


def test_accepting_an_invitation_refuses_a_password_built_on_the_company_and_joins_nobody(session: Session) -> None:
    _, owner = sign_up(session, org_name="Alpha Company")
    link = team.invite(session, owner, email="bea@example.com", role="collector")
    session.commit()
    page = state_for(InviteState, path="/invite/" + link.rsplit("/", 1)[-1])
    for weak, message in [("alphacompany1", PERSONAL), ("qwertyuiop", COMMON)]:
        InviteState.create_account.fn(page, {"name": "Bea", "password": weak})
        assert (page.error_field, page.error) == ("password", message)
    assert accounts.find_user(session, "bea@example.com") is None
    assert InviteState.create_account.fn(page, {"name": "Bea", "password": PASSWORD}) is not None
    assert page.error == ""
    session.expire_all()
    bea = accounts.find_user(session, "bea@example.com")
    assert bea is not None
    assert session.exec(select(Membership.org_id).where(Membership.user_id == bea.id)).one() == owner.org_id
