"""Debtors, their notes, their invoices, and the payments against them."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from saas_app.models.base import utc_field


class Debtor(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("org_id", "phone"),
        Index("ix_debtor_org_external_ref", "org_id", "external_ref"),
        # A BSUID is scoped to a business portfolio, not to Cobro: two organizations may see the same one.
        Index(
            "uq_debtor_org_whatsapp_user_id",
            "org_id",
            "whatsapp_user_id",
            unique=True,
            sqlite_where=text("whatsapp_user_id IS NOT NULL"),
            postgresql_where=text("whatsapp_user_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    external_ref: str = Field(default="", max_length=100)
    name: str = Field(max_length=200)
    phone: str = Field(max_length=20)  # E.164
    # WhatsApp's business-scoped user id (BSUID, "US.1349..."), stored the first time a webhook names it:
    # a debtor with a username is named only by it once Meta leaves their phone number out.
    whatsapp_user_id: str | None = Field(default=None, max_length=140)
    email: str = Field(default="", max_length=254)
    locale: str = Field(default="en", max_length=10)
    timezone: str = Field(default="UTC", max_length=64)
    country: str = Field(default="", max_length=2)  # for public holidays
    # Preferred hours, minutes after local midnight; None means the cadence's window.
    window_start_minute: int | None = None
    window_end_minute: int | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    behaviour: str = Field(default="unknown", max_length=20)  # punctual, late, chronic, unknown
    # WhatsApp requires consent before a business starts a conversation: where and when it was given.
    opt_in_source: str = Field(default="", max_length=40)
    opted_in_at: datetime | None = utc_field(nullable=True)
    opted_out_at: datetime | None = utc_field(nullable=True)
    # The team member who follows this debtor up; None while nobody is.
    assigned_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DebtorNote(SQLModel, table=True):
    """A team member's internal note on a debtor: never sent, never changed, kept with the file as evidence."""

    # A file lists its debtor's notes newest first; org_id leads, so SQLite (no statistics) picks this index.
    __table_args__ = (Index("ix_debtornote_org_debtor_created", "org_id", "debtor_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    debtor_id: int = Field(foreign_key="debtor.id")
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(max_length=2000)
    created_at: datetime = utc_field(default_now=True)


class Invoice(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        Index("ix_invoice_org_status_due", "org_id", "status", "due_on"),
        # The invoice list: in due-date order however deep the page, and one debtor's invoices. SQLite
        # (no ANALYZE statistics) picks the index with the most equal columns, so both lead with org_id.
        Index("ix_invoice_org_due", "org_id", "due_on"),
        Index("ix_invoice_org_debtor_due", "org_id", "debtor_id", "due_on"),
        Index("ix_invoice_org_outstanding", "org_id", text("(amount_minor - paid_minor)")),  # largest debts first
        # The totals per currency read from this alone, never from the rows: SQLite otherwise walks
        # another org_id index and reads the rows in its order, five times slower at 100,000 invoices.
        Index(
            "ix_invoice_org_totals", "org_id", "currency", "status", "due_on", "debtor_id", "amount_minor", "paid_minor"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    number: str = Field(max_length=60)
    service: str = Field(default="", max_length=200)
    amount_minor: int = Field(sa_type=BigInteger)
    paid_minor: int = Field(default=0, sa_type=BigInteger)
    currency: str = Field(max_length=3)
    issued_on: date | None = None
    due_on: date
    status: str = Field(default="open", max_length=20)
    promised_on: date | None = None
    payment_link: str = Field(default="", max_length=500)
    # Where the invoice's PDF is (the billing system's link): sent in the chat as a document on request.
    document_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Payment(SQLModel, table=True):
    __table_args__ = (Index("uq_payment_org_external_id", "org_id", "external_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    paid_on: date
    method: str = Field(default="", max_length=40)
    source: str = Field(default="manual", max_length=20)  # manual, import, webhook, api
    # The payer's or provider's id: a repeated id is the same payment and is ignored. None for manual entries.
    external_id: str | None = Field(default=None, max_length=120)
    created_at: datetime = utc_field(default_now=True)
