"""initial schema

Revision ID: 20261122_0001
Revises:
Create Date: 2026-11-22 01:55:34.729671
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261122_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_slack_id', sa.String(length=32), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=True),
    sa.Column('subject_slack_id', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Enum('ok', 'denied', name='auditoutcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor', ['actor_slack_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_event_mentee', ['mentee_id', 'at'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=True),
    sa.Column('tz_override', sa.String(length=64), nullable=True),
    sa.Column('tz_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('quiet_start_minute', sa.SmallInteger(), nullable=False),
    sa.Column('quiet_end_minute', sa.SmallInteger(), nullable=False),
    sa.Column('quiet_weekends', sa.Boolean(), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('is_mentor', sa.Boolean(), nullable=False),
    sa.Column('dm_channel_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quiet_start_minute BETWEEN 0 AND 1439 AND quiet_end_minute BETWEEN 0 AND 1439', name=op.f('ck_person_quiet_minutes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('slack_user_id', name=op.f('uq_person_slack_user_id'))
    )
    op.create_table('mentee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('applicant_type', sa.Enum('us_img', 'non_us_img', 'us_md', 'us_do', name='applicanttype', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('visa', sa.Enum('none', 'j1', 'h1b', 'j1_or_h1b', name='visaneed', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ecfmg', sa.Enum('certified', 'in_progress', 'not_started', name='ecfmgstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('graduation_year', sa.SmallInteger(), nullable=True),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('mentor_advocate', sa.Boolean(), nullable=False),
    sa.Column('distinctive_story', sa.Boolean(), nullable=False),
    sa.Column('checkpoint_cadence_days', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'matched', 'withdrawn', name='menteestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('checkpoint_cadence_days BETWEEN 30 AND 365', name=op.f('ck_mentee_cadence')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_mentee_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentee')),
    sa.UniqueConstraint('person_id', name=op.f('uq_mentee_person_id'))
    )
    op.create_table('reminder_opt_out',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('checkpoint_due', 'checkpoint_overdue', 'milestone_due', 'milestone_overdue', 'season', 'flag_raised', 'mentor_digest', name='reminderkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_reminder_opt_out_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'kind', name=op.f('pk_reminder_opt_out'))
    )
    op.create_table('application_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('season', sa.SmallInteger(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('applications', sa.JSON(), nullable=False),
    sa.Column('interviews', sa.SmallInteger(), nullable=True),
    sa.Column('outcome', sa.Enum('matched_categorical', 'matched_prelim', 'matched_other', 'soap', 'unmatched', 'withdrew', 'pending', name='cycleoutcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_application_cycle_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_cycle')),
    sa.UniqueConstraint('mentee_id', 'season', name=op.f('uq_application_cycle_mentee_id_season'))
    )
    op.create_table('check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('wellbeing_asked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_check_in_mentee_id_mentee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], name=op.f('fk_check_in_mentor_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in'))
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index('ix_check_in_mentee_at', ['mentee_id', 'at'], unique=False)

    op.create_table('clinical_experience',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('sub_internship', 'elective', 'externship', 'observership', 'research_fellowship', 'residency', name='uscekind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('specialty', sa.Enum('plastic_surgery', 'general_surgery', 'other_surgery', 'other', name='specialty', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=True),
    sa.Column('us', sa.Boolean(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('"end" IS NULL OR "end" >= start', name=op.f('ck_clinical_experience_end_after_start')),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_clinical_experience_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_experience'))
    )
    with op.batch_alter_table('clinical_experience', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinical_experience_mentee_id'), ['mentee_id'], unique=False)

    op.create_table('exam_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('exam', sa.Enum('step1', 'step2ck', 'step3', name='exam', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('result', sa.Enum('pass', 'fail', name='passfail', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('attempt', sa.SmallInteger(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attempt BETWEEN 1 AND 9', name=op.f('ck_exam_result_attempt_range')),
    sa.CheckConstraint('score IS NOT NULL OR result IS NOT NULL', name=op.f('ck_exam_result_score_or_result')),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 300', name=op.f('ck_exam_result_score_range')),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_exam_result_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_result')),
    sa.UniqueConstraint('mentee_id', 'exam', 'attempt', name=op.f('uq_exam_result_mentee_id_exam_attempt'))
    )
    with op.batch_alter_table('exam_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_result_mentee_id'), ['mentee_id'], unique=False)

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('open', 'snoozed', 'resolved', name='flagstate', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_reason', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_flag_mentee_id_mentee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['person.id'], name=op.f('fk_flag_resolved_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag'))
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index('ix_flag_state', ['state'], unique=False)
        batch_op.create_index('uq_flag_unresolved', ['mentee_id', 'rule'], unique=True, sqlite_where=sa.text("state != 'resolved'"), postgresql_where=sa.text("state != 'resolved'"))

    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('writer', sa.String(length=200), nullable=False),
    sa.Column('specialty', sa.Enum('plastic_surgery', 'general_surgery', 'other_surgery', 'other', name='specialty', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('us', sa.Boolean(), nullable=False),
    sa.Column('strong', sa.Boolean(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_letter_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter'))
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_mentee_id'), ['mentee_id'], unique=False)

    op.create_table('mentor_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_mentor_assignment_mentee_id_mentee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], name=op.f('fk_mentor_assignment_mentor_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_assignment'))
    )
    with op.batch_alter_table('mentor_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_mentor_assignment_mentee', ['mentee_id', 'until'], unique=False)
        batch_op.create_index('ix_mentor_assignment_mentor', ['mentor_id', 'until'], unique=False)
        batch_op.create_index('uq_mentor_assignment_active', ['mentor_id', 'mentee_id'], unique=True, sqlite_where=sa.text('until IS NULL'), postgresql_where=sa.text('until IS NULL'))

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'dropped', name='milestonestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_milestone_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_milestone_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_mentee_id'), ['mentee_id'], unique=False)
        batch_op.create_index('ix_milestone_open_due', ['status', 'due_on'], unique=False)

    op.create_table('planned_exam',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('exam', sa.Enum('step1', 'step2ck', 'step3', name='exam', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_planned_exam_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_exam')),
    sa.UniqueConstraint('mentee_id', 'exam', name=op.f('uq_planned_exam_mentee_id_exam'))
    )
    op.create_table('practice_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('exam', sa.Enum('step1', 'step2ck', 'step3', name='exam', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('NBME', 'UWorld', 'Free120', 'other', name='practicesource', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 300', name=op.f('ck_practice_score_score_range')),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_practice_score_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_score'))
    )
    with op.batch_alter_table('practice_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_score_mentee_id'), ['mentee_id'], unique=False)

    op.create_table('research_output',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('abstract', 'poster', 'oral_presentation', 'publication', 'manuscript_submitted', 'case_report', name='researchkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('specialty', sa.Enum('plastic_surgery', 'general_surgery', 'other_surgery', 'other', name='specialty', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('first_author', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentee.id'], name=op.f('fk_research_output_mentee_id_mentee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_output'))
    )
    with op.batch_alter_table('research_output', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_output_mentee_id'), ['mentee_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('research_output', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_output_mentee_id'))

    op.drop_table('research_output')
    with op.batch_alter_table('practice_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_score_mentee_id'))

    op.drop_table('practice_score')
    op.drop_table('planned_exam')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_open_due')
        batch_op.drop_index(batch_op.f('ix_milestone_mentee_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('mentor_assignment', schema=None) as batch_op:
        batch_op.drop_index('uq_mentor_assignment_active', sqlite_where=sa.text('until IS NULL'), postgresql_where=sa.text('until IS NULL'))
        batch_op.drop_index('ix_mentor_assignment_mentor')
        batch_op.drop_index('ix_mentor_assignment_mentee')

    op.drop_table('mentor_assignment')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_mentee_id'))

    op.drop_table('letter')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('uq_flag_unresolved', sqlite_where=sa.text("state != 'resolved'"), postgresql_where=sa.text("state != 'resolved'"))
        batch_op.drop_index('ix_flag_state')

    op.drop_table('flag')
    with op.batch_alter_table('exam_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_result_mentee_id'))

    op.drop_table('exam_result')
    with op.batch_alter_table('clinical_experience', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinical_experience_mentee_id'))

    op.drop_table('clinical_experience')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index('ix_check_in_mentee_at')

    op.drop_table('check_in')
    op.drop_table('application_cycle')
    op.drop_table('reminder_opt_out')
    op.drop_table('mentee')
    op.drop_table('person')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_mentee')
        batch_op.drop_index('ix_audit_event_actor')

    op.drop_table('audit_event')
