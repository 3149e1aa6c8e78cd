"""The invoice's document: the link to its PDF, sent in the chat on request.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('document_url', sqlmodel.sql.sqltypes.AutoString(length=500), server_default='', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('document_url')
