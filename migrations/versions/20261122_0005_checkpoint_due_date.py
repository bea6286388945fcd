"""checkpoint due date

Revision ID: 20261122_0005
Revises: 20261122_0004
Create Date: 2026-11-22 03:27:40.955274
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261122_0005'
down_revision: str | None = '20261122_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mentee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkpoint_due_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_mentee_checkpoint', ['status', 'checkpoint_due_on'], unique=False)
    # Existing mentees: last check-in (or enrolment) + cadence, as the services keep it.
    last = "(SELECT max(c.at) FROM check_in c WHERE c.mentee_id = mentee.id)"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE mentee SET checkpoint_due_on = CAST(timezone('UTC', "
                   f"coalesce({last}, created_at)) AS DATE) + checkpoint_cadence_days")
    else:
        op.execute(f"UPDATE mentee SET checkpoint_due_on = date(coalesce({last}, created_at), "
                   f"'+' || checkpoint_cadence_days || ' days')")


def downgrade() -> None:
    with op.batch_alter_table('mentee', schema=None) as batch_op:
        batch_op.drop_index('ix_mentee_checkpoint')
        batch_op.drop_column('checkpoint_due_on')

