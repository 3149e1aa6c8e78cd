"""The templates studio: a version per template variant, Meta's rejection reason, and who has an editor open.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import saas_app.models.base

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: batch mode would rebuild templatevariant on SQLite.
    op.add_column(
        'templatevariant',
        sa.Column('rejection_reason', sqlmodel.sql.sqltypes.AutoString(length=500), server_default='', nullable=False),
    )
    op.add_column('templatevariant', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_table(
        'templatepresence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('template_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_seen', saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['template_id'], ['template.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('template_id', 'user_id'),
    )
    op.create_index('ix_templatepresence_org_id', 'templatepresence', ['org_id'])


def downgrade() -> None:
    op.drop_index('ix_templatepresence_org_id', table_name='templatepresence')
    op.drop_table('templatepresence')
    if op.get_context().dialect.name == 'sqlite':
        op.execute('ALTER TABLE templatevariant DROP COLUMN version')  # in place (SQLite 3.35+)
        op.execute('ALTER TABLE templatevariant DROP COLUMN rejection_reason')
    else:
        op.drop_column('templatevariant', 'version')
        op.drop_column('templatevariant', 'rejection_reason')
