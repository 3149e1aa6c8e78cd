"""Fewer index writes for each planned message and each step an enrollment moves on.

- Three indexes go: ix_message_org_id, ix_enrollment_org_id and ix_enrollment_campaign_id. Each is the
  first column of another index (ix_message_org_wamid, ix_enrollment_org_invoice, the enrollment's
  (campaign_id, invoice_id) key), which serves the same lookups; each was one more entry to write per
  row inserted, and per message row updated (a message's status is indexed, so none of its updates is
  heap-only).
- PostgreSQL: room on each page of `enrollment` for its rows' next versions. Planning a step moves
  every active enrollment's `next_step` on, a million updates at a large campaign's launch; with room
  on the page, and `next_step` in no index, the new version goes beside the old one and no index is
  touched (a heap-only tuple). Applies to pages written from now on.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-13 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 80  # percent of a page filled by inserts; the rest waits for updates of its rows
# index: (table, column), each covered by a wider index that begins with the column
REDUNDANT = {
    "ix_message_org_id": ("message", "org_id"),
    "ix_enrollment_org_id": ("enrollment", "org_id"),
    "ix_enrollment_campaign_id": ("enrollment", "campaign_id"),
}


def upgrade() -> None:
    for name, (table, _) in REDUNDANT.items():
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE enrollment SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE enrollment RESET (fillfactor)")
    for name, (table, column) in REDUNDANT.items():
        op.create_index(name, table, [column])
