"""An organization's WhatsApp Business account, the raw webhook events, and debtors' replies."""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from saas_app.models.base import utc_field

GRAPH_API = "https://graph.facebook.com"
GRAPH_VERSION = "v23.0"


class WhatsAppAccount(SQLModel, table=True):
    """One per organization. The token and app secret are sealed (auth.secrets.seal), never shown back.

    A phone number id and a WABA id belong to one organization: webhooks are routed by them.
    """

    __table_args__ = (
        Index(
            "ux_whatsappaccount_waba_id",
            "waba_id",
            unique=True,
            sqlite_where=text("waba_id <> ''"),
            postgresql_where=text("waba_id <> ''"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", unique=True)
    phone_number_id: str = Field(max_length=40, unique=True)
    waba_id: str = Field(default="", max_length=40)
    display_number: str = Field(default="", max_length=30)
    access_token_sealed: str = Field(default="", max_length=2000)
    app_secret_sealed: str = Field(default="", max_length=500)
    verify_token: str = Field(default="", max_length=100, index=True)
    api_base_url: str = Field(default=GRAPH_API, max_length=200)
    api_version: str = Field(default=GRAPH_VERSION, max_length=10)
    throughput: int = 80  # messages per second; Meta's default tier, up to 1,000
    messaging_limit: int = 250  # unique people per moving 24 h outside service windows
    # Sending stops here (expired token, billing, spam restriction) until an admin acts.
    paused_reason: str = Field(default="", max_length=300)
    # The first free send slot, in Unix seconds: workers reserve slots here, so that however many
    # of them send for this number, together they never exceed its throughput.
    next_send_slot: float | None = None
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class WebhookEvent(SQLModel, table=True):
    """Every signed POST as received: evidence, and what processing replays after a crash."""

    __table_args__ = (Index("ix_webhookevent_unprocessed", "processed_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    source: str = Field(default="whatsapp", max_length=20)
    # The POST's body exactly as signed: its X-Hub-Signature-256 can be checked again years later.
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    received_at: datetime = utc_field(default_now=True)
    processed_at: datetime | None = utc_field(nullable=True)


class InboundMessage(SQLModel, table=True):
    """A debtor's reply: the conversation kept as evidence, its intent, and whether a person saw it."""

    __table_args__ = (
        UniqueConstraint("org_id", "wamid"),
        # The first answer to a message, counted by the campaign counters (migration 0018).
        Index("ix_inboundmessage_replied_to", "replied_to_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    wamid: str = Field(max_length=128)
    sender: str = Field(max_length=140)  # E.164; the BSUID of a sender with a username Meta names only by it
    profile_name: str = Field(default="", max_length=200)
    kind: str = Field(default="text", max_length=20)
    text: str = Field(default="", max_length=4096)
    replied_to_message_id: int | None = Field(default=None, foreign_key="message.id")
    intent: str = Field(default="other", max_length=20)
    promised_on: date | None = None
    received_at: datetime = utc_field()
    handled_at: datetime | None = utc_field(nullable=True)
