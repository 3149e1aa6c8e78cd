"""Accounts and sign-in: sign-up, log-in with throttling, sessions, password resets, unlock links."""

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, delete, select

from saas_app import logs
from saas_app.auth.secrets import hash_password, hash_token, new_token, verify_password
from saas_app.core import passwords, throttle
from saas_app.core.text import is_valid_email, normalize_email
from saas_app.i18n import N_, pick
from saas_app.models import (
    LoginAttempt,
    LoginSession,
    Membership,
    OidcIdentity,
    Organization,
    PasswordReset,
    PasswordResetRequest,
    UnlockLink,
    User,
)
from saas_app.models.base import utcnow
from saas_app.services import audit, organizations
from saas_app.services.errors import ServiceError
from saas_app.services.mail import send_email
from saas_app.settings import settings

SESSION_LIFETIME = timedelta(days=14)
# A sign-in hands the browser a ticket; the HTTP route exchanges it for an HttpOnly cookie.
TICKET_LIFETIME = timedelta(minutes=2)
RESET_LIFETIME = timedelta(hours=1)
UNLOCK_LIFETIME = timedelta(hours=1)
UNLOCK_TRIES = 5  # wrong passwords typed through one unlock link before it is used up
# An address the account signed in from this recently is taken for its owner's, not a stranger's.
KNOWN_ADDRESS_MEMORY = timedelta(days=30)
log = logging.getLogger("cobro.signin")


@dataclass(frozen=True)
class MembershipView:
    org_id: int
    org_name: str
    org_slug: str
    role: str


@dataclass(frozen=True)
class Identity:
    """The signed-in person as the server sees them, re-read from the database on every use."""

    user_id: int
    email: str
    name: str
    locale: str
    session_id: int
    org_id: int | None
    role: str | None
    memberships: list[MembershipView]

    @property
    def org_name(self) -> str:
        """The name of the organization the session acts in; "" before it belongs to one."""
        return next((m.org_name for m in self.memberships if m.org_id == self.org_id), "")


def validate_password(password: str, *, about: Sequence[str] = ()) -> None:
    """The one password rule of every path (sign-up, invitation, reset, CLI): long enough, hard to guess.

    `about` is what we know of the person (name, email, company names): a password built on it is refused.
    """
    weakness = passwords.weakness(password, about)
    if weakness is not None:
        raise ServiceError(weakness, field="password", count=passwords.MIN_LENGTH)


def _clean_email(email: str) -> str:
    email = normalize_email(email)
    if not is_valid_email(email):
        raise ServiceError(N_("Enter a valid email address."), field="email")
    return email


