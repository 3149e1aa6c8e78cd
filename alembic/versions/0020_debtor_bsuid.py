"""Debtors known by their WhatsApp business-scoped user id (BSUID), for users whose phone Meta leaves out.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-11 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KNOWN = "whatsapp_user_id IS NOT NULL"


def upgrade() -> None:
    # A nullable column without a reference: added in place on SQLite too (no rebuild of debtor).
    op.add_column("debtor", sa.Column("whatsapp_user_id", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=True))
    op.create_index(
        "uq_debtor_org_whatsapp_user_id",
        "debtor",
        ["org_id", "whatsapp_user_id"],
        unique=True,
        sqlite_where=sa.text(_KNOWN),
        postgresql_where=sa.text(_KNOWN),
    )
    # A reply's sender is the BSUID when Meta gives no phone number. SQLite does not enforce lengths.
    if op.get_context().dialect.name != "sqlite":
        op.alter_column(
            "inboundmessage", "sender", type_=sqlmodel.sql.sqltypes.AutoString(length=140), existing_nullable=False
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.alter_column(
            "inboundmessage",
            "sender",
            type_=sqlmodel.sql.sqltypes.AutoString(length=20),
            existing_nullable=False,
            postgresql_using="left(sender, 20)",
        )
    op.drop_index("uq_debtor_org_whatsapp_user_id", table_name="debtor")
    op.drop_column("debtor", "whatsapp_user_id")  # in place on SQLite too (3.35+)
