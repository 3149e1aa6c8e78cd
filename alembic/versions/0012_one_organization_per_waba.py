"""A WhatsApp Business Account belongs to one organization: its template webhooks go to that one only.

Where two organizations had saved the same WABA id, the one that saved it first keeps it; the others'
WABA id is cleared (their number keeps working; listing templates asks for the id again).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SET = sa.text("waba_id <> ''")


def upgrade() -> None:
    op.execute(
        "UPDATE whatsappaccount SET waba_id = '' WHERE waba_id <> '' AND id NOT IN "
        "(SELECT MIN(id) FROM whatsappaccount WHERE waba_id <> '' GROUP BY waba_id)"
    )
    op.create_index(
        'ux_whatsappaccount_waba_id', 'whatsappaccount', ['waba_id'], unique=True, sqlite_where=_SET, postgresql_where=_SET
    )


def downgrade() -> None:
    op.drop_index('ux_whatsappaccount_waba_id', table_name='whatsappaccount')
