"""What text and dates may be as they enter MatchPath, decided once for every input model.

Text: a control character (NUL, ESC, DEL, C1) or a lone surrogate is refused in every field,
because PostgreSQL cannot store a NUL or a surrogate and SQLite would keep one that a later export
could not bring back; refusing it on both databases keeps them alike. Line breaks and tabs are
kept in prose (notes) and folded to spaces in one-line fields (names, titles).

Dates: each dated field has a range that makes sense for it (nobody sat a USMLE exam before
1990), and a refusal names the field in words a user knows ("the exam date").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# C0 controls, DEL, C1 controls and surrogates; prose keeps tab and line feed.
UNSTORABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
UNSTORABLE_IN_PROSE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
FOLDED = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]")


def _refuse(found: re.Match[str] | None) -> None:
    if found is not None:
        code = f"U+{ord(found.group()):04X}"
        raise ValueError(f"contains a control character ({code}) that cannot be stored; remove it")


def one_line(value: Any) -> Any:
    """Names, titles, time zones: line breaks and tabs become spaces; other controls refused."""
    if isinstance(value, str):
        value = FOLDED.sub(" ", value)
        _refuse(UNSTORABLE.search(value))
    return value


def prose(value: Any) -> Any:
    """Notes and reasons: line breaks (any convention) become \\n, tabs stay, the rest refused."""
    if isinstance(value, str):
        value = LINE_BREAKS.sub("\n", value)
        _refuse(UNSTORABLE_IN_PROSE.search(value))
    return value


def unstorable(text: str, *, keep: str = "") -> str | None:
    """The first character of `text` that no field would store (outside `keep`), or None."""
    return next((c for c in UNSTORABLE.findall(text) if c not in keep), None)


def blank_is_none(value: Any) -> Any:
    """An optional field left blank (empty or only spaces) is absent: a spreadsheet's empty cell
    and "" in a JSON file mean the same, so that every file format keeps the same value."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


Line = Annotated[str, BeforeValidator(one_line)]
Prose = Annotated[str, BeforeValidator(prose)]

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
