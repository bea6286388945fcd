"""applications: saved lists, the applications they became, a history row per change

Revision ID: 20261202_0012
Revises: 20261202_0008
Create Date: 2026-12-02 10:20:00

An application keeps its programme's name, place and track as saved (the report and the name
search need no join); `furthest` is the last open step it reached, kept after a withdrawal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261202_0012'
down_revision: str | None = '20261202_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKS = (
    'general_surgery', 'preliminary_surgery', 'transitional_year', 'integrated_plastics',
    'internal_medicine', 'family_medicine', 'pediatrics', 'psychiatry', 'pathology',
    'neurology', 'anesthesiology', 'radiology', 'physical_medicine', 'emergency_medicine',
)
STATUSES = (
    'planned', 'applied', 'interview_invited', 'interviewed', 'ranked', 'matched',
    'not_matched', 'withdrawn', 'declined',
)


def status(name: str) -> sa.Enum:
    return sa.Enum(*STATUSES, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('saved_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('season', sa.SmallInteger(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('dataset_version', sa.Integer(), nullable=False),
    sa.Column('ruleset_version', sa.String(length=32), nullable=False),
    sa.Column('tracks', sa.JSON(), nullable=False),
    sa.Column('programmes', sa.Integer(), nullable=False),
    sa.Column('saved_by', sa.String(length=32), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['programme_dataset.id'], name=op.f('fk_saved_list_dataset_id_programme_dataset'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_saved_list_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_list')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_saved_list_mentee_season', 'saved_list', ['mentee_id', 'season'])
    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('season', sa.SmallInteger(), nullable=False),
    sa.Column('saved_list_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('track', sa.Enum(*TRACKS, name='programmetrack', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('tier', sa.Enum('reach', 'core', 'safety', name='tier', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', status('status'), nullable=False),
    sa.Column('furthest', status('furthest'), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('invited_on', sa.Date(), nullable=True),
    sa.Column('interviewed_on', sa.Date(), nullable=True),
    sa.Column('ranked_on', sa.Date(), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_application_mentee_id_mentee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_application_programme_id_programme'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['saved_list_id'], ['saved_list.id'], name=op.f('fk_application_saved_list_id_saved_list'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('mentee_id', 'season', 'track', 'name', 'state', 'city', name=op.f('uq_application_mentee_id_season_track_name_state_city')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_application_funnel', 'application', ['season', 'mentee_id', 'track', 'status', 'furthest'])
    op.create_table('application_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('changed_by', sa.String(length=32), nullable=False),
    sa.Column('from_status', status('from_status'), nullable=True),
    sa.Column('to_status', status('to_status'), nullable=False),
    sa.Column('via', sa.Enum('saved', 'update', 'import', name='changevia', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_change_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_application_change_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_change')),
    sqlite_autoincrement=True,
    )
    op.create_index('ix_application_change_application', 'application_change', ['application_id'])
    op.create_index('ix_application_change_mentee_at', 'application_change', ['mentee_id', 'at'])


def downgrade() -> None:
    op.drop_table('application_change')
    op.drop_table('application')
    op.drop_table('saved_list')
