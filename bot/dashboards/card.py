"""What a mentee's dashboard card shows, read with a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.applications.dto import SeasonFunnel
from bot.applications.funnel import assessed_profiles, latest_funnels
from bot.assessment.engine import assess
from bot.assessment.outlook import alert_line, season_line
from bot.assessment.ruleset import Ruleset
from bot.models import CheckIn, Flag, Mentee, Milestone
from bot.profile.schema import ExamIn
from bot.vocab import (
    Exam,
    FlagState,
    MilestoneStatus,
    Pathway,
    Specialty,
    UsceKind,
    Verdict,
    label,
)


class CardView(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentee_slack_id: str
    name: str
    applicant_type: str
    visa: str
    status: str
    targets: list[str]
    exams: dict[str, str]
    research: int
    plastics_research: int
    strong_us_letters: int
    usce_weeks: int
    cycles: list[str]
    verdicts: dict[str, str]
    flags: list[str]
    next_milestones: list[str]
    last_check_in: date | None
    next_check_in: date | None
    previous_thread: str | None = None  # a link to the thread of a card that was deleted
    season: str = ""
    alert: str | None = None  # every route blocked, or ECFMG timing: said first
    applications: SeasonFunnel | None = None  # the latest season's funnel, once there is a list


def verdict_change(pathway: str, before: str, after: str) -> str:
    """A pathway's verdict moving, as a thread line says it (values as stored on the card)."""
    return f"{label(Pathway(pathway))}: {label(Verdict(before))} → {label(Verdict(after))}"


def exam_summary(exams: list[ExamIn], exam: Exam) -> str:
    sat = sorted((e for e in exams if e.exam is exam), key=lambda e: e.attempt)
    if not sat:
        return "—"
    last = sat[-1]
    return last.result_text() + (f" (attempt {last.attempt})" if last.attempt > 1 else "")


def build_card(session: Session, mentee: Mentee, *, ruleset: Ruleset, now: datetime) -> CardView:
    today = now.date()
    profile = assessed_profiles(session, [mentee])[mentee.id]
    result = assess(profile, ruleset=ruleset, as_of=today)
    flags = list(
        session.scalars(
            select(Flag.rule)
            .where(Flag.mentee_id == mentee.id, Flag.state == FlagState.OPEN)
            .order_by(Flag.raised_at)
        )
    )
    milestones = session.execute(
        select(Milestone.title, Milestone.due_on)
        .where(Milestone.mentee_id == mentee.id, Milestone.status == MilestoneStatus.OPEN)
        .order_by(Milestone.due_on, Milestone.id)
        .limit(2)
    ).all()
    last = session.scalar(select(func.max(CheckIn.at)).where(CheckIn.mentee_id == mentee.id))
    since = (last or mentee.created_at).date()
    return CardView(
        mentee_slack_id=mentee.person.slack_user_id,
        name=mentee.person.display_name,
        applicant_type=mentee.applicant_type.value,
        visa=mentee.visa.value,
        status=mentee.status.value,
        targets=[str(t) for t in profile.targets],
        exams={e.value: exam_summary(profile.exams, e) for e in Exam},
        research=len(profile.research),
        plastics_research=sum(
            1 for r in profile.research if r.specialty is Specialty.PLASTIC_SURGERY
        ),
        strong_us_letters=sum(1 for x in profile.letters if x.us and x.strong),
        usce_weeks=sum(
            u.weeks(today)
            for u in profile.usce
            if u.us and u.kind is not UsceKind.RESEARCH_FELLOWSHIP
        ),
        cycles=[f"{c.season}: {label(c.outcome)}" for c in profile.cycles],
        verdicts={p.pathway.value: p.verdict.value for p in result.pathways},
        season=season_line(result),
        alert=alert_line(result),
        flags=flags,
        next_milestones=[f"{title} ({due})" for title, due in milestones],
        last_check_in=last.date() if last else None,
        next_check_in=since + timedelta(days=mentee.checkpoint_cadence_days),
        applications=latest_funnels(session, mentees=[mentee.id]).get(mentee.id),
    )
