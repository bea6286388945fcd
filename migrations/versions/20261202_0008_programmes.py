"""programme data: a dataset per import, a row per programme and track

Revision ID: 20261202_0008
Revises: 20261202_0007
Create Date: 2026-12-02 09:00:00

A NULL fact is unknown (never "no"), so every fact column is nullable and has no default.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261202_0008'
down_revision: str | None = '20261202_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKS = (
    'general_surgery', 'preliminary_surgery', 'transitional_year', 'integrated_plastics',
    'internal_medicine', 'family_medicine', 'pediatrics', 'psychiatry', 'pathology',
    'neurology', 'anesthesiology', 'radiology', 'physical_medicine', 'emergency_medicine',
)


def upgrade() -> None:
    op.create_table('programme_dataset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_dataset')),
    sa.UniqueConstraint('version', name=op.f('uq_programme_dataset_version')),
    sqlite_autoincrement=True,
    )
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('track', sa.Enum(*TRACKS, name='programmetrack', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sponsors_j1', sa.Boolean(), nullable=True),
    sa.Column('sponsors_h1b', sa.Boolean(), nullable=True),
    sa.Column('img_share', sa.SmallInteger(), nullable=True),
    sa.Column('step2_screen', sa.SmallInteger(), nullable=True),
    sa.Column('first_attempt_only', sa.Boolean(), nullable=True),
    sa.Column('max_years_since_graduation', sa.SmallInteger(), nullable=True),
    sa.Column('usce_required', sa.Boolean(), nullable=True),
    sa.Column('setting', sa.Enum('academic', 'community', name='programmesetting', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('positions', sa.SmallInteger(), nullable=True),
    sa.Column('unfilled_after_match', sa.JSON(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.CheckConstraint('img_share BETWEEN 0 AND 100', name=op.f('ck_programme_img_share_percent')),
    sa.CheckConstraint('step2_screen BETWEEN 150 AND 300', name=op.f('ck_programme_step2_screen_score')),
    sa.CheckConstraint('max_years_since_graduation BETWEEN 0 AND 60', name=op.f('ck_programme_graduation_years')),
    sa.CheckConstraint('positions BETWEEN 0 AND 500', name=op.f('ck_programme_positions_count')),
    sa.ForeignKeyConstraint(['dataset_id'], ['programme_dataset.id'], name=op.f('fk_programme_dataset_id_programme_dataset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('dataset_id', 'track', 'name', 'state', 'city', name=op.f('uq_programme_dataset_id_track_name_state_city')),
    sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table('programme')
    op.drop_table('programme_dataset')
