"""Campaign counters: a campaign's figures kept as they change, so that no view counts message rows.

Triggers change them in the same statement as the rows they count, whoever writes those rows (the
worker, the webhooks, the reminders service, payments, replies): PostgreSQL once per statement,
from its transition tables, in key order; SQLite once per row. Existing campaigns are counted here.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Hours since the epoch, UTC, of a timestamp column.
_HOUR = {
    "sqlite": "(CAST(strftime('%s', {0}) AS INTEGER) / 3600)",
    "postgresql": "floor(extract(epoch FROM {0}) / 3600)::bigint",
}

_COUNTER = "INSERT INTO campaigncounter (org_id, campaign_id, step, language, status, count)"
_ADD_COUNT = (
    "ON CONFLICT (campaign_id, step, language, status) DO UPDATE SET count = campaigncounter.count + excluded.count"
)
_HOURLY = "INSERT INTO campaignhour (org_id, campaign_id, hour, currency, sent, recovered_minor)"
_ADD_HOURLY = (
    "ON CONFLICT (campaign_id, hour, currency) DO UPDATE SET sent = campaignhour.sent + excluded.sent,"
    " recovered_minor = campaignhour.recovered_minor + excluded.recovered_minor"
)

# What a counter holds, recounted from the rows: the definitions services.campaigns.repair_counters shares.
_BACKFILL = [
    f"""{_COUNTER} SELECT org_id, campaign_id, coalesce(step_position, -1), language, status, count(*)
    FROM message WHERE campaign_id IS NOT NULL
    GROUP BY org_id, campaign_id, coalesce(step_position, -1), language, status""",
    f"""{_COUNTER} SELECT m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language, 'replied',
    count(DISTINCT m.id) FROM message m JOIN inboundmessage i ON i.replied_to_message_id = m.id
    WHERE m.campaign_id IS NOT NULL GROUP BY m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language""",
    f"""{_COUNTER} SELECT org_id, campaign_id, -1, '', 'invoices', count(*) FROM enrollment
    GROUP BY org_id, campaign_id""",
    f"""{_COUNTER} SELECT e.org_id, e.campaign_id, -1, '', 'paid', count(*) FROM enrollment e
    JOIN invoice i ON i.id = e.invoice_id WHERE i.status = 'paid' GROUP BY e.org_id, e.campaign_id""",
    f"""{_COUNTER} SELECT c.org_id, c.id, -1, '', 'debtors_replied', count(DISTINCT e.debtor_id)
    FROM campaign c JOIN enrollment e ON e.campaign_id = c.id AND e.org_id = c.org_id
    WHERE EXISTS (SELECT 1 FROM inboundmessage im WHERE im.org_id = c.org_id AND im.debtor_id = e.debtor_id
    AND im.received_at >= c.created_at) GROUP BY c.org_id, c.id""",
    f"""{_HOURLY} SELECT org_id, campaign_id, {{hour_sent}}, '', count(*), 0 FROM message
    WHERE campaign_id IS NOT NULL AND sent_at IS NOT NULL GROUP BY org_id, campaign_id, {{hour_sent}}""",
    f"""{_HOURLY} SELECT c.org_id, c.id, {{hour_paid}}, p.currency, 0, sum(p.amount_minor) FROM payment p
    JOIN enrollment e ON e.invoice_id = p.invoice_id AND e.org_id = p.org_id
    JOIN campaign c ON c.id = e.campaign_id WHERE p.created_at >= c.created_at
    GROUP BY c.org_id, c.id, {{hour_paid}}, p.currency""",
]

# A debtor's reply: once per message answered, and once per campaign for the debtor's first reply since it started.
# Rows are found by debtor (a debtor is one organization's): given the organization too, SQLite, without
# statistics, reads every row of the organization instead.
_REPLY_SQL = """
    {counter} SELECT m.org_id, m.campaign_id, coalesce(m.step_position, -1), m.language, 'replied', 1
    FROM message m WHERE m.id = NEW.replied_to_message_id AND m.campaign_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM inboundmessage i
                    WHERE i.replied_to_message_id = NEW.replied_to_message_id AND i.id <> NEW.id)
    {add};
    {counter} SELECT c.org_id, c.id, -1, '', 'debtors_replied', 1 FROM campaign c
    WHERE c.id IN (SELECT e.campaign_id FROM enrollment e WHERE e.debtor_id = NEW.debtor_id)
    AND c.org_id = NEW.org_id AND c.created_at <= NEW.received_at
    AND NOT EXISTS (SELECT 1 FROM inboundmessage i WHERE i.debtor_id = NEW.debtor_id
                    AND i.received_at >= c.created_at AND i.id <> NEW.id)
    {add};
