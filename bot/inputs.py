"""What a date may be as it enters MatchPath, decided once for every input model.

Each dated field has a range that makes sense for it (nobody sat a USMLE exam before 1990), and a
refusal names the field in words a user knows ("the exam date"), not the model's field name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = date(1950, 1, 1)  # the oldest career fact worth recording
LATEST = date(2100, 12, 31)
FIRST_USMLE = date(1990, 1, 1)  # the USMLE began in 1992: an earlier exam date is a typo


def _within(what: str, earliest: date, latest: date) -> Callable[[date | None], date | None]:
    def check(value: date | None) -> date | None:
        if value is not None and not earliest <= value <= latest:
            raise ValueError(f"the {what} must be between {earliest} and {latest}, not {value}")
        return value

    return check


def dated(what: str, earliest: date = EARLIEST, latest: date = LATEST) -> AfterValidator:
    """A validator for `Annotated[date, dated("exam date", FIRST_USMLE)]`."""
    return AfterValidator(_within(what, earliest, latest))


ExamDay = Annotated[date, dated("exam date", FIRST_USMLE)]
PracticeDay = Annotated[date, dated("practice test date", FIRST_USMLE)]
PlannedExamDay = Annotated[date, dated("planned exam date", FIRST_USMLE)]
DueDay = Annotated[date, dated("due date")]
