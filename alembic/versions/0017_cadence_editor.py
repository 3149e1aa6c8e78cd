"""The cadence editor: a version per cadence (stale saves are refused) and who has an editor open.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import saas_app.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: batch mode would rebuild cadence on SQLite.
    op.add_column("cadence", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "cadencepresence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("cadence_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seen", saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["cadence_id"], ["cadence.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cadence_id", "user_id"),
    )
    op.create_index("ix_cadencepresence_org_id", "cadencepresence", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_cadencepresence_org_id", table_name="cadencepresence")
    op.drop_table("cadencepresence")
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE cadence DROP COLUMN version")  # in place (SQLite 3.35+)
    else:
        op.drop_column("cadence", "version")