def find_user(session: Session, email: str) -> User | None:
    """The user with this email, compared as stored (trimmed, lower-cased), or None."""
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def create_user(
    session: Session, *, email: str, name: str, password: str | None, locale: str = "en", org_name: str = ""
) -> User:
    """A new user with a checked name and password; without a password, one who signs in only through a provider.

    `org_name`, the organization they create or join, is one more thing their password must not be built on.
    """
    email = _clean_email(email)
    name = name.strip()
    if not name:
        raise ServiceError(N_("Enter your name."), field="name")
    if password is not None:
        validate_password(password, about=[name, email, org_name])
    if find_user(session, email):
        raise ServiceError(N_("An account with this email already exists. Log in instead."), field="email")
    user = User(
        email=email,
        name=name[:120],
        password_hash=hash_password(password) if password is not None else None,
        locale=pick(locale),
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class SignUp:
    user: User
    organization: Organization
    ticket: str


def sign_up(
    session: Session,
    *,
    name: str,
    email: str,
    password: str,
    org_name: str,
    first_party_confirmed: bool,
    locale: str = "en",
    country: str | None = None,
    ip: str = "",
    user_agent: str = "",
) -> SignUp:
    """Create the user and their organization in one step; the user becomes its owner.

    With a country, the organization takes its currency, time zone, language and phone region; without one
    (the demo), euros, UTC and the person's own language.
    """
    if not org_name.strip():
        raise ServiceError(N_("Enter your company's name."), field="org_name")
    if country is not None:
        organizations.checked_country(country)  # before the user exists, so that a refusal leaves nothing
    if not first_party_confirmed:
        raise ServiceError(
            N_("Cobro is only for reminding your own customers of your own invoices. Please confirm this."),
            field="first_party",
        )
    user = create_user(session, email=email, name=name, password=password, locale=locale, org_name=org_name)
    org = organizations.create_organization(
        session,
        name=org_name,
        owner=user,
        country=country,
        default_locale=None if country is not None else pick(locale),
        first_party_confirmed=True,
        ip=ip,
    )
    ticket = start_session(session, user=user, org_id=org.id, ip=ip, user_agent=user_agent)
    return SignUp(user=user, organization=org, ticket=ticket)


def start_session(
    session: Session, *, user: User, org_id: int | None = None, ip: str = "", user_agent: str = ""
) -> str:
    """Open a session and return its one-time ticket, to be exchanged by `activate_session`."""
    assert user.id is not None
    if org_id is None:
        first = session.exec(
            select(Membership).where(Membership.user_id == user.id).order_by(col(Membership.id))
        ).first()
        org_id = first.org_id if first else None
    ticket = new_token()
    session.add(
        LoginSession(
            ticket_hash=hash_token(ticket),
            user_id=user.id,
            org_id=org_id,
            expires_at=utcnow() + SESSION_LIFETIME,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    user.last_login_at = utcnow()
    session.add(user)
    return ticket


def activate_session(session: Session, ticket: str) -> str | None:
    """Exchange a fresh one-time ticket for the session token that goes into the cookie."""
    row = session.exec(select(LoginSession).where(LoginSession.ticket_hash == hash_token(ticket))).first()
    if row is None or row.revoked_at is not None or row.created_at + TICKET_LIFETIME <= utcnow():
        return None
    token = new_token()
    row.ticket_hash = None
    row.token_hash = hash_token(token)
    session.add(row)
    return token


def log_in(session: Session, *, email: str, password: str, ip: str = "", user_agent: str = "") -> str:
    """A session ticket for the right password; failures slow the guesser down (see core.throttle).

    A refused try checks no password. When the account's failures from everywhere refuse it, its
    owner is mailed an unlock link and the refusal says so, the same whether or not it exists.
    """
    email, ip, now = normalize_email(email)[:254], ip[:64], utcnow()
    user = find_user(session, email)
    decision = _sign_in_throttle(session, email=email, ip=ip, user=user, now=now)
    if not decision.allowed:
        _log_refusal("too many failed attempts", email, ip, user, under_attack=decision.account_under_attack)
        if not decision.account_under_attack:
            raise _wait_refusal(decision.retry_after)
        if user is not None:
            _mail_unlock_link(session, user, now)
            # The link must outlive the refusal, which rolls back everything else.
            session.commit()
        raise ServiceError(
            N_(
                "This account has had too many failed sign-ins, so we have emailed its owner a link to sign in. "
                "Use that link, or try again later."
            )
        )
    if not verify_password(password, user.password_hash if user else None) or user is None:
        _log_refusal("wrong email or password", email, ip, user)
        session.add(LoginAttempt(email=email, ip=ip, at=now))
        session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) <= now - throttle.WINDOW))
        # The failure must outlive the refusal, which rolls back everything else.
        session.commit()
        raise ServiceError(N_("Wrong email or password."))
    # Only this pair's slate is wiped: the owner signing in must not reset what others tried from elsewhere.
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == email, col(LoginAttempt.ip) == ip))
    return start_session(session, user=user, ip=ip, user_agent=user_agent)


