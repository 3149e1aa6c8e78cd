"""The planner walks running enrollments in id order: index (state, id), not (state, next_step).

With (state, next_step) the planner's "state = 'active' AND id > :last ORDER BY id" read every
active enrollment on each batch; (state, id) reads just the next batch.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_enrollment_due", table_name="enrollment")
    op.create_index("ix_enrollment_state_id", "enrollment", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_enrollment_state_id", table_name="enrollment")
    op.create_index("ix_enrollment_due", "enrollment", ["state", "next_step"])
