"""Bad input is refused with a message naming the field, and nothing is written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.db.engine import Database
from bot.errors import InvalidInput
from bot.mentees.items import log_item
from bot.mentees.milestones import MilestoneCreate, add_milestones
from bot.people import PersonSettings, valid_tz
from bot.profile.schema import ExamIn, PracticeScoreIn, ProfileIn, UsceIn
from bot.tables import metadata as every_table
from tests.factories import J1_PRELIM, build_programme


def _row_counts(db: Database) -> dict[str, int]:
    with db.read_only() as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in every_table.tables.items()
        }


@pytest.mark.parametrize(
    ("patch", "where", "words"),
    [
        (
            {"exams": [{"exam": "step2ck", "score": 400, "taken_on": "2025-01-01"}]},
            "exams.0.score",
            "less than or equal to 300",
        ),
        (
            {
                "usce": [
                    {
                        "kind": "elective",
                        "specialty": "general_surgery",
                        "start": "2025-03-01",
                        "end": "2025-02-01",
                    }
                ]
            },
            "usce.0",
            "negative number of weeks",
        ),
        ({"visa": "o1"}, "visa", "Input should be"),
        ({"targets": ["pivot", "pivot"]}, "targets", "listed twice"),
        ({"exams": [{"exam": "step1", "taken_on": "2025-01-01"}]}, "exams.0", "score or a result"),
        ({"favourite_colour": "blue"}, "favourite_colour", "unknown field"),
    ],
)
def test_profile_errors_name_the_field(patch: dict[str, Any], where: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileIn.model_validate({**J1_PRELIM, **patch})
    problems = InvalidInput.from_validation(caught.value).problems
    assert any(p.where == where and words in p.message for p in problems), problems


def test_refused_item_writes_nothing(fresh_db: Database, system: Actor) -> None:
    with fresh_db.unit_of_work() as session:
        build_programme(session, system)
    before = _row_counts(fresh_db)
    duplicate = ExamIn(exam="step2ck", score=240, attempt=1, taken_on=date(2026, 1, 1))
    with (
        pytest.raises(InvalidInput, match="attempt 1 is already recorded"),
        fresh_db.unit_of_work() as session,
    ):
        mentor = resolve_actor(
            session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=system.now
        )
        log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=duplicate)
    assert _row_counts(fresh_db) == before


def test_usce_weeks_are_derived() -> None:
    usce = UsceIn.from_weeks(
        start=date(2026, 1, 5), weeks=4, kind="sub_internship", specialty="general_surgery"
    )
    assert usce.end == date(2026, 2, 2)
    assert usce.weeks(as_of=date(2027, 1, 1)) == 4
    assert usce.weeks(as_of=date(2026, 1, 19)) == 2  # ongoing: counted up to today
    with pytest.raises(ValueError, match="1 or more"):
        UsceIn.from_weeks(start=date(2026, 1, 5), weeks=-2, kind="elective", specialty="other")


@pytest.mark.parametrize(
    "name", ["0" * 5000, "Mars/Olympus_Mons", "../../etc/passwd", "Europe/London\x00", " "]
)
def test_a_time_zone_name_that_is_no_zone_is_refused_plainly(name: str) -> None:
    """zoneinfo raises OSError for a name too long for the file system; that is still a
    refusal naming the field, never a crash."""
    with pytest.raises(InvalidInput) as refused:
        valid_tz(name)
    assert refused.value.problems[0].where == "tz"
    with pytest.raises(ValidationError, match=r"time zone|control character"):
        PersonSettings(tz=name[:64])


@pytest.mark.parametrize(
    ("patch", "where", "words"),
    [
        (
            {"exams": [{"exam": "step1", "score": 230, "taken_on": "1989-12-31"}]},
            "exams.0.taken_on",
            "the exam date must be between 1990-01-01 and 2100-12-31",
        ),
        (
            {"practice_scores": [{"exam": "step2ck", "score": 230, "taken_on": "9999-12-31"}]},
            "practice_scores.0.taken_on",
            "the practice test date must be between 1990-01-01",
        ),
        (
            {"planned_exams": [{"exam": "step3", "planned_on": "0001-01-01"}]},
            "planned_exams.0.planned_on",
            "the planned exam date must be between 1990-01-01",
        ),
        (
            {
                "letters": [
                    {
                        "writer": "Dr. X",
                        "specialty": "other",
                        "us": True,
                        "strong": True,
                        "received_on": "1949-12-31",
                    }
                ]
            },
            "letters.0.received_on",
            "the date the letter came must be between 1950-01-01",
        ),
    ],
)
def test_each_date_has_the_range_that_suits_it(
    patch: dict[str, Any], where: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileIn.model_validate({**J1_PRELIM, **patch})
    problems = InvalidInput.from_validation(caught.value).problems
    assert any(p.where == where and words in p.message for p in problems), problems


@pytest.mark.parametrize("due", [date(2016, 11, 1), date(2036, 12, 1), date(2100, 12, 31)])
def test_a_due_date_too_far_from_today_is_refused(
    session: Session, system: Actor, due: date
) -> None:
    """Today is 2026-11-02 here: a milestone may be due from a year ago to ten years ahead."""
    build_programme(session, system)
    mentor = resolve_actor(session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=system.now)
    with pytest.raises(InvalidInput, match="the due date must be between 2025-11-01 and 2036-1"):
        add_milestones(
            session,
            actor=mentor,
            slack_user_id="UMENTEE1",
            milestones=[MilestoneCreate(title="Book Step 3", due_on=due)],
        )
    added = add_milestones(
        session,
        actor=mentor,
        slack_user_id="UMENTEE1",
        milestones=[MilestoneCreate(title="Book Step 3", due_on=date(2036, 10, 1))],
    )
    assert [m.due_on for m in added] == [date(2036, 10, 1)]


def _mentor(session: Session, system: Actor) -> Actor:
    build_programme(session, system)
    return resolve_actor(session, slack_user_id="UMENTOR1", admin_ids=frozenset(), now=system.now)


def test_an_exam_without_an_attempt_is_the_next_attempt(session: Session, system: Actor) -> None:
    """UMENTEE1 sat Step 2 CK once (230): a new result is attempt 2, and the answer says so."""
    mentor = _mentor(session, system)
    retake = ExamIn.model_validate({"exam": "step2ck", "score": 241, "taken_on": "2026-10-25"})
    logged = log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=retake)
    assert logged.confirmation == "Step 2 CK 241 (attempt 2, 2026-10-25)"
    assert "241" not in logged.summary  # the dashboard thread never shows scores
    third = ExamIn.model_validate({"exam": "step2ck", "score": 245, "taken_on": "2026-10-30"})
    assert (
        "attempt 3"
        in log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=third).confirmation
    )
    first = ExamIn.model_validate({"exam": "step3", "result": "pass", "taken_on": "2026-10-01"})
    assert log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=first).confirmation == (
        "Step 3 pass (attempt 1, 2026-10-01)"
    )


def test_a_taken_attempt_or_date_is_refused_saying_what_is_free(
    session: Session, system: Actor
) -> None:
    mentor = _mentor(session, system)
    taken = ExamIn(exam="step2ck", score=241, attempt=1, taken_on=date(2026, 10, 25))
    with pytest.raises(InvalidInput, match="Step 2 CK attempt 1 is already recorded; the next"):
        log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=taken)
    same_day = ExamIn.model_validate({"exam": "step2ck", "score": 230, "taken_on": "2023-03-01"})
    with pytest.raises(InvalidInput, match="Step 2 CK taken on 2023-03-01 is already recorded"):
        log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=same_day)


def test_a_practice_score_confirmation_gives_the_score(session: Session, system: Actor) -> None:
    mentor = _mentor(session, system)
    practice = PracticeScoreIn(exam="step2ck", score=221, taken_on=date(2026, 10, 1))
    logged = log_item(session, actor=mentor, slack_user_id="UMENTEE1", item=practice)
    assert logged.confirmation == "NBME practice score 221 for Step 2 CK (2026-10-01)"
