"""The invoice list stays fast at 100,000 invoices: due-date order at any depth, one debtor's invoices,
the largest debts first, the totals per currency from an index alone, and each listed invoice's
campaign found by its own enrollments rather than among all of the organization's.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_invoice_org_due', 'invoice', ['org_id', 'due_on'], unique=False)
    op.create_index('ix_invoice_org_debtor_due', 'invoice', ['org_id', 'debtor_id', 'due_on'], unique=False)
    op.create_index(
        'ix_invoice_org_outstanding', 'invoice', ['org_id', sa.text('(amount_minor - paid_minor)')], unique=False
    )
    op.create_index(
        'ix_invoice_org_totals',
        'invoice',
        ['org_id', 'currency', 'status', 'due_on', 'debtor_id', 'amount_minor', 'paid_minor'],
        unique=False,
    )
    op.create_index('ix_enrollment_org_invoice', 'enrollment', ['org_id', 'invoice_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_enrollment_org_invoice', table_name='enrollment')
    op.drop_index('ix_invoice_org_totals', table_name='invoice')
    op.drop_index('ix_invoice_org_outstanding', table_name='invoice')
    op.drop_index('ix_invoice_org_debtor_due', table_name='invoice')
    op.drop_index('ix_invoice_org_due', table_name='invoice')
