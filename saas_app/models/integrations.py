"""What other systems send us: API requests answered once per Idempotency-Key, and payment providers' events."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
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
