import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from saas_app.auth.secrets import hash_token
from saas_app.core import throttle
from saas_app.models import AuditLog, LoginSession, Membership, OutboundEmail, PasswordReset, User
from saas_app.models.base import utcnow
from saas_app.services import accounts
from saas_app.services.errors import ServiceError
from saas_app.services.mail import WITHHELD, console_copy, latest_email_to
from tests.factories import PASSWORD, session_token, sign_up

WRONG = "guess-guess-guess"
OWNER_ADDRESS = "198.51.100.7"
ATTACKER_ADDRESS = "203.0.113.9"


class Clock:
    """The time the accounts service sees, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(accounts, "utcnow", clock)
    return clock


@pytest.fixture(autouse=True)
def quick_guesses(monkeypatch: pytest.MonkeyPatch) -> None:
    """WRONG is refused without Argon2's half second, so that tests can make many guesses; others are checked."""
    real = accounts.verify_password
    monkeypatch.setattr(
        accounts, "verify_password", lambda password, hashed: password != WRONG and real(password, hashed)
    )


def fail(session: Session, email: str, ip: str, times: int = 1, clock: Clock | None = None) -> None:
    """Wrong passwords; with a clock, each after the previous one's wait (within the window, for them all to count)."""
    for _ in range(times):
        with pytest.raises(ServiceError, match="Wrong email or password"):
            accounts.log_in(session, email=email, password=WRONG, ip=ip)
        if clock is not None:
            clock.advance(timedelta(minutes=2))


def refusal(attempt: Callable[[], object]) -> str:
    with pytest.raises(ServiceError) as refused:
        attempt()
    return str(refused.value)


def mailed_link(address: str, path: str) -> str:
    """The token of the link in the newest email to `address`, read where the developer reads it: the console."""
    body = console_copy(address)
    assert body is not None
    found = re.search(rf"/{path}/([A-Za-z0-9_-]+)", body)
    assert found is not None
    return found.group(1)


def mails_to(session: Session, address: str) -> int:
    return session.exec(select(func.count()).select_from(OutboundEmail).where(OutboundEmail.to == address)).one()


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


def test_failures_from_another_address_do_not_lock_the_owner_out(session: Session, clock: Clock) -> None:
    """The flaw found: five wrong passwords by anyone blocked the account for 15 minutes, right password or not."""
    sign_up(session, email="ana@example.com")
    fail(session, "ana@example.com", ATTACKER_ADDRESS, times=throttle.FREE_FAILURES_PER_ACCOUNT - 1, clock=clock)
    assert accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS)


def test_a_guesser_waits_longer_after_each_failure_and_the_right_password_waits_too(
    session: Session, clock: Clock
) -> None:
    sign_up(session, email="ana@example.com")
    fail(session, "ana@example.com", ATTACKER_ADDRESS, times=throttle.FREE_FAILURES_PER_PAIR)
    right = lambda: accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=ATTACKER_ADDRESS)  # noqa: E731
    assert refusal(right) == "Too many failed attempts. Try again in 1 s."
    clock.advance(timedelta(seconds=1))
    fail(session, "ana@example.com", ATTACKER_ADDRESS)
    assert refusal(right) == "Too many failed attempts. Try again in 2 s."
    clock.advance(timedelta(seconds=2))
    fail(session, "ana@example.com", ATTACKER_ADDRESS)
    assert refusal(right) == "Too many failed attempts. Try again in 4 s."
    clock.advance(timedelta(seconds=4))
    assert right(), "once the wait is over, the right password signs in"
    fail(session, "ana@example.com", ATTACKER_ADDRESS)  # a success wiped this pair's slate
    assert right()