"""
# A payment on an enrolled invoice, made since its campaign started, is recovered by that campaign.
_PAYMENT_SQL = """
    {hourly} SELECT c.org_id, c.id, {hour}, NEW.currency, 0, NEW.amount_minor
    FROM enrollment e JOIN campaign c ON c.id = e.campaign_id
    WHERE e.org_id = NEW.org_id AND e.invoice_id = NEW.invoice_id AND c.created_at <= NEW.created_at
    {add_hourly};
"""
# An enrolled invoice paid in full, or no longer.
_INVOICE_SQL = """
    {counter} SELECT e.org_id, e.campaign_id, -1, '', 'paid', CASE WHEN NEW.status = 'paid' THEN 1 ELSE -1 END
    FROM enrollment e WHERE e.org_id = NEW.org_id AND e.invoice_id = NEW.id
    {add};
"""

# An invoice enrolled: counted, paid already perhaps, its debtor may have written since the campaign started,
# and payments made on it since then were recovered by the campaign (the definitions of campaign_stats).
_ENROLLMENT_SQL = """
    {counter} SELECT NEW.org_id, NEW.campaign_id, -1, '', 'invoices', 1 WHERE true {add};
    {counter} SELECT NEW.org_id, NEW.campaign_id, -1, '', 'paid', 1 FROM invoice i
    WHERE i.id = NEW.invoice_id AND i.status = 'paid' {add};
    {counter} SELECT c.org_id, c.id, -1, '', 'debtors_replied', 1 FROM campaign c WHERE c.id = NEW.campaign_id
    AND EXISTS (SELECT 1 FROM inboundmessage im WHERE im.debtor_id = NEW.debtor_id
                AND im.received_at >= c.created_at)
    AND NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.debtor_id = NEW.debtor_id
                    AND e.campaign_id + 0 = NEW.campaign_id AND e.id <> NEW.id)
    {add};
    {hourly} SELECT c.org_id, c.id, {hour_paid}, p.currency, 0, sum(p.amount_minor)
    FROM payment p JOIN campaign c ON c.id = NEW.campaign_id
    WHERE p.invoice_id = NEW.invoice_id AND p.org_id = NEW.org_id AND p.created_at >= c.created_at
    GROUP BY c.org_id, c.id, {hour_paid}, p.currency {add_hourly};
