"""Messages are found by (org, wamid) in one index: SQLite used to pick org_id alone and read them all.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_org_wamid', ['org_id', 'wamid'], unique=False)
        batch_op.drop_index('ix_message_wamid')


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_wamid', ['wamid'], unique=False)
        batch_op.drop_index('ix_message_org_wamid')
