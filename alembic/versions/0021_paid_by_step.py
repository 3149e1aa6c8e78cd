"""Paid per step and language, and what a campaign's invoices owed at launch.

Each paid invoice is credited to the last step sent before its payment:

An invoice of a campaign, paid in full while the campaign chased it, counts for the last of its
reminders that had reached WhatsApp (sent, delivered or read) before the payment that settled it
(last touch), in that message's language. The credited step is kept on the enrollment when the
invoice becomes paid, by a trigger in the same statement (whoever records the payment), so the
figure never changes afterwards when a late status webhook fills in an older stamp; the counter
`paid` at that step and language is raised with it. Invoices already paid are credited here.

An index of the failed and expired messages by campaign, status and error code lets the view count
failures by reason without reading the messages.

Campaign.owed_when_enrolled keeps, per currency, what its invoices owed when they joined it (the recovery
rate's whole), so the campaign view never sums its enrolled invoices; existing campaigns get what
their invoices still owe plus what was paid on them since launch.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 04:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTER = "INSERT INTO campaigncounter (org_id, campaign_id, step, language, status, count)"
_ADD_COUNT = (
    "ON CONFLICT (campaign_id, step, language, status) DO UPDATE SET count = campaigncounter.count + excluded.count"
)

# The enrollments of the invoice whose status changed that were chasing it: still running, every step
# planned, or stopped by this very payment (opted out, disputed, or the campaign stopped: no longer chased).
_CHASING = (
    "org_id = NEW.org_id AND invoice_id = NEW.id AND (state IN ('active', 'paused', 'done') OR stop_reason = 'paid')"
)
# When the invoice was settled: its last payment recorded (or, with none, the status change itself).
_SETTLED = "coalesce((SELECT max(p.created_at) FROM payment p WHERE p.invoice_id = {invoice}), {updated})"
# The last message of an enrollment that reached WhatsApp before a moment: one column of it.
_LAST_TOUCH = """(SELECT m.{column} FROM message m WHERE m.enrollment_id = enrollment.id
    AND m.step_position IS NOT NULL AND m.status IN ('sent', 'delivered', 'read')
    AND coalesce(m.sent_at, m.delivered_at, m.read_at) <= {moment}
    ORDER BY coalesce(m.sent_at, m.delivered_at, m.read_at) DESC, m.step_position DESC LIMIT 1)"""


def _credit(chasing: str, moment: str) -> str:
    return (
        f"UPDATE enrollment SET paid_step = {_LAST_TOUCH.format(column='step_position', moment=moment)},"
        f" paid_language = coalesce({_LAST_TOUCH.format(column='language', moment=moment)}, '') WHERE {chasing}"
    )


_TRIGGER_MOMENT = _SETTLED.format(invoice="NEW.id", updated="NEW.updated_at")
_PAID_SQL = f"""
    {_credit(_CHASING, _TRIGGER_MOMENT)};
    {_COUNTER} SELECT org_id, campaign_id, paid_step, paid_language, 'paid', 1 FROM enrollment
    WHERE org_id = NEW.org_id AND invoice_id = NEW.id AND paid_step IS NOT NULL {_ADD_COUNT};
"""
_UNPAID_SQL = f"""
    {_COUNTER} SELECT org_id, campaign_id, paid_step, paid_language, 'paid', -1 FROM enrollment
    WHERE org_id = NEW.org_id AND invoice_id = NEW.id AND paid_step IS NOT NULL {_ADD_COUNT};
    UPDATE enrollment SET paid_step = NULL, paid_language = ''
    WHERE org_id = NEW.org_id AND invoice_id = NEW.id AND paid_step IS NOT NULL;
"""

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER campaign_counts_paid_step AFTER UPDATE OF status ON invoice
    WHEN NEW.status = 'paid' AND OLD.status <> 'paid' BEGIN {_PAID_SQL} END""",
    f"""CREATE TRIGGER campaign_counts_unpaid_step AFTER UPDATE OF status ON invoice
    WHEN OLD.status = 'paid' AND NEW.status <> 'paid' BEGIN {_UNPAID_SQL} END""",
]
_POSTGRES_TRIGGER = f"""
CREATE FUNCTION campaign_counts_paid_step() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'paid' THEN {_PAID_SQL}
    ELSE {_UNPAID_SQL}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_paid_step AFTER UPDATE OF status ON invoice
    FOR EACH ROW WHEN ((OLD.status = 'paid') <> (NEW.status = 'paid')) EXECUTE FUNCTION campaign_counts_paid_step();
"""

