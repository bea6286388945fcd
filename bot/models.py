"""The ORM model: the product's memory. Every timestamp is UTC (`timestamptz`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, EnumString, enum_column
from bot.vocab import (
    ApplicantType,
    AuditOutcome,
    CycleOutcome,
    DeliveryKind,
    DeliveryState,
    EcfmgStatus,
    Exam,
    FlagState,
    MenteeStatus,
    MilestoneStatus,
    PassFail,
    PracticeSource,
    ReminderKind,
    ResearchKind,
    Specialty,
    UsceKind,
    VisaNeed,
)

DEFAULT_QUIET_START = 20 * 60
DEFAULT_QUIET_END = 8 * 60
DEFAULT_CADENCE_DAYS = 180

# Ids that audit rows and ledger keys refer to are never handed out twice: on SQLite a deleted
# row's id would otherwise go to the next insert (PostgreSQL's sequences never reuse one).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def mentee_fk() -> ForeignKey:
    return ForeignKey("mentee.id", ondelete="CASCADE")


class Person(Base):
    """A Slack user known to the bot; mentors, mentees and admins are all people."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_override: Mapped[str | None] = mapped_column(String(64))
    tz_checked_at: Mapped[datetime | None]
    quiet_start_minute: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_QUIET_START)
    quiet_end_minute: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_QUIET_END)
    quiet_weekends: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            "quiet_start_minute BETWEEN 0 AND 1439 AND quiet_end_minute BETWEEN 0 AND 1439",
            name="quiet_minutes",
        ),
        NEVER_REUSE_IDS,
    )

    @property
    def effective_tz(self) -> str:
        return self.tz_override or self.tz or "UTC"


class ReminderOptOut(Base):
    __tablename__ = "reminder_opt_out"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind), primary_key=True)


class Mentee(Base):
    """A mentee's profile: the facts the assessment reads, plus programme bookkeeping."""

    __tablename__ = "mentee"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    applicant_type: Mapped[ApplicantType] = mapped_column(enum_column(ApplicantType))
    visa: Mapped[VisaNeed] = mapped_column(enum_column(VisaNeed))
    ecfmg: Mapped[EcfmgStatus] = mapped_column(enum_column(EcfmgStatus))
    graduation_year: Mapped[int | None] = mapped_column(SmallInteger)
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    mentor_advocate: Mapped[bool] = mapped_column(Boolean, default=False)
    distinctive_story: Mapped[bool] = mapped_column(Boolean, default=False)
    checkpoint_cadence_days: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_CADENCE_DAYS)
    status: Mapped[MenteeStatus] = mapped_column(
        enum_column(MenteeStatus), default=MenteeStatus.ACTIVE
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    flags_checked_at: Mapped[datetime | None]
    # Last check-in (or enrolment) + cadence: kept current by the services, so that planning
    # checkpoint reminders is an index range scan, not an aggregate over every check-in.
    checkpoint_due_on: Mapped[date | None]

    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("checkpoint_cadence_days BETWEEN 30 AND 365", name="cadence"),
        Index("ix_mentee_checkpoint", "status", "checkpoint_due_on"),
        NEVER_REUSE_IDS,
    )


class MentorAssignment(Base):
    __tablename__ = "mentor_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(mentee_fk())
    since: Mapped[datetime]
    until: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_mentor_assignment_mentor", "mentor_id", "until"),
        Index("ix_mentor_assignment_mentee", "mentee_id", "until"),
        Index(
            "uq_mentor_assignment_active",
            "mentor_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
    )


class ExamResult(Base):
    """A sat exam: a numeric score, or a pass/fail result (Step 1 since 2022)."""

    __tablename__ = "exam_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk(), index=True)
    exam: Mapped[Exam] = mapped_column(enum_column(Exam))
    score: Mapped[int | None] = mapped_column(SmallInteger)
    result: Mapped[PassFail | None] = mapped_column(enum_column(PassFail))
    attempt: Mapped[int] = mapped_column(SmallInteger, default=1)
    taken_on: Mapped[date]
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("mentee_id", "exam", "attempt"),
        CheckConstraint("score IS NOT NULL OR result IS NOT NULL", name="score_or_result"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 300", name="score_range"),
        CheckConstraint("attempt BETWEEN 1 AND 9", name="attempt_range"),
    )