def test_an_address_guessing_many_accounts_is_slowed_but_not_for_accounts_that_signed_in_from_it(
    session: Session, clock: Clock
) -> None:
    """The flaw found: twenty failures from one address blocked every account behind it."""
    sign_up(session, email="ana@example.com")
    sign_up(session, email="bruno@example.com")
    assert accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS)
    session.commit()
    for n in range(throttle.FREE_FAILURES_PER_ADDRESS):
        fail(session, f"guess{n}@example.com", OWNER_ADDRESS)
    assert "Too many failed attempts" in refusal(
        lambda: accounts.log_in(session, email="bruno@example.com", password=PASSWORD, ip=OWNER_ADDRESS)
    )
    assert accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS)
    assert accounts.log_in(session, email="bruno@example.com", password=PASSWORD, ip=ATTACKER_ADDRESS)


def test_an_account_guessed_from_many_addresses_mails_its_owner_a_one_time_unlock_link(
    session: Session, clock: Clock
) -> None:
    sign_up(session, email="ana@example.com")
    for n in range(throttle.FREE_FAILURES_PER_ACCOUNT):
        fail(session, "ana@example.com", f"10.0.0.{n}")
    message = refusal(lambda: accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS))
    assert "we have emailed its owner a link to sign in" in message
    token = mailed_link("ana@example.com", "unlock")
    stored = latest_email_to(session, "ana@example.com")
    assert stored is not None
    assert token not in stored.body
    assert f"/unlock/{WITHHELD}" in stored.body
    refusal(lambda: accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS))
    assert mails_to(session, "ana@example.com") == 1, "a refusal a moment later mails nobody again"

    assert accounts.unlock_link_email(session, token) == "ana@example.com"
    assert refusal(
        lambda: accounts.log_in_with_unlock_link(session, token=token, password=WRONG, ip=OWNER_ADDRESS)
    ) == ("Wrong password.")
    ticket = accounts.log_in_with_unlock_link(session, token=token, password=PASSWORD, ip=OWNER_ADDRESS)
    session.commit()
    identity = accounts.resolve_session(session, session_token(session, ticket))
    assert identity is not None
    assert identity.email == "ana@example.com"
    assert "already used" in refusal(
        lambda: accounts.log_in_with_unlock_link(session, token=token, password=PASSWORD, ip=OWNER_ADDRESS)
    )


def test_an_account_under_attack_is_refused_in_the_same_words_whether_it_exists_or_not(
    session: Session, clock: Clock
) -> None:
    sign_up(session, email="ana@example.com")
    for email in ("ana@example.com", "nobody@example.com"):
        for n in range(throttle.FREE_FAILURES_PER_ACCOUNT):
            fail(session, email, f"10.0.1.{n}")
    exists = refusal(lambda: accounts.log_in(session, email="ana@example.com", password=WRONG, ip=OWNER_ADDRESS))
    unknown = refusal(lambda: accounts.log_in(session, email="nobody@example.com", password=WRONG, ip=OWNER_ADDRESS))
    assert exists == unknown
    assert mails_to(session, "nobody@example.com") == 0


def test_an_unlock_link_is_used_up_by_wrong_passwords_and_expires(session: Session, clock: Clock) -> None:
    sign_up(session, email="ana@example.com")
    for n in range(throttle.FREE_FAILURES_PER_ACCOUNT):
        fail(session, "ana@example.com", f"10.0.2.{n}")
    refusal(lambda: accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS))
    guessed = mailed_link("ana@example.com", "unlock")
    for _ in range(accounts.UNLOCK_TRIES):
        refusal(lambda: accounts.log_in_with_unlock_link(session, token=guessed, password=WRONG))
    assert "already used" in refusal(
        lambda: accounts.log_in_with_unlock_link(session, token=guessed, password=PASSWORD)
    )

    clock.advance(throttle.WINDOW)  # the first attack is forgotten; a second one mails a new link
    for n in range(throttle.FREE_FAILURES_PER_ACCOUNT):
        fail(session, "ana@example.com", f"10.0.3.{n}")
    refusal(lambda: accounts.log_in(session, email="ana@example.com", password=PASSWORD, ip=OWNER_ADDRESS))
    late = mailed_link("ana@example.com", "unlock")
    assert late != guessed
    clock.advance(accounts.UNLOCK_LIFETIME)
    assert "expired" in refusal(lambda: accounts.unlock_link_email(session, late))


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
    token = mailed_link("ana@example.com", "reset-password")
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


