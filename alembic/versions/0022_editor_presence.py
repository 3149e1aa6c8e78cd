"""One table for who has an editor open, a template's or a cadence's (was templatepresence and cadencepresence).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import saas_app.models.base
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The kinds of editor, each of which had its own table: `<kind>presence`, with `<kind>_id` pointing at `<kind>`.
KINDS = ("template", "cadence")


def upgrade() -> None:
    op.create_table(
        "editorpresence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_seen", saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "kind", "object_id", "user_id"),
    )
    for kind in KINDS:
        table, column = f"{kind}presence", f"{kind}_id"
        op.execute(
            "INSERT INTO editorpresence (org_id, kind, object_id, user_id, last_seen)"  # noqa: S608 - our own names
            f" SELECT org_id, '{kind}', {column}, user_id, last_seen FROM {table}"
        )
        op.drop_index(f"ix_{table}_org_id", table_name=table)
        op.drop_table(table)


def downgrade() -> None:
    for kind in KINDS:
        table, column = f"{kind}presence", f"{kind}_id"
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("org_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("last_seen", saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
            sa.ForeignKeyConstraint([column], [f"{kind}.id"]),
            sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint(column, "user_id"),
        )
        op.create_index(f"ix_{table}_org_id", table, ["org_id"])
        # Only rows whose template or cadence is still the organization's: the old tables' keys insist on it.
        op.execute(
            f"INSERT INTO {table} (org_id, {column}, user_id, last_seen)"  # noqa: S608 - our own names
            " SELECT p.org_id, p.object_id, p.user_id, p.last_seen FROM editorpresence p"
            f" JOIN {kind} o ON o.id = p.object_id AND o.org_id = p.org_id WHERE p.kind = '{kind}'"
        )
    op.drop_table("editorpresence")