def _log_refusal(why: str, email: str, ip: str, user: User | None, *, under_attack: bool = False) -> None:
    """A refused sign-in, for whoever watches for attacks: the address in full, the email masked."""
    log.warning(
        "sign-in refused: %s",
        why,
        extra={
            "user_id": user.id if user else None,
            "email": logs.mask_email(email),
            "ip": ip,
            "known_user": user is not None,
            "under_attack": under_attack,
        },
    )


def _sign_in_throttle(
    session: Session, *, email: str, ip: str, user: User | None, now: datetime
) -> throttle.ThrottleDecision:
    """The throttle's decision from the recent failures of this account, of this address, and of the two together."""
    recent = col(LoginAttempt.at) > now - throttle.WINDOW
    seen = col(LoginAttempt.email) == email
    if ip:
        seen = or_(seen, col(LoginAttempt.ip) == ip)
    failures = session.exec(select(LoginAttempt.email, LoginAttempt.ip, LoginAttempt.at).where(recent, seen)).all()
    known_address = bool(ip) and user is not None and _signed_in_from(session, user, ip, now)
    return throttle.decide(
        pair=[at for who, where, at in failures if who == email and where == ip],
        account=[at for who, _where, at in failures if who == email],
        address=[at for _who, where, at in failures if ip and where == ip],
        now=now,
        known_address=known_address,
    )


def _signed_in_from(session: Session, user: User, ip: str, now: datetime) -> bool:
    """Whether the user has opened a session from this address lately: then it is theirs, not a stranger's."""
    return (
        session.exec(
            select(LoginSession.id).where(
                LoginSession.user_id == user.id,
                LoginSession.ip == ip,
                LoginSession.created_at > now - KNOWN_ADDRESS_MEMORY,
            )
        ).first()
        is not None
    )


def _wait_refusal(retry_after: timedelta) -> ServiceError:
    """How long to wait, in seconds while that is short, else in whole minutes (rounded up)."""
    seconds = math.ceil(retry_after.total_seconds())
    if seconds < 90:
        return ServiceError(N_("Too many failed attempts. Try again in {seconds} s."), seconds=seconds)
    minutes = math.ceil(seconds / 60)
    return ServiceError(N_("Too many failed attempts. Try again in {minutes} minutes."), minutes=minutes)


def _mail_unlock_link(session: Session, user: User, now: datetime) -> None:
    """Mail the owner of an account under attack a one-time link that signs them in; not again within a while."""
    last_mailed = session.exec(
        select(UnlockLink.created_at).where(UnlockLink.user_id == user.id).order_by(col(UnlockLink.created_at).desc())
    ).first()
    if not throttle.should_mail_unlock(last_mailed, now):
        return
    token = new_token()
    session.add(
        UnlockLink(user_id=user.id or 0, token_hash=hash_token(token), created_at=now, expires_at=now + UNLOCK_LIFETIME)
    )
    send_email(
        session,
        to=user.email,
        subject="Someone is trying to sign in to your Cobro account",
        body=f"There have been many failed attempts to sign in to {user.email}, so signing in is slowed down "
        "for a while.\n"
        f"To sign in now, open this link within an hour and enter your password:\n"
        f"{settings.public_url}/unlock/{token}\n"
        "If the attempts were not yours, your password has not been given away; if it is weak, change it.",
        secret=token,
    )
    audit.record(session, action="user.unlock_link_sent", org_id=None, actor_user_id=user.id)


