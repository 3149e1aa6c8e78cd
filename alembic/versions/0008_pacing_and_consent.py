"""Campaign priority, message kind, and each organization's language fallback.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='oldest_first', nullable=False)
        )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), server_default='reminder', nullable=False)
        )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language_fallback', sa.JSON(), server_default='["en"]', nullable=False))
    # A person's reply is the message without a template that existed before this revision.
    op.execute("UPDATE message SET kind = 'reply' WHERE template_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('language_fallback')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('priority')