class PlannedExam(Base):
    __tablename__ = "planned_exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk())
    exam: Mapped[Exam] = mapped_column(enum_column(Exam))
    planned_on: Mapped[date]
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("mentee_id", "exam"),)


class PracticeScore(Base):
    """A self-assessment (NBME, UWorld, Free 120) toward a planned exam."""

    __tablename__ = "practice_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk(), index=True)
    exam: Mapped[Exam] = mapped_column(enum_column(Exam))
    score: Mapped[int] = mapped_column(SmallInteger)
    taken_on: Mapped[date]
    source: Mapped[PracticeSource] = mapped_column(enum_column(PracticeSource))
    created_at: Mapped[datetime]

    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 300", name="score_range"),)


class ClinicalExperience(Base):
    """US clinical experience (USCE) or a research fellowship; weeks derive from the dates."""

    __tablename__ = "clinical_experience"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk(), index=True)
    kind: Mapped[UsceKind] = mapped_column(enum_column(UsceKind))
    specialty: Mapped[Specialty] = mapped_column(enum_column(Specialty))
    institution: Mapped[str | None] = mapped_column(String(200))
    us: Mapped[bool] = mapped_column(Boolean, default=True)
    start: Mapped[date]
    end: Mapped[date | None]
    created_at: Mapped[datetime]

    __table_args__ = (CheckConstraint('"end" IS NULL OR "end" >= start', name="end_after_start"),)


class Letter(Base):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk(), index=True)
    writer: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[Specialty] = mapped_column(enum_column(Specialty))
    us: Mapped[bool] = mapped_column(Boolean)
    strong: Mapped[bool] = mapped_column(Boolean)
    received_on: Mapped[date]
    created_at: Mapped[datetime]


class ResearchOutput(Base):
    __tablename__ = "research_output"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk(), index=True)
    kind: Mapped[ResearchKind] = mapped_column(enum_column(ResearchKind))
    specialty: Mapped[Specialty] = mapped_column(enum_column(Specialty))
    first_author: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(500))
    date: Mapped[date]
    created_at: Mapped[datetime]


class ApplicationCycle(Base):
    """One application season (named by its Match year) and how it went."""

    __tablename__ = "application_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk())
    season: Mapped[int] = mapped_column(SmallInteger)
    submitted_on: Mapped[date | None]
    applications: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    interviews: Mapped[int | None] = mapped_column(SmallInteger)
    outcome: Mapped[CycleOutcome] = mapped_column(
        enum_column(CycleOutcome), default=CycleOutcome.PENDING
    )
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("mentee_id", "season"),)


class Milestone(Base):
    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk(), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64), default="free")
    rule: Mapped[str | None] = mapped_column(String(32))
    due_on: Mapped[date]
    # Bumped when the due date moves, so reminders planned for the old date are not confused
    # with the new one.
    due_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_column(MilestoneStatus), default=MilestoneStatus.OPEN
    )
    completed_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_milestone_open_due", "status", "due_on"), NEVER_REUSE_IDS)


class CheckIn(Base):
    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk())
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    notes: Mapped[str] = mapped_column(Text, default="")
    wellbeing_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_check_in_mentee_at", "mentee_id", "at"),)


FLAG_UNRESOLVED = "state != 'resolved'"  # the predicate of uq_flag_unresolved