def _claim(session: Session, model: Any, row_id: int | None, now: datetime) -> bool:
    """Mark a one-time link used, if nobody else has a moment ago: a link works once even under concurrent use."""
    result = session.execute(
        update(model).where(col(model.id) == row_id, col(model.used_at).is_(None)).values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def _open_unlock_link(session: Session, token: str) -> UnlockLink:
    link = session.exec(select(UnlockLink).where(UnlockLink.token_hash == hash_token(token))).first()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise ServiceError(N_("This sign-in link is invalid, was already used, or has expired. Log in again."))
    return link


def unlock_link_email(session: Session, token: str) -> str:
    """The email of the account an open unlock link signs in to, for its page to show; refuses a spent link."""
    user = session.get(User, _open_unlock_link(session, token).user_id)
    return user.email if user else ""


def log_in_with_unlock_link(session: Session, *, token: str, password: str, ip: str = "", user_agent: str = "") -> str:
    """A session ticket for the right password through a mailed unlock link, whatever the sign-in waits.

    The link is used up by one sign-in, or by UNLOCK_TRIES wrong passwords.
    """
    link = _open_unlock_link(session, token)
    user = session.get(User, link.user_id)
    assert user is not None
    if not verify_password(password, user.password_hash):
        link.failures += 1
        if link.failures >= UNLOCK_TRIES:
            link.used_at = utcnow()
        session.add(link)
        # The count must outlive the refusal, which rolls back everything else.
        session.commit()
        raise ServiceError(N_("Wrong password."), field="password")
    if not _claim(session, UnlockLink, link.id, utcnow()):
        raise ServiceError(N_("This sign-in link is invalid, was already used, or has expired. Log in again."))
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == user.email, col(LoginAttempt.ip) == ip[:64]))
    audit.record(session, action="user.unlock_link_used", org_id=None, actor_user_id=user.id, ip=ip)
    return start_session(session, user=user, ip=ip, user_agent=user_agent)


