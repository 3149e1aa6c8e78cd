from datetime import timedelta

import pytest
from sqlmodel import Session, select

from saas_app.auth.secrets import hash_token
from saas_app.core.throttle import MAX_FAILURES_PER_ACCOUNT
from saas_app.models import AuditLog, LoginSession, Membership, User
from saas_app.models.base import utcnow
from saas_app.services import accounts
from saas_app.services.errors import ServiceError
from saas_app.services.mail import latest_email_to
from tests.factories import PASSWORD, session_token, sign_up


def test_sign_up_creates_user_organization_and_owner_membership(session: Session) -> None:
    result, ctx = sign_up(session, org_name="Açaí Distribuidora", email="Ana@Example.com")
    assert result.user.email == "ana@example.com"
    assert result.organization.slug == "acai-distribuidora"
    assert result.organization.first_party_confirmed_at is not None
    member = session.exec(select(Membership).where(Membership.user_id == ctx.user_id)).one()
    assert (member.org_id, member.role) == (ctx.org_id, "owner")
    assert session.exec(select(AuditLog).where(AuditLog.action == "organization.created")).one().org_id == ctx.org_id


def test_two_organizations_with_the_same_name_get_distinct_slugs(session: Session) -> None:
    first, _ = sign_up(session, org_name="Acme")
    second, _ = sign_up(session, org_name="Acme")
    assert (first.organization.slug, second.organization.slug) == ("acme", "acme-2")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"name": "  "}, "name"),
        ({"org_name": ""}, "org_name"),
        ({"first_party_confirmed": False}, "first_party"),
    ],
)
def test_sign_up_refuses_bad_input_and_writes_nothing(session: Session, changes: dict, field: str) -> None:
    form = {
        "name": "Ana",
        "email": "ana@example.com",
        "password": PASSWORD,
        "org_name": "Acme",
        "first_party_confirmed": True,
    } | changes
    with pytest.raises(ServiceError) as raised:
        accounts.sign_up(session, **form)
    session.rollback()
    assert raised.value.field == field
    assert session.exec(select(User)).all() == []


def test_an_email_can_sign_up_only_once(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    with pytest.raises(ServiceError, match="already exists"):
        sign_up(session, email="ANA@example.com")


def test_log_in_resolves_to_the_user_and_organization(session: Session) -> None:
    _result, ctx = sign_up(session, email="ana@example.com")
    token = session_token(session, accounts.log_in(session, email="ana@example.com", password=PASSWORD))
    identity = accounts.resolve_session(session, token)
    assert identity is not None
    assert (identity.user_id, identity.org_id, identity.role) == (ctx.user_id, ctx.org_id, "owner")


def test_session_tokens_are_stored_only_as_hashes(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    ticket = accounts.log_in(session, email="ana@example.com", password=PASSWORD)
    token = session_token(session, ticket)
    stored = session.exec(select(LoginSession.token_hash, LoginSession.ticket_hash)).all()
    assert all(token not in row and ticket not in row for row in stored)


def test_a_ticket_works_once(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    ticket = accounts.log_in(session, email="ana@example.com", password=PASSWORD)
    assert accounts.activate_session(session, ticket)
    assert accounts.activate_session(session, ticket) is None


def test_a_stale_ticket_is_refused(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    ticket = accounts.log_in(session, email="ana@example.com", password=PASSWORD)
    row = session.exec(select(LoginSession).where(LoginSession.ticket_hash == hash_token(ticket))).one()
    row.created_at = utcnow() - accounts.TICKET_LIFETIME - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert accounts.activate_session(session, ticket) is None


def test_wrong_password_and_unknown_email_get_the_same_answer(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    with pytest.raises(ServiceError) as wrong_password:
        accounts.log_in(session, email="ana@example.com", password="wrong password!")
    with pytest.raises(ServiceError) as unknown:
        accounts.log_in(session, email="nobody@example.com", password="wrong password!")
    assert str(wrong_password.value) == str(unknown.value) == "Wrong email or password."


def test_repeated_failures_lock_the_account_even_for_the_right_password(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ServiceError):
            accounts.log_in(session, email="ana@example.com", password="guess-guess-guess", ip="203.0.113.9")
    with pytest.raises(ServiceError, match="Too many failed attempts"):
        accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip="198.51.100.7")


def test_log_out_ends_the_session(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    token = session_token(session, accounts.log_in(session, email="ana@example.com", password=PASSWORD))
    accounts.log_out(session, token)
    assert accounts.resolve_session(session, token) is None


def test_expired_sessions_are_not_accepted(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    token = session_token(session, accounts.log_in(session, email="ana@example.com", password=PASSWORD))
    for row in session.exec(select(LoginSession)):
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    session.commit()
    assert accounts.resolve_session(session, token) is None


def test_password_reset_by_emailed_link(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    old = session_token(session, accounts.log_in(session, email="ana@example.com", password=PASSWORD))
    accounts.request_password_reset(session, email="ana@example.com")
    email = latest_email_to(session, "ana@example.com")
    assert email is not None
    token = email.body.split("/reset-password/")[1].split()[0]
    accounts.reset_password(session, token=token, password="a brand new password")
    session.commit()
    assert accounts.resolve_session(session, old) is None, "a new password ends the old sessions"
    assert accounts.log_in(session, email="ana@example.com", password="a brand new password")
    with pytest.raises(ServiceError, match="invalid or has expired"):
        accounts.reset_password(session, token=token, password="yet another password")


def test_reset_for_an_unknown_email_sends_nothing(session: Session) -> None:
    accounts.request_password_reset(session, email="nobody@example.com")
    assert latest_email_to(session, "nobody@example.com") is None


def test_switching_organization_needs_a_membership(session: Session) -> None:
    _, mine = sign_up(session, email="ana@example.com")
    _, theirs = sign_up(session, email="bruno@example.com")
    token = session_token(session, accounts.log_in(session, email="ana@example.com", password=PASSWORD))
    with pytest.raises(ServiceError, match="not a member"):
        accounts.switch_organization(session, token, theirs.org_id)
    identity = accounts.resolve_session(session, token)
    assert identity is not None
    assert identity.org_id == mine.org_id


def test_oidc_first_sign_in_creates_the_user_and_later_ones_find_it(session: Session) -> None:
    user = accounts.sign_in_with_oidc(
        session, provider="corp", subject="abc", email="Carla@Example.com", email_verified=True, name="Carla"
    )
    again = accounts.sign_in_with_oidc(
        session, provider="corp", subject="abc", email="changed@example.com", email_verified=True, name="Carla"
    )
    assert user.id == again.id
    assert user.email == "carla@example.com"
    assert user.password_hash is None


def test_oidc_never_links_an_unverified_email_to_an_existing_account(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    with pytest.raises(ServiceError, match="did not confirm"):
        accounts.sign_in_with_oidc(
            session, provider="corp", subject="x", email="ana@example.com", email_verified=False, name="Eve"
        )
