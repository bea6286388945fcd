"""dashboards

Revision ID: 20261122_0003
Revises: 20261122_0002
Create Date: 2026-11-22 02:42:50.780658
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261122_0003'
down_revision: str | None = '20261122_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('app_setting',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_app_setting'))
    )
    op.create_table('slack_event',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_slack_event'))
    )
    op.create_table('dashboard_card',
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('previous_ts', sa.String(length=32), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('posted_version', sa.Integer(), nullable=False),
    sa.Column('verdicts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_dashboard_card_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mentee_id', name=op.f('pk_dashboard_card'))
    )
    with op.batch_alter_table('dashboard_card', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_card_ts', ['channel_id', 'ts'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('thread_ts', sa.String(length=32), nullable=True))
        batch_op.alter_column('recipient_id',
               existing_type=sa.INTEGER(),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.alter_column('recipient_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('thread_ts')
        batch_op.drop_column('body')

    with op.batch_alter_table('dashboard_card', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_card_ts')

    op.drop_table('dashboard_card')
    op.drop_table('slack_event')
    op.drop_table('app_setting')
