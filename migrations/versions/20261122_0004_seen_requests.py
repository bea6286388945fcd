"""seen requests

Revision ID: 20261122_0004
Revises: 20261122_0003
Create Date: 2026-11-22 02:52:18.588628
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261122_0004'
down_revision: str | None = '20261122_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('seen_request',
    sa.Column('signature', sa.String(length=80), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('signature', name=op.f('pk_seen_request'))
    )
    with op.batch_alter_table('seen_request', schema=None) as batch_op:
        batch_op.create_index('ix_seen_request_seen_at', ['seen_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('seen_request', schema=None) as batch_op:
        batch_op.drop_index('ix_seen_request_seen_at')

    op.drop_table('seen_request')
