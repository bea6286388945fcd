"""The words of applications: where one stands, and how a change came in.

Values are stored in the database and written in import files, so renaming one is a data
migration. Labels are what people read in Slack and in the report.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ApplicationStatus(StrEnum):
    PLANNED = "planned"  # on the saved list, not sent yet
    APPLIED = "applied"
    INTERVIEW_INVITED = "interview_invited"
    INTERVIEWED = "interviewed"
    RANKED = "ranked"  # on the certified rank-order list
    MATCHED = "matched"
    NOT_MATCHED = "not_matched"  # ranked, and the Match went elsewhere
    WITHDRAWN = "withdrawn"  # the mentee withdrew (or dropped it before sending)
    DECLINED = "declined"  # the programme said no: a rejection, or an invitation taken back

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in STAGES

    @property
    def stage(self) -> int:
        """Its place on the way to Match Day: planned 0 … ranked 4, an outcome 5; a withdrawal
        or a decline has no place (-1): how far it got is kept apart (`furthest`)."""
        if self in STAGES:
            return STAGES.index(self)
        return len(STAGES) if self in OUTCOMES else -1


STAGES = (
    ApplicationStatus.PLANNED,
    ApplicationStatus.APPLIED,
    ApplicationStatus.INTERVIEW_INVITED,
    ApplicationStatus.INTERVIEWED,
    ApplicationStatus.RANKED,
)
OUTCOMES = (ApplicationStatus.MATCHED, ApplicationStatus.NOT_MATCHED)
CLOSED_EARLY = (ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED)

STATUS_LABELS = {
    ApplicationStatus.PLANNED: "planned",
    ApplicationStatus.APPLIED: "applied",
    ApplicationStatus.INTERVIEW_INVITED: "interview invited",
    ApplicationStatus.INTERVIEWED: "interviewed",
    ApplicationStatus.RANKED: "ranked",
    ApplicationStatus.MATCHED: "matched",
    ApplicationStatus.NOT_MATCHED: "not matched",
    ApplicationStatus.WITHDRAWN: "withdrawn",
    ApplicationStatus.DECLINED: "declined by the programme",
}


# How a thread line says an application got there ("{}" is the programme and its track).
STATUS_NEWS = {
    ApplicationStatus.PLANNED: "Back on the plan: {}",
    ApplicationStatus.APPLIED: "Applied to {}",
    ApplicationStatus.INTERVIEW_INVITED: "Interview invitation from {}",
    ApplicationStatus.INTERVIEWED: "Interviewed at {}",
    ApplicationStatus.RANKED: "Ranked {}",
    ApplicationStatus.MATCHED: "Matched at {}",
    ApplicationStatus.NOT_MATCHED: "Not matched at {}",
    ApplicationStatus.WITHDRAWN: "Withdrew from {}",
    ApplicationStatus.DECLINED: "Declined by {}",
}


def change_line(
    name: str,
    track: str,
    *,
    before: ApplicationStatus | None,
    after: ApplicationStatus,
    on: date,
    correction: bool,
) -> str:
    """One change as people read it, in Slack and in the mentee's dashboard thread: the step,
    the programme with its track, the day; a correction says what it undid."""
    programme = f"{name} ({track})"
    if correction:
        was = f" (was {before.label})" if before else ""
        return f"Corrected: {programme} is {after.label}{was}, {on}"
    return f"{STATUS_NEWS[after].format(programme)}, {on}"


class ChangeVia(StrEnum):
    """Where a change came from, for the history (and which thread lines to post)."""

    SAVED = "saved"  # the list was saved: the application is created, planned
    UPDATE = "update"  # a mentee, a mentor or an admin changed it
    IMPORT = "import"  # an admin's CSV import


class Outcome(StrEnum):
    """How a mentee's season ended, from their applications."""

    MATCHED = "matched"  # at least one programme matched
    NOT_MATCHED = "not_matched"  # every application closed, none matched
    OPEN = "open"  # still under way (or no list saved)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")