"""
# The same once per statement on PostgreSQL: a campaign of a million invoices is enrolled in one.
_POSTGRES_ENROLLMENT_FUNCTION = """
CREATE FUNCTION campaign_counts_enrollment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {counter} SELECT org_id, campaign_id, -1, '', 'invoices', count(*) FROM new_rows
    GROUP BY 1, 2 ORDER BY 2 {add};
    {counter} SELECT n.org_id, n.campaign_id, -1, '', 'paid', count(*) FROM new_rows n
    JOIN invoice i ON i.id = n.invoice_id WHERE i.status = 'paid' GROUP BY 1, 2 ORDER BY 2 {add};
    {counter} SELECT c.org_id, c.id, -1, '', 'debtors_replied', count(DISTINCT n.debtor_id)
    FROM new_rows n JOIN campaign c ON c.id = n.campaign_id
    WHERE EXISTS (SELECT 1 FROM inboundmessage im WHERE im.org_id = c.org_id AND im.debtor_id = n.debtor_id
                  AND im.received_at >= c.created_at)
    AND NOT EXISTS (SELECT 1 FROM enrollment e LEFT JOIN new_rows x ON x.id = e.id
                    WHERE e.campaign_id = n.campaign_id AND e.debtor_id = n.debtor_id AND x.id IS NULL)
    GROUP BY 1, 2 ORDER BY 2 {add};
    {hourly} SELECT c.org_id, c.id, {hour_paid}, p.currency, 0, sum(p.amount_minor)
    FROM new_rows n JOIN campaign c ON c.id = n.campaign_id
    JOIN payment p ON p.invoice_id = n.invoice_id AND p.org_id = n.org_id
    WHERE p.created_at >= c.created_at GROUP BY 1, 2, 3, 4 ORDER BY 2, 3, 4 {add_hourly};
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_enrollment AFTER INSERT ON enrollment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_enrollment();
"""

_SQLITE_MESSAGE_TRIGGERS = """
CREATE TRIGGER campaign_counts_message_insert AFTER INSERT ON message WHEN NEW.campaign_id IS NOT NULL
BEGIN
    {counter} SELECT NEW.org_id, NEW.campaign_id, coalesce(NEW.step_position, -1), NEW.language, NEW.status, 1
    WHERE true {add};
    {hourly} SELECT NEW.org_id, NEW.campaign_id, {new_hour}, '', 1, 0 WHERE NEW.sent_at IS NOT NULL {add_hourly};
END;
CREATE TRIGGER campaign_counts_message_update AFTER UPDATE OF status, language, step_position, campaign_id ON message
WHEN OLD.status IS NOT NEW.status OR OLD.language IS NOT NEW.language
  OR OLD.step_position IS NOT NEW.step_position OR OLD.campaign_id IS NOT NEW.campaign_id
BEGIN
    UPDATE campaigncounter SET count = count - 1 WHERE campaign_id = OLD.campaign_id
    AND step = coalesce(OLD.step_position, -1) AND language = OLD.language AND status = OLD.status;
    {counter} SELECT NEW.org_id, NEW.campaign_id, coalesce(NEW.step_position, -1), NEW.language, NEW.status, 1
    WHERE NEW.campaign_id IS NOT NULL {add};
END;
CREATE TRIGGER campaign_hours_message_update AFTER UPDATE OF sent_at, campaign_id ON message
WHEN OLD.sent_at IS NOT NEW.sent_at OR OLD.campaign_id IS NOT NEW.campaign_id
BEGIN
    UPDATE campaignhour SET sent = sent - 1
    WHERE campaign_id = OLD.campaign_id AND hour = {old_hour} AND currency = '';
    {hourly} SELECT NEW.org_id, NEW.campaign_id, {new_hour}, '', 1, 0
    WHERE NEW.campaign_id IS NOT NULL AND NEW.sent_at IS NOT NULL {add_hourly};
END;
CREATE TRIGGER campaign_counts_message_delete AFTER DELETE ON message WHEN OLD.campaign_id IS NOT NULL
BEGIN
    UPDATE campaigncounter SET count = count - 1 WHERE campaign_id = OLD.campaign_id
    AND step = coalesce(OLD.step_position, -1) AND language = OLD.language AND status = OLD.status;
    UPDATE campaignhour SET sent = sent - 1
    WHERE campaign_id = OLD.campaign_id AND hour = {old_hour} AND currency = '';