def test_a_stored_reset_email_does_not_hold_the_live_link(session: Session) -> None:
    """The flaw found: the outboundemail table held every reset link in clear."""
    sign_up(session, email="ana@example.com")
    accounts.request_password_reset(session, email="ana@example.com")
    session.commit()
    token = mailed_link("ana@example.com", "reset-password")
    stored = latest_email_to(session, "ana@example.com")
    assert stored is not None
    assert token not in stored.body
    assert f"/reset-password/{WITHHELD}" in stored.body
    assert session.exec(select(PasswordReset.token_hash)).all() == [hash_token(token)]


def test_a_reset_link_expires_after_its_lifetime(session: Session, clock: Clock) -> None:
    sign_up(session, email="ana@example.com")
    accounts.request_password_reset(session, email="ana@example.com")
    token = mailed_link("ana@example.com", "reset-password")
    clock.advance(accounts.RESET_LIFETIME)
    assert "invalid or has expired" in refusal(
        lambda: accounts.reset_password(session, token=token, password="a brand new password")
    )


def test_using_one_reset_link_ends_every_other_one(session: Session) -> None:
    sign_up(session, email="ana@example.com")
    accounts.request_password_reset(session, email="ana@example.com")
    first = mailed_link("ana@example.com", "reset-password")
    accounts.request_password_reset(session, email="ana@example.com")
    second = mailed_link("ana@example.com", "reset-password")
    accounts.reset_password(session, token=second, password="a brand new password")
    session.commit()
    assert "invalid or has expired" in refusal(
        lambda: accounts.reset_password(session, token=first, password="yet another password")
    )
    assert accounts.log_in(session, email="ana@example.com", password="a brand new password")


def test_reset_requests_are_limited_per_account_whatever_the_address(session: Session, clock: Clock) -> None:
    """The flaw found: ten requests in seven seconds made ten live tokens."""
    sign_up(session, email="ana@example.com")
    for n in range(10):
        assert accounts.request_password_reset(session, email="ana@example.com", ip=f"10.0.4.{n}") is None
    session.commit()
    assert mails_to(session, "ana@example.com") == throttle.RESETS_PER_ACCOUNT
    assert len(session.exec(select(PasswordReset)).all()) == throttle.RESETS_PER_ACCOUNT
    clock.advance(throttle.RESET_WINDOW)
    accounts.request_password_reset(session, email="ana@example.com", ip=OWNER_ADDRESS)
    assert mails_to(session, "ana@example.com") == throttle.RESETS_PER_ACCOUNT + 1, "an hour later it may ask again"


def test_reset_requests_are_limited_per_address_whatever_the_account(session: Session) -> None:
    emails = [f"user{n}@example.com" for n in range(throttle.RESETS_PER_ADDRESS + 2)]
    for email in emails:
        sign_up(session, email=email)
    for email in emails:
        accounts.request_password_reset(session, email=email, ip=ATTACKER_ADDRESS)
    session.commit()
    assert len(session.exec(select(PasswordReset)).all()) == throttle.RESETS_PER_ADDRESS
    accounts.request_password_reset(session, email=emails[-1], ip=OWNER_ADDRESS)
    assert mails_to(session, emails[-1]) == 1, "the owner, from their own address, still gets a link"


def test_requests_for_an_unknown_email_count_alike_so_the_limit_reveals_nothing(session: Session) -> None:
    for n in range(throttle.RESETS_PER_ADDRESS):
        accounts.request_password_reset(session, email=f"nobody{n}@example.com", ip=ATTACKER_ADDRESS)
    sign_up(session, email="ana@example.com")
    accounts.request_password_reset(session, email="ana@example.com", ip=ATTACKER_ADDRESS)
    assert mails_to(session, "ana@example.com") == 0
