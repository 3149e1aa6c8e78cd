"""Password-reset requests are counted to limit them; unlock links for accounts under attack; mailed secrets withheld.

Emails stored before this kept the token of their reset or invitation link in clear: the token is
replaced by "[withheld]" (their recipients still have the mail; nothing else should have the link).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import saas_app.models.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINK_TOKEN = re.compile(r"(/(?:reset-password|invite)/)[A-Za-z0-9_-]+")


def upgrade() -> None:
    op.create_table('passwordresetrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('passwordresetrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passwordresetrequest_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_passwordresetrequest_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_passwordresetrequest_ip'), ['ip'], unique=False)

    op.create_table('unlocklink',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', saas_app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', saas_app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('unlocklink', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unlocklink_user_id'), ['user_id'], unique=False)

    connection = op.get_bind()
    emails = sa.table('outboundemail', sa.column('id', sa.Integer()), sa.column('body', sa.Text()))
    for email_id, body in connection.execute(
        sa.select(emails.c.id, emails.c.body).where(
            sa.or_(emails.c.body.like('%/reset-password/%'), emails.c.body.like('%/invite/%'))
        )
    ).all():
        connection.execute(
            emails.update().where(emails.c.id == email_id).values(body=_LINK_TOKEN.sub(r"\1[withheld]", body))
        )


def downgrade() -> None:
    with op.batch_alter_table('unlocklink', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unlocklink_user_id'))
    op.drop_table('unlocklink')
    with op.batch_alter_table('passwordresetrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passwordresetrequest_ip'))
        batch_op.drop_index(batch_op.f('ix_passwordresetrequest_email'))
        batch_op.drop_index(batch_op.f('ix_passwordresetrequest_at'))
    op.drop_table('passwordresetrequest')