def _live_session(session: Session, token: str) -> LoginSession | None:
    if not token:
        return None
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def memberships_of(session: Session, user_id: int) -> list[MembershipView]:
    """The organizations the user belongs to, with their role in each, by organization name."""
    rows = session.exec(
        select(Membership, Organization)
        .join(Organization, col(Organization.id) == Membership.org_id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    ).all()
    return [MembershipView(org.id or 0, org.name, org.slug, m.role) for m, org in rows]


def resolve_session(session: Session, token: str) -> Identity | None:
    """Who holds this token, in which organization and role; None if it is not a live session."""
    row = _live_session(session, token)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    memberships = memberships_of(session, row.user_id)
    current = next((m for m in memberships if m.org_id == row.org_id), None)
    if current is None and memberships:
        # The membership was removed, or the session predates it: fall back to another organization.
        current = memberships[0]
        row.org_id = current.org_id
        session.add(row)
    return Identity(
        user_id=row.user_id,
        email=user.email,
        name=user.name,
        locale=user.locale,
        session_id=row.id or 0,
        org_id=current.org_id if current else None,
        role=current.role if current else None,
        memberships=memberships,
    )


def log_out(session: Session, token: str) -> None:
    """Revokes the session behind this cookie, if it is still live; an unknown one is quietly ignored."""
    row = _live_session(session, token)
    if row is not None:
        row.revoked_at = utcnow()
        session.add(row)


def switch_organization(session: Session, token: str, org_id: int) -> None:
    """Makes the session act in another organization, only one the user is a member of."""
    row = _live_session(session, token)
    if row is None:
        raise ServiceError(N_("Your session has ended. Log in again."))
    member = session.exec(
        select(Membership).where(Membership.user_id == row.user_id, Membership.org_id == org_id)
    ).first()
    if member is None:
        raise ServiceError(N_("You are not a member of that organization."))
    row.org_id = org_id
    session.add(row)


def set_locale(session: Session, user_id: int, locale: str) -> str:
    """Stores the user's interface language, the closest one we support, and returns it."""
    user = session.get(User, user_id)
    if user is None:
        raise ServiceError(N_("Your session has ended. Log in again."))
    user.locale = pick(locale)
    session.add(user)
    return user.locale


def request_password_reset(session: Session, *, email: str, ip: str = "") -> None:
    """Email a reset link if the account exists and has not asked too often; the caller learns nothing either way.

    Requests are limited per email and per address (core.throttle.reset_allowed) before the account
    is looked up, so a refused request does the same work whether it exists or not; and the mail
    server's delay never reaches the caller (services.mail delivers in the background).
    """
    email, ip, now = normalize_email(email)[:254], ip[:64], utcnow()
    since = now - throttle.RESET_WINDOW
    by_account = session.exec(
        select(PasswordResetRequest.at).where(PasswordResetRequest.email == email, PasswordResetRequest.at > since)
    ).all()
    by_address = (
        session.exec(
            select(PasswordResetRequest.at).where(PasswordResetRequest.ip == ip, PasswordResetRequest.at > since)
        ).all()
        if ip
        else []
    )
    if not throttle.reset_allowed(list(by_account), list(by_address), now):
        return
    session.exec(delete(PasswordResetRequest).where(col(PasswordResetRequest.at) <= since))
    session.add(PasswordResetRequest(email=email, ip=ip, at=now))
    user = find_user(session, email)
    if user is None or user.id is None:
        return
    token = new_token()
    session.add(PasswordReset(user_id=user.id, token_hash=hash_token(token), expires_at=now + RESET_LIFETIME))
    link = f"{settings.public_url}/reset-password/{token}"
    send_email(
        session,
        to=user.email,
        subject="Reset your Cobro password",
        body=f"Someone asked to reset the password of {user.email}.\n"
        f"Open this link within an hour to choose a new one:\n{link}\n"
        "If it was not you, ignore this email.",
        secret=token,
    )
    audit.record(session, action="user.password_reset_requested", org_id=None, actor_user_id=user.id, ip=ip)


def reset_password(session: Session, *, token: str, password: str, ip: str = "") -> User:
    """A new password through an unused, unexpired reset link; every open session ends, in case the old one leaked.

    The link works once, and every other reset link of the account stops working with it.
    """
    now = utcnow()
    reset = session.exec(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise ServiceError(N_("This reset link is invalid or has expired. Ask for a new one."))
    user = session.get(User, reset.user_id)
    assert user is not None
    org_names = [m.org_name for m in memberships_of(session, user.id or 0)]
    validate_password(password, about=[user.name, user.email, *org_names])
    if not _claim(session, PasswordReset, reset.id, now):
        raise ServiceError(N_("This reset link is invalid or has expired. Ask for a new one."))
    # The other links were asked for to replace the password that is now gone.
    session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(password)
    session.add(user)
    # A new password ends every open session, in case the old one was stolen.
    for open_session in session.exec(
        select(LoginSession).where(LoginSession.user_id == user.id, col(LoginSession.revoked_at).is_(None))
    ):
        open_session.revoked_at = now
        session.add(open_session)
    audit.record(session, action="user.password_reset", org_id=None, actor_user_id=user.id, ip=ip)
    return user


def sign_in_with_oidc(
    session: Session,
    *,
    provider: str,
    subject: str,
    email: str,
    email_verified: bool,
    name: str,
    locale: str = "en",
) -> User:
    """The user behind an identity provider's verified claims; the first sign-in creates them.

    An existing account is linked by email only when the provider says the email is verified,
    so nobody can take over an account by registering its address elsewhere.
    """
    identity = session.exec(
        select(OidcIdentity).where(OidcIdentity.provider == provider, OidcIdentity.subject == subject)
    ).first()
    if identity is not None:
        user = session.get(User, identity.user_id)
        assert user is not None
        return user
    if not email or not email_verified:
        raise ServiceError(N_("Your identity provider did not confirm your email address."))
    user = find_user(session, email)
    if user is None:
        user = create_user(session, email=email, name=name or email.split("@")[0], password=None, locale=locale)
    session.add(OidcIdentity(user_id=user.id or 0, provider=provider, subject=subject))
    audit.record(session, action="user.oidc_linked", org_id=None, actor_user_id=user.id, provider=provider)
    return user