END;
CREATE TRIGGER campaign_counts_reply AFTER INSERT ON inboundmessage
BEGIN {reply} END;
CREATE TRIGGER campaign_counts_payment AFTER INSERT ON payment
BEGIN {payment} END;
CREATE TRIGGER campaign_counts_enrollment AFTER INSERT ON enrollment
BEGIN {enrollment} END;
CREATE TRIGGER campaign_counts_invoice AFTER UPDATE OF status ON invoice
WHEN (OLD.status = 'paid') <> (NEW.status = 'paid')
BEGIN {invoice} END;
"""

# PostgreSQL: once per statement, the statement's rows summed by counter and applied in key order, so
# that two transactions touching the same counters queue rather than deadlock. A deleted message only
# lowers a counter that exists: a table being emptied may have lost its counters first.
_POSTGRES_MESSAGE_FUNCTION = """
CREATE FUNCTION campaign_counts_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE campaigncounter c SET count = c.count - d.n
        FROM (SELECT campaign_id, coalesce(step_position, -1) AS step, language, status, count(*) AS n
              FROM old_rows WHERE campaign_id IS NOT NULL GROUP BY 1, 2, 3, 4) d
        WHERE c.campaign_id = d.campaign_id AND c.step = d.step AND c.language = d.language AND c.status = d.status;
        UPDATE campaignhour h SET sent = h.sent - d.n
        FROM (SELECT campaign_id, {old_hour} AS hour, count(*) AS n FROM old_rows
              WHERE campaign_id IS NOT NULL AND sent_at IS NOT NULL GROUP BY 1, 2) d
        WHERE h.campaign_id = d.campaign_id AND h.hour = d.hour AND h.currency = '';
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        {counter} SELECT org_id, campaign_id, coalesce(step_position, -1), language, status, count(*)
        FROM new_rows WHERE campaign_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 2, 3, 4, 5 {add};
        {hourly} SELECT org_id, campaign_id, {new_hour}, '', count(*), 0 FROM new_rows
        WHERE campaign_id IS NOT NULL AND sent_at IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 2, 3 {add_hourly};
        RETURN NULL;
    END IF;
    {counter} SELECT org_id, campaign_id, step, language, status, sum(n) FROM (
        SELECT org_id, campaign_id, coalesce(step_position, -1) AS step, language, status, 1 AS n
        FROM new_rows WHERE campaign_id IS NOT NULL
        UNION ALL
        SELECT org_id, campaign_id, coalesce(step_position, -1), language, status, -1
        FROM old_rows WHERE campaign_id IS NOT NULL) d
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 ORDER BY 2, 3, 4, 5 {add};
    {hourly} SELECT org_id, campaign_id, hour, '', sum(n), 0 FROM (
        SELECT org_id, campaign_id, {new_hour} AS hour, 1 AS n FROM new_rows
        WHERE campaign_id IS NOT NULL AND sent_at IS NOT NULL
        UNION ALL
        SELECT org_id, campaign_id, {old_hour}, -1 FROM old_rows WHERE campaign_id IS NOT NULL AND sent_at IS NOT NULL) d
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 2, 3 {add_hourly};
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_message_insert AFTER INSERT ON message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_message();
CREATE TRIGGER campaign_counts_message_update AFTER UPDATE ON message
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_message();
CREATE TRIGGER campaign_counts_message_delete AFTER DELETE ON message
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_message();
"""

_POSTGRES_ROW_FUNCTION = """
CREATE FUNCTION campaign_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {body} RETURN NULL; END $$;
CREATE TRIGGER campaign_counts_{name} AFTER {event} ON {table}
    FOR EACH ROW {when} EXECUTE FUNCTION campaign_counts_{name}();
