"""Organizations, people, their access, and the audit trail."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from saas_app.models.base import utc_field


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=60, unique=True, index=True)
    default_locale: str = Field(default="en", max_length=10)
    currency: str = Field(default="EUR", max_length=3)
    timezone: str = Field(default="UTC", max_length=64)
    # The country debtors' phone numbers default to when written without +code.
    country: str = Field(default="", max_length=2)
    sender_name: str = Field(default="", max_length=120)
    contact: str = Field(default="", max_length=200)
    # How debtors can pay (bank transfer, Pix key, card...), shown where a template says {{payment_methods}}.
    payment_methods: str = Field(default="", max_length=500)
    # The link {{payment_link}} shows when an invoice has none, e.g. https://pay.example.com/{invoice_number}
    payment_link_template: str = Field(default="", max_length=500)
    # The languages tried, in order, when a template has no variant in a debtor's language or its
    # base language (pt_BR -> pt): e.g. ["pt_BR", "en"] for a Brazilian business.
    language_fallback: list[str] = Field(
        default_factory=lambda: ["en"], sa_column=Column(JSON, nullable=False, server_default='["en"]')
    )
    # WhatsApp forbids third-party debt collection: who confirmed first-party use, and when.
    first_party_confirmed_by_id: int | None = Field(default=None, foreign_key="user.id")
    first_party_confirmed_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    locale: str = Field(default="en", max_length=10)
    created_at: datetime = utc_field(default_now=True)
    last_login_at: datetime | None = utc_field(nullable=True)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=20)
    created_at: datetime = utc_field(default_now=True)


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    email: str = Field(max_length=254)
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    accepted_at: datetime | None = utc_field(nullable=True)
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id")
    revoked_at: datetime | None = utc_field(nullable=True)


class LoginSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds the token, the database only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    # Set when the browser exchanges its one-time ticket for the cookie (see services.accounts).
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    # The organization this browser is working in; switching changes it after a membership check.
    org_id: int | None = Field(default=None, foreign_key="organization.id")
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    revoked_at: datetime | None = utc_field(nullable=True)


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(default="read", max_length=100)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)
    last_used_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)


class AuditLog(SQLModel, table=True):
    # A debtor's file lists what was done to the debtor and to each of their invoices.
    __table_args__ = (Index("ix_auditlog_org_target", "org_id", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=60)
    target_type: str = Field(default="", max_length=40)
    target_id: str = Field(default="", max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ip: str = Field(default="", max_length=64)
    created_at: datetime = utc_field(default_now=True, index=True)


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins, kept to slow down password guessing per account and per address."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=64, index=True)
    at: datetime = utc_field(default_now=True, index=True)


class PasswordReset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class PasswordResetRequest(SQLModel, table=True):
    """Each reset request that was answered with a mail (or would have been, for an unknown email), to limit them."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=64, index=True)
    at: datetime = utc_field(default_now=True, index=True)


class UnlockLink(SQLModel, table=True):
    """A one-time link mailed to the owner of an account under attack: with it, their password signs in at once."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
    # Wrong passwords typed through this link; a few of them use it up.
    failures: int = Field(default=0)


class OidcIdentity(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    provider: str = Field(max_length=40)
    subject: str = Field(max_length=255)
    created_at: datetime = utc_field(default_now=True)


class OutboundEmail(SQLModel, table=True):
    """Every email the product sends, as sent except for its secret (a token in a link): see services.mail."""

    id: int | None = Field(default=None, primary_key=True)
    to: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=200)
    body: str
    created_at: datetime = utc_field(default_now=True)
    sent_at: datetime | None = utc_field(nullable=True)
