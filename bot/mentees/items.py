"""Log one profile item (exam, letter, USCE, research, cycle, practice score, planned exam),
and the lines that name it for the person who logged it and for the dashboard thread."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.access import Actor, Capability, mentee_for
from bot.errors import InvalidInput
from bot.events import ProfileItemLogged, emit
from bot.mentees.dto import ItemLogged
from bot.models import Mentee, PlannedExam
from bot.profile.schema import (
    CycleIn,
    ExamIn,
    LetterIn,
    PlannedExamIn,
    PracticeScoreIn,
    ResearchIn,
    UsceIn,
)
from bot.profile.store import item_row, load_profiles
from bot.vocab import label

ProfileItem = ExamIn | PlannedExamIn | PracticeScoreIn | UsceIn | LetterIn | ResearchIn | CycleIn


def log_item(
    session: Session, *, actor: Actor, slack_user_id: str, item: ProfileItem
) -> ItemLogged:
    """Add one item (exam, letter, USCE, research, cycle, practice score, planned exam)."""
    kind = type(item).__name__.removesuffix("In").lower()
    mentee = mentee_for(session, actor, slack_user_id, Capability.LOG_ITEM, f"item.add.{kind}")
    item = _check_item(session, mentee, item)
    if isinstance(item, ExamIn | PlannedExamIn):
        # Sitting an exam settles its plan; a new plan replaces the old one.
        session.execute(
            delete(PlannedExam).where(
                PlannedExam.mentee_id == mentee.id, PlannedExam.exam == item.exam
            )
        )
    row: Any = item_row(item, mentee_id=mentee.id, now=actor.now)
    session.add(row)
    mentee.updated_at = actor.now
    session.flush()
    emit(
        session,
        ProfileItemLogged(
            mentee_id=mentee.id, actor=actor, kind=kind, item_id=row.id, summary=describe_item(item)
        ),
    )
    return ItemLogged(
        mentee_id=mentee.id,
        kind=kind,
        id=row.id,
        summary=describe_item(item),
        confirmation=confirm_item(item),
    )


def _check_item(session: Session, mentee: Mentee, item: ProfileItem) -> ProfileItem:
    """The item as it will be stored (an exam gets its attempt number), or a refusal."""
    profile = load_profiles(session, [mentee])[mentee.id]
    if isinstance(item, ExamIn):
        return numbered_attempt([e for e in profile.exams if e.exam is item.exam], item)
    if isinstance(item, CycleIn) and any(c.season == item.season for c in profile.cycles):
        raise InvalidInput.single("season", f"the {item.season} season is already recorded")
    return item


def numbered_attempt(sat: list[ExamIn], exam: ExamIn) -> ExamIn:
    """A result without an attempt number is the next attempt; one given must be free, and a
    day already on record is the same sitting logged twice."""
    name = label(exam.exam)
    after = max((e.attempt for e in sat), default=0) + 1
    twice = next((e for e in sat if e.taken_on == exam.taken_on), None)
    if twice is not None:
        raise InvalidInput.single(
            "taken_on",
            f"{name} taken on {exam.taken_on} is already recorded (attempt {twice.attempt})",
        )
    if "attempt" in exam.model_fields_set:
        if any(e.attempt == exam.attempt for e in sat):
            raise InvalidInput.single(
                "attempt",
                f"{name} attempt {exam.attempt} is already recorded; the next is attempt {after}",
            )
        return exam
    if after > 9:
        raise InvalidInput.single("attempt", f"{name} already has 9 attempts on record")
    return exam.model_copy(update={"attempt": after})


def confirm_item(item: ProfileItem) -> str:
    """What was stored, for the person who logged it: with the score and the attempt."""
    match item:
        case ExamIn():
            return (
                f"{label(item.exam)} {item.result_text()} (attempt {item.attempt}, {item.taken_on})"
            )
        case PracticeScoreIn():
            return (
                f"{label(item.source)} practice score {item.score} for {label(item.exam)} "
                f"({item.taken_on})"
            )
    return describe_item(item)


def describe_item(item: ProfileItem) -> str:
    """One line naming the item, for confirmations and the dashboard thread (no scores)."""
    match item:
        case ExamIn():
            return f"{label(item.exam)} result (attempt {item.attempt}, {item.taken_on})"
        case PlannedExamIn():
            return f"{label(item.exam)} planned for {item.planned_on}"
        case PracticeScoreIn():
            return f"{label(item.source)} practice score for {label(item.exam)} ({item.taken_on})"
        case UsceIn():
            return f"{label(item.kind)} in {label(item.specialty)}"
        case LetterIn():
            strength = "strong " if item.strong else ""
            return f"{strength}letter from {item.writer}"
        case ResearchIn():
            return f"{label(item.kind)}: {item.title}"
        case CycleIn():
            return f"{item.season} application cycle ({label(item.outcome)})"
