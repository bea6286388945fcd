"""Bad input is refused with a message naming the field, and nothing is written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.access import Actor, resolve_actor
from bot.db.base import Base
from bot.db.engine import Database
from bot.errors import InvalidInput
from bot.mentees.service import log_item
from bot.people import PersonSettings, valid_tz
from bot.profile.schema import ExamIn, ProfileIn, UsceIn
from tests.factories import J1_PRELIM, build_programme


def _row_counts(db: Database) -> dict[str, int]:
    with db.read_only() as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
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
    with pytest.raises(ValidationError, match="time zone"):
        PersonSettings(tz=name[:64])
