"""calendar feeds: a secret URL per person, its token kept as a SHA-256 (branch i15-data)

Revision ID: 20261203_0015
Revises: 20261202_0014
Create Date: 2026-12-03 09:00:00

One row per person who asked for a feed. Only the token's SHA-256 is stored: a copy of the
database does not give anyone a working URL. The row goes with its person (a forget).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261203_0015'
down_revision: str | None = '20261202_0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_calendar_feed_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('person_id', name=op.f('uq_calendar_feed_person_id')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_calendar_feed_token_sha256')),
    )


def downgrade() -> None:
    op.drop_table('calendar_feed')