class Flag(Base):
    """A stagnation or risk flag; at most one unresolved flag per (mentee, rule)."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(mentee_fk())
    rule: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[datetime]
    state: Mapped[FlagState] = mapped_column(enum_column(FlagState), default=FlagState.OPEN)
    snoozed_until: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # When a resolved flag's condition was first seen cleared; until then the same episode
    # continues and is not raised again (a mentor's "resolved" is respected).
    cleared_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_flag_unresolved",
            "mentee_id",
            "rule",
            unique=True,
            sqlite_where=text(FLAG_UNRESOLVED),
            postgresql_where=text(FLAG_UNRESOLVED),
        ),
        Index("ix_flag_state", "state"),
        NEVER_REUSE_IDS,
    )


class AuditEvent(Base):
    """Append-only: who read or changed which mentee's data, and how.

    No foreign keys, on purpose: the record of a deletion must outlive what it deleted. `detail`
    holds ids and field names, never profile contents.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_slack_id: Mapped[str] = mapped_column(String(32))
    mentee_id: Mapped[int | None] = mapped_column(Integer)
    subject_slack_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column(AuditOutcome))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_event_mentee", "mentee_id", "at"),
        Index("ix_audit_event_actor", "actor_slack_id", "at"),
        Index("ix_audit_event_subject", "subject_slack_id", "at"),  # forget finds the rows
        NEVER_REUSE_IDS,
    )


class Delivery(Base):
    """The delivery ledger: one row per message owed to someone, keyed by its business event.

    The scheduler only ticks; this table decides what is sent, once. `dedupe_key` comes from
    the event (milestone + due version + stage + recipient, ...), never from the tick time.
    """

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[DeliveryKind] = mapped_column(EnumString(DeliveryKind))
    # A person for DMs; none for posts to the mentors channel (dashboard cards and threads).
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    mentee_id: Mapped[int | None] = mapped_column(ForeignKey("mentee.id", ondelete="CASCADE"))
    # The line a dashboard thread reply says (composed when the event happened).
    body: Mapped[str | None] = mapped_column(Text)
    # The ids a courier needs are columns, never parsed back out of the dedupe key: the subject
    # (a milestone or a flag), its version (a milestone's due version, a season's year, a
    # card's content version), a card row's generation, a season row's calendar event.
    subject_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int | None] = mapped_column(Integer)
    generation: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str | None] = mapped_column(String(64))
    # The recipient's local day it is for: anchor_date + offset_days.
    anchor_date: Mapped[date]
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_delivery_state_due", "state", "due_at"),
        Index("ix_delivery_recipient", "recipient_id"),
        Index("ix_delivery_mentee", "mentee_id"),
    )


class RateBucket(Base):
    """A token bucket shared by every instance: the workspace-wide send rate lives here."""

    __tablename__ = "rate_bucket"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float]
    refilled_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class WorkspacePause(Base):
    """Set when Slack says the app's auth is gone: sending stops until it works again."""

    __tablename__ = "workspace_pause"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    paused_at: Mapped[datetime]
    checked_at: Mapped[datetime]


class DashboardCard(Base):
    """A mentee's living card in the mentors channel; its thread holds their story.

    `version` rises with every change the card shows; `posted_version` is what Slack shows.
    """

    __tablename__ = "dashboard_card"

    mentee_id: Mapped[int] = mapped_column(
        ForeignKey("mentee.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    previous_ts: Mapped[str | None] = mapped_column(String(32))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    posted_version: Mapped[int] = mapped_column(Integer, default=0)
    verdicts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_dashboard_card_ts", "channel_id", "ts"),)


class AppSetting(Base):
    """Settings an admin changes from Slack (the dashboard channel)."""

    __tablename__ = "app_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class SlackEvent(Base):
    """Events API deliveries already handled: Slack retries, so each event_id acts once."""

    __tablename__ = "slack_event"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class SeenRequest(Base):
    """Signatures of Slack requests already served: a replayed request is refused even inside
    the five minutes its signature stays valid."""

    __tablename__ = "seen_request"

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime]

    __table_args__ = (Index("ix_seen_request_seen_at", "seen_at"),)
