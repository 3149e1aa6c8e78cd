"""The debtor's file: who follows each debtor up, the team's internal notes, and the audit by target.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import saas_app.models.base

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == 'sqlite':
        # SQLite adds a referencing column in place; batch mode would rebuild debtor, which others reference.
        op.execute('ALTER TABLE debtor ADD COLUMN assigned_user_id INTEGER REFERENCES user (id)')
    else:
        op.add_column('debtor', sa.Column('assigned_user_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_debtor_assigned_user_id', 'debtor', 'user', ['assigned_user_id'], ['id'])
    op.create_index('ix_debtor_assigned_user_id', 'debtor', ['assigned_user_id'])
    op.create_table(
        'debtornote',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('debtor_id', sa.Integer(), nullable=False),
        sa.Column('author_user_id', sa.Integer(), nullable=True),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('created_at', saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id']),
        sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id']),
        sa.ForeignKeyConstraint(['author_user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_debtornote_org_debtor_created', 'debtornote', ['org_id', 'debtor_id', 'created_at'])
    op.create_index('ix_auditlog_org_target', 'auditlog', ['org_id', 'target_type', 'target_id'])


def downgrade() -> None:
    op.drop_index('ix_auditlog_org_target', table_name='auditlog')
    op.drop_index('ix_debtornote_org_debtor_created', table_name='debtornote')
    op.drop_table('debtornote')
    op.drop_index('ix_debtor_assigned_user_id', table_name='debtor')
    if op.get_context().dialect.name == 'sqlite':
        op.execute('ALTER TABLE debtor DROP COLUMN assigned_user_id')  # in place too (SQLite 3.35+)
    else:
        op.drop_constraint('fk_debtor_assigned_user_id', 'debtor', type_='foreignkey')
        op.drop_column('debtor', 'assigned_user_id')
