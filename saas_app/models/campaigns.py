"""Templates and their language variants, cadences and steps, segments, campaigns, enrollments, messages."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from saas_app.models.base import utc_field


class Template(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=60)
    name: str = Field(max_length=120)
    purpose: str = Field(max_length=40)
    tone: str = Field(default="neutral", max_length=20)
    category: str = Field(default="UTILITY", max_length=20)
    built_in: bool = False
    created_at: datetime = utc_field(default_now=True)


class TemplateVariant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("template_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    template_id: int = Field(foreign_key="template.id", index=True)
    language: str = Field(max_length=10)
    header: str = Field(default="", max_length=60)
    body: str = Field(max_length=1024)
    footer: str = Field(default="", max_length=60)
    buttons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The name and approval status on the WhatsApp Business Account.
    whatsapp_name: str = Field(default="", max_length=512)
    status: str = Field(default="draft", max_length=20)  # draft, pending, approved, rejected, paused, disabled
    rejection_reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # Bumped by every saved edit: a save made from an older version is refused (services.templates).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_at: datetime = utc_field(default_now=True)


class Cadence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    window_start_minute: int = 9 * 60
    window_end_minute: int = 19 * 60
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], sa_column=Column(JSON, nullable=False))
    skip_holidays: bool = True
    min_gap_hours: int = 20
    weekly_cap: int = 3
    reply_pause_days: int = 3
    promise_grace_days: int = 2
    built_in: bool = False
    # Bumped by every saved edit: a save made from an older version is refused (services.cadences).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = utc_field(default_now=True)


class EditorPresence(SQLModel, table=True):
    """Who has an editor open (a template's or a cadence's): each open editor refreshes its row while it stays open.

    `object_id` is the template's or the cadence's id, as `kind` says (services.presence checks it is the
    organization's). The unique key leads with what every query asks (organization, kind, object), so it is the
    index they use too.
    """

    __table_args__ = (UniqueConstraint("org_id", "kind", "object_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")
    kind: str = Field(max_length=20)  # template, cadence
    object_id: int
    user_id: int = Field(foreign_key="user.id")
    last_seen: datetime = utc_field(default_now=True)


class CadenceStep(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("cadence_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    cadence_id: int = Field(foreign_key="cadence.id", index=True)
    position: int
    offset_days: int  # relative to the due date; negative is before
    template_id: int = Field(foreign_key="template.id")


class Segment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_field(default_now=True)


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    cadence_id: int = Field(foreign_key="cadence.id")
    segment_id: int | None = Field(default=None, foreign_key="segment.id")
    status: str = Field(default="running", max_length=20)  # running, paused, finished, cancelled
    # Who goes first when the account's messaging limit makes the campaign wait: oldest_first, largest_first.
    priority: str = Field(default="oldest_first", max_length=20, sa_column_kwargs={"server_default": "oldest_first"})
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(default_now=True)
    # What its invoices still owed when they joined it (at launch, or added later), per currency, in
    # minor units: the recovery rate's whole, kept so that the campaign view never sums its invoices.
    owed_when_enrolled: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default=text("'{}'"))
    )


class Enrollment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("campaign_id", "invoice_id"),
        # An invoice is chased by one running campaign at a time.
        Index(
            "uq_enrollment_active_invoice",
            "invoice_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
        Index("ix_enrollment_state_id", "state", "id"),  # the planner walks running enrollments by id
        # An invoice's enrollments: stopping its reminders on a payment, the campaign the invoice list shows.
        Index("ix_enrollment_org_invoice", "org_id", "invoice_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of their own: ix_enrollment_org_invoice and the (campaign_id, invoice_id) key begin with them.
    org_id: int = Field(foreign_key="organization.id")
    campaign_id: int = Field(foreign_key="campaign.id")
    invoice_id: int = Field(foreign_key="invoice.id")
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    state: str = Field(default="active", max_length=20)  # active, paused, stopped, done
    stop_reason: str = Field(default="", max_length=40)
    paused_until: date | None = None
    next_step: int = 0  # position of the next step to plan
    created_at: datetime = utc_field(default_now=True)
    # The step credited with the invoice's payment, in its message's language: the last one that reached
    # WhatsApp before the invoice was paid in full while this enrollment chased it (None: not so paid).
    # Set by migration 0021's trigger when the invoice becomes paid; counted as CampaignCounter `paid`.
    paid_step: int | None = None
    paid_language: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})


class Message(SQLModel, table=True):
    """One outbound message: the row the worker sends. One per enrollment and step, whatever happens."""

    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_position"),
        Index("ix_message_due", "status", "scheduled_at"),
        # A campaign's messages in one status; the last one planned (campaign_stats.last_send_at) from it alone.
        Index("ix_message_campaign_status_at", "campaign_id", "status", "scheduled_at"),
        # Why a campaign's messages did not arrive, counted from this alone (services.campaigns.failure_reasons):
        # partial, so that the statuses of messages that do arrive never touch it.
        Index(
            "ix_message_campaign_undelivered",
            "campaign_id",
            "status",
            "error_code",
            sqlite_where=text("status IN ('failed', 'expired')"),
            postgresql_where=text("status IN ('failed', 'expired')"),
        ),
        # Statuses and replies find their message by (org, wamid). One index on both: with one on each,
        # SQLite (no ANALYZE statistics) picks org_id and reads the whole organization's messages.
        Index("ix_message_org_wamid", "org_id", "wamid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id")  # ix_message_org_wamid begins with it
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    enrollment_id: int | None = Field(default=None, foreign_key="enrollment.id")
    step_position: int | None = None
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    template_id: int | None = Field(default=None, foreign_key="template.id")
    # reminder (a cadence step's template), reply (a person's text), opt_out_confirmation (the one
    # message that still goes to a debtor who opted out: the confirmation of it).
    kind: str = Field(default="reminder", max_length=24, sa_column_kwargs={"server_default": "reminder"})
    language: str = Field(default="", max_length=10)
    status: str = Field(default="scheduled", max_length=20)
    scheduled_at: datetime = utc_field()
    text: str = ""
    parameters: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    wamid: str | None = Field(default=None, max_length=128)
    attempts: int = 0
    lease_until: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
    delivered_at: datetime | None = utc_field(nullable=True)
    read_at: datetime | None = utc_field(nullable=True)
    failed_at: datetime | None = utc_field(nullable=True)
    error_code: str = Field(default="", max_length=20)
    error_message: str = Field(default="", max_length=500)
    created_at: datetime = utc_field(default_now=True)


class CampaignCounter(SQLModel, table=True):
    """How many of a campaign's rows are in one state: kept by database triggers, read by the campaign views.

    Per step and language: messages by status, and `replied` (messages a debtor answered). Per campaign
    (step -1, language ""): `invoices` enrolled, `paid` (enrolled invoices paid in full) and
    `debtors_replied` (enrolled debtors who wrote after the campaign started); per step and language
    again, `paid`: invoices credited to that step (Enrollment.paid_step, migration 0021). The triggers of
    migrations 0018 and 0021 change them in the same statement as the rows they count; `cobro repair-counters`
    recounts them from the rows (services.campaigns.repair_counters).
    """

    __table_args__ = (UniqueConstraint("campaign_id", "step", "language", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    step: int  # the message's step position; -1 for a figure of the whole campaign
    language: str = Field(max_length=10)
    status: str = Field(max_length=20)
    count: int = 0


class CampaignHour(SQLModel, table=True):
    """A campaign over time, by UTC hour (so that any time zone's days can be summed from it).

    `sent`: messages whose sent stamp falls in the hour (currency ""); `recovered_minor`: payments on
    enrolled invoices made in the hour since the campaign started, per currency. Kept like CampaignCounter.
    """

    __table_args__ = (UniqueConstraint("campaign_id", "hour", "currency"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    hour: int = Field(sa_type=BigInteger)  # hours since 1970-01-01 00:00 UTC
    currency: str = Field(max_length=3)
    sent: int = 0
    recovered_minor: int = Field(default=0, sa_type=BigInteger)


class CampaignNote(SQLModel, table=True):
    """A note the team keeps on a campaign: read by the team on the campaign's page, never sent to a debtor."""

    __table_args__ = (Index("ix_campaignnote_campaign_id", "campaign_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    body: str = Field(max_length=2000)
    created_at: datetime = utc_field(default_now=True)
