"""delivery ledger

Revision ID: 20261122_0002
Revises: 20261122_0001
Create Date: 2026-11-22 02:26:41.239745
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261122_0002'
down_revision: str | None = '20261122_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_bucket',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('tokens', sa.Double(), nullable=False),
    sa.Column('refilled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rate_bucket'))
    )
    op.create_table('workspace_pause',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_workspace_pause'))
    )
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('anchor_date', sa.Date(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.Enum('pending', 'claimed', 'sent', 'retry_wait', 'unknown', 'failed', 'expired', 'cancelled', name='deliverystate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=40), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_delivery_mentee_id_mentee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['person.id'], name=op.f('fk_delivery_recipient_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_delivery_dedupe_key'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_mentee', ['mentee_id'], unique=False)
        batch_op.create_index('ix_delivery_recipient', ['recipient_id'], unique=False)
        batch_op.create_index('ix_delivery_state_due', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_delivery_unscheduled', ['due_at', 'state'], unique=False)

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('mentee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags_checked_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('mentee', schema=None) as batch_op:
        batch_op.drop_column('flags_checked_at')

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_column('cleared_at')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_unscheduled')
        batch_op.drop_index('ix_delivery_state_due')
        batch_op.drop_index('ix_delivery_recipient')
        batch_op.drop_index('ix_delivery_mentee')

    op.drop_table('delivery')
    op.drop_table('workspace_pause')
    op.drop_table('rate_bucket')