# Invoices paid before this revision: credited by the same rule, then counted.
_BACKFILL = [
    _credit(
        "invoice_id IN (SELECT id FROM invoice WHERE status = 'paid')"
        " AND (state IN ('active', 'paused', 'done') OR stop_reason = 'paid')",
        _SETTLED.format(
            invoice="enrollment.invoice_id",
            updated="(SELECT i.updated_at FROM invoice i WHERE i.id = enrollment.invoice_id)",
        ),
    ),
    f"""{_COUNTER} SELECT e.org_id, e.campaign_id, e.paid_step, e.paid_language, 'paid', count(*) FROM enrollment e
    JOIN invoice i ON i.id = e.invoice_id WHERE i.status = 'paid' AND e.paid_step IS NOT NULL
    GROUP BY e.org_id, e.campaign_id, e.paid_step, e.paid_language""",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":  # in place: batch mode would rebuild enrollment, which messages reference
        op.execute("ALTER TABLE enrollment ADD COLUMN paid_step INTEGER")
        op.execute("ALTER TABLE enrollment ADD COLUMN paid_language VARCHAR(10) DEFAULT '' NOT NULL")
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
    else:
        op.add_column("enrollment", sa.Column("paid_step", sa.Integer(), nullable=True))
        op.add_column(
            "enrollment",
            sa.Column("paid_language", sqlmodel.sql.sqltypes.AutoString(length=10), server_default="", nullable=False),
        )
        op.execute(_POSTGRES_TRIGGER)
    for statement in _BACKFILL:
        op.execute(statement)
    _backfill_owed_when_enrolled()
    # Failures by reason read from an index of the failed and expired messages alone.
    op.create_index(
        "ix_message_campaign_undelivered",
        "message",
        ["campaign_id", "status", "error_code"],
        sqlite_where=sa.text("status IN ('failed', 'expired')"),
        postgresql_where=sa.text("status IN ('failed', 'expired')"),
    )


# What each campaign's invoices still owe, and what was paid on them since launch, per currency.
_OWED = """SELECT e.campaign_id, i.currency, sum(i.amount_minor - i.paid_minor) FROM enrollment e
    JOIN invoice i ON i.id = e.invoice_id GROUP BY e.campaign_id, i.currency"""
_PAID_SINCE = """SELECT c.id, p.currency, sum(p.amount_minor) FROM campaign c
    JOIN enrollment e ON e.campaign_id = c.id JOIN payment p ON p.invoice_id = e.invoice_id
    WHERE p.created_at >= c.created_at GROUP BY c.id, p.currency"""


def _backfill_owed_when_enrolled() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE campaign ADD COLUMN owed_when_enrolled JSON DEFAULT '{}' NOT NULL")
    else:
        op.add_column(
            "campaign", sa.Column("owed_when_enrolled", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
    connection = op.get_bind()
    owed: dict[int, dict[str, int]] = {}
    for query in (_OWED, _PAID_SINCE):
        for campaign_id, currency, total in connection.execute(sa.text(query)):
            amounts = owed.setdefault(campaign_id, {})
            amounts[currency] = amounts.get(currency, 0) + max(0, int(total or 0))
    for campaign_id, amounts in owed.items():
        connection.execute(
            sa.text("UPDATE campaign SET owed_when_enrolled = :owed WHERE id = :id"),
            {"owed": json.dumps(amounts), "id": campaign_id},
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_message_campaign_undelivered", table_name="message")
    if dialect == "sqlite":
        op.execute("ALTER TABLE campaign DROP COLUMN owed_when_enrolled")
    else:
        op.drop_column("campaign", "owed_when_enrolled")
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS campaign_counts_paid_step")
        op.execute("DROP TRIGGER IF EXISTS campaign_counts_unpaid_step")
    else:
        op.execute("DROP TRIGGER IF EXISTS campaign_counts_paid_step ON invoice")
        op.execute("DROP FUNCTION IF EXISTS campaign_counts_paid_step()")
    op.execute("DELETE FROM campaigncounter WHERE status = 'paid' AND step <> -1")
    if dialect == "sqlite":
        op.execute("ALTER TABLE enrollment DROP COLUMN paid_language")
        op.execute("ALTER TABLE enrollment DROP COLUMN paid_step")
    else:
        op.drop_column("enrollment", "paid_language")
        op.drop_column("enrollment", "paid_step")
