"""reminder opt-outs: the season's application reminders (branch i14-remind)

Revision ID: 20261202_0014
Revises: 20261202_0012
Create Date: 2026-12-02 15:00:00

Four reminder kinds are added (the submission day, few interview invitations, the rank-list
deadline, SOAP readiness), and a person may opt out of each: the CHECK on
`reminder_opt_out.kind` takes the new values. The ledger's `kind` has no CHECK and needs
nothing. A downgrade drops the opt-outs of the new kinds first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261202_0014'
down_revision: str | None = '20261202_0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = (
    'checkpoint_due', 'checkpoint_overdue', 'milestone_due', 'milestone_overdue', 'season',
    'flag_raised', 'mentor_digest',
)
ADDED = ('submission_day', 'few_interviews', 'rank_deadline', 'soap_ready')


def kinds(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name='reminderkind', native_enum=False, create_constraint=True, length=32
    )


def upgrade() -> None:
    _kinds(BEFORE, BEFORE + ADDED)


def downgrade() -> None:
    opt_out = sa.table('reminder_opt_out', sa.column('kind', sa.String))
    op.execute(opt_out.delete().where(opt_out.c.kind.in_(ADDED)))
    _kinds(BEFORE + ADDED, BEFORE)


def _kinds(old: Sequence[str], new: Sequence[str]) -> None:
    with op.batch_alter_table('reminder_opt_out', schema=None) as batch_op:
        batch_op.alter_column(
            'kind', existing_type=kinds(old), type_=kinds(new), existing_nullable=False
        )