"""

_ROW_TRIGGERS = [
    # name, event, table, WHEN condition, body
    ("reply", "INSERT", "inboundmessage", "", _REPLY_SQL),
    ("payment", "INSERT", "payment", "", _PAYMENT_SQL),
    ("invoice", "UPDATE OF status", "invoice", "(OLD.status = 'paid') <> (NEW.status = 'paid')", _INVOICE_SQL),
]


def _fill(sql: str, dialect: str) -> str:
    hour = _HOUR[dialect]
    return sql.format(
        counter=_COUNTER,
        add=_ADD_COUNT,
        hourly=_HOURLY,
        add_hourly=_ADD_HOURLY,
        new_hour=hour.format("NEW.sent_at" if dialect == "sqlite" else "sent_at"),
        old_hour=hour.format("OLD.sent_at" if dialect == "sqlite" else "sent_at"),
        hour=hour.format("NEW.created_at"),
        hour_sent=hour.format("sent_at"),
        hour_paid=hour.format("p.created_at"),
        reply=_fill(_REPLY_SQL, dialect) if "{reply}" in sql else "",
        payment=_fill(_PAYMENT_SQL, dialect) if "{payment}" in sql else "",
        invoice=_fill(_INVOICE_SQL, dialect) if "{invoice}" in sql else "",
        enrollment=_fill(_ENROLLMENT_SQL, dialect) if "{enrollment}" in sql else "",
    )


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        script = _fill(_SQLITE_MESSAGE_TRIGGERS, dialect)
        for statement in script.split("END;"):
            if statement.strip():
                op.execute(statement + "END;")
        return
    op.execute(_fill(_POSTGRES_MESSAGE_FUNCTION, dialect))
    op.execute(_fill(_POSTGRES_ENROLLMENT_FUNCTION, dialect))
    for name, event, table, when, body in _ROW_TRIGGERS:
        op.execute(
            _POSTGRES_ROW_FUNCTION.format(
                name=name,
                event=event,
                table=table,
                when=f"WHEN ({when})" if when else "",
                body=_fill(body, dialect),
            )
        )


def upgrade() -> None:
    op.create_table(
        "campaigncounter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "step", "language", "status"),
    )
    op.create_index(op.f("ix_campaigncounter_org_id"), "campaigncounter", ["org_id"], unique=False)
    op.create_table(
        "campaignhour",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("recovered_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "hour", "currency"),
    )
    op.create_index(op.f("ix_campaignhour_org_id"), "campaignhour", ["org_id"], unique=False)
    # A reply's first answer to a message is found by the message; a campaign's last planned send by index.
    op.create_index("ix_inboundmessage_replied_to", "inboundmessage", ["replied_to_message_id"], unique=False)
    op.create_index("ix_message_campaign_status_at", "message", ["campaign_id", "status", "scheduled_at"], unique=False)
    op.drop_index("ix_message_campaign_status", table_name="message")
    dialect = op.get_bind().dialect.name
    _create_triggers(dialect)
    for statement in _BACKFILL:
        op.execute(_fill(statement, dialect))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    names = ["message_insert", "message_update", "message_delete", "enrollment", "reply", "payment", "invoice"]
    tables = ["message", "message", "message", "enrollment", "inboundmessage", "payment", "invoice"]
    if dialect == "sqlite":
        for name in [*names, "hours_message_update"]:
            op.execute(f"DROP TRIGGER IF EXISTS campaign_{'' if name.startswith('hours') else 'counts_'}{name}")
    else:
        for name, table in zip(names, tables, strict=True):
            op.execute(f"DROP TRIGGER IF EXISTS campaign_counts_{name} ON {table}")
        for function in ["message", "enrollment", "reply", "payment", "invoice"]:
            op.execute(f"DROP FUNCTION IF EXISTS campaign_counts_{function}()")
    op.create_index("ix_message_campaign_status", "message", ["campaign_id", "status"], unique=False)
    op.drop_index("ix_message_campaign_status_at", table_name="message")
    op.drop_index("ix_inboundmessage_replied_to", table_name="inboundmessage")
    op.drop_index(op.f("ix_campaignhour_org_id"), table_name="campaignhour")
    op.drop_table("campaignhour")
    op.drop_index(op.f("ix_campaigncounter_org_id"), table_name="campaigncounter")
    op.drop_table("campaigncounter")
