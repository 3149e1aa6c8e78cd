"""Other systems and us: API calls answered once per Idempotency-Key, payment events, outbound webhooks."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from saas_app.models.base import utc_field


class IdempotencyRecord(SQLModel, table=True):
    """The answer given to a POST with an Idempotency-Key: a retry with the same key gets it again."""

    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)  # method, path and body: the same key with another request is refused
    status_code: int
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_field(default_now=True, index=True)


class PaymentEndpoint(SQLModel, table=True):
    """Where an organization's payment provider posts events, and the secrets that sign them."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", unique=True)
    public_id: str = Field(max_length=40, unique=True)  # in the URL; not a secret
    signing_secret_sealed: str = Field(default="", max_length=500)  # our own format
    stripe_secret_sealed: str = Field(default="", max_length=500)  # Stripe's whsec_...
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class PaymentEvent(SQLModel, table=True):
    """One event a provider sent, once: a repeated event id is answered without doing anything again."""

    __table_args__ = (UniqueConstraint("org_id", "provider", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    provider: str = Field(max_length=20)  # cobro, stripe
    event_id: str = Field(max_length=255)
    event_type: str = Field(default="", max_length=80)
    outcome: str = Field(max_length=20)  # applied, ignored
    reason: str = Field(default="", max_length=300)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    received_at: datetime = utc_field(default_now=True, index=True)


class WebhookSubscription(SQLModel, table=True):
    """A URL of the tenant's that receives signed events."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    url: str = Field(max_length=500)
    secret_sealed: str = Field(max_length=500)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription: posted by the worker until it is taken or the retries run out."""

    __table_args__ = (Index("ix_webhookdelivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    subscription_id: int = Field(foreign_key="webhooksubscription.id", index=True)
    event_id: str = Field(max_length=40)  # the receiver's key against duplicates: the same on every retry
    event_type: str = Field(max_length=60)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=20)  # pending, delivered, failed
    attempts: int = 0
    next_attempt_at: datetime = utc_field(default_now=True)
    last_status_code: int | None = None
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = utc_field(default_now=True)
    delivered_at: datetime | None = utc_field(nullable=True)
