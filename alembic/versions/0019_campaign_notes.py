"""The campaign view: the team's internal notes on a campaign (never sent to a debtor).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import saas_app.models.base
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaignnote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_campaignnote_org_id", "campaignnote", ["org_id"])
    op.create_index("ix_campaignnote_campaign_id", "campaignnote", ["campaign_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_campaignnote_campaign_id", table_name="campaignnote")
    op.drop_index("ix_campaignnote_org_id", table_name="campaignnote")
    op.drop_table("campaignnote")
