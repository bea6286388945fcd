"""Hypothesis strategies for whole rosters: every shape the schema allows, with text that is hard
to carry through a spreadsheet (commas, quotes, line breaks, formula starts, apostrophes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from bot.roster.schema import CheckInEntry, MenteeRecord, MentorEntry, MilestoneEntry, Roster
from bot.vocab import MenteeStatus, MilestoneStatus
from tests.strategies import days, profiles

# Starts that a spreadsheet would run as a formula, and apostrophes that guard one.
STARTS = ["", "", "=", "+", "-", "@", "'", "''", "'=", "''-", "=+", "\t"]
LETTERS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
ZONES = ["America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Auckland", None]


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text a person could type: any start, commas, quotes, line breaks (folded in one-line
    fields), any script; never blank (a blank name is refused, not a round-trip case)."""
    middle = st.text(
        alphabet=st.one_of(LETTERS, st.sampled_from([",", '"', "'", ";", "\n", "\r", " "])),
        max_size=max_size,
    )
    return st.builds(lambda s, m: s + m, st.sampled_from(STARTS), middle).filter(str.strip)


slack_ids = st.from_regex(r"U[A-Z0-9]{4,10}", fullmatch=True)
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """A moment, in UTC or at any whole-minute offset, to the microsecond."""
    day = draw(days)
    after = timedelta(
        seconds=draw(st.integers(0, 86_399)),
        microseconds=draw(st.sampled_from([0, 0, 0, 1, 999_999])),
    )
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return (start + after).astimezone(draw(st.one_of(st.just(UTC), offsets)))


@st.composite
def milestones(draw: st.DrawFn) -> MilestoneEntry:
    status = draw(st.sampled_from(list(MilestoneStatus)))
    return MilestoneEntry(
        title=draw(texts()),
        due_on=draw(days),
        status=status,
        completed_on=draw(days) if status is MilestoneStatus.DONE else None,
        kind=draw(st.sampled_from(["free", "plan", "exam"])),
        rule=draw(st.sampled_from([None, "R-STEP2", "R-ERAS"])),
    )


@st.composite
def mentee_records(draw: st.DrawFn, slack_id: str, mentor_ids: list[str]) -> MenteeRecord:
    profile = draw(profiles())
    mentors = draw(st.lists(st.sampled_from(mentor_ids), unique=True)) if mentor_ids else []
    values: dict[str, Any] = profile.model_dump()
    values.update(
        name=draw(texts()),
        slack_user_id=slack_id,
        tz=draw(st.sampled_from(ZONES)),
        mentors=sorted(mentors),
        status=draw(st.sampled_from(list(MenteeStatus))),
        checkpoint_cadence_days=draw(st.integers(30, 365)),
        notes=draw(st.one_of(st.just(""), texts(200))),
        milestones=draw(st.lists(milestones(), max_size=4)),
        checkins=[
            CheckInEntry(
                mentor=draw(st.sampled_from([None, *mentor_ids])),
                at=draw(instants()),
                notes=draw(st.one_of(st.just(""), texts(200))),
                wellbeing_asked=draw(st.booleans()),
            )
            for _ in range(draw(st.integers(0, 3)))
        ],
    )
    return MenteeRecord.model_validate(values)


@st.composite
def rosters(draw: st.DrawFn) -> Roster:
    """A roster as export writes one: admins and mentors each by Slack id."""
    ids = draw(st.lists(slack_ids, unique=True, min_size=1, max_size=12))
    mentor_ids = sorted(draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)))
    admins = sorted(draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)))
    mentees = [i for i in ids if i not in mentor_ids][:4]
    return Roster(
        admins=admins,
        mentors=[
            MentorEntry(slack_user_id=i, name=draw(texts()), tz=draw(st.sampled_from(ZONES)))
            for i in mentor_ids
        ],
        mentees=[draw(mentee_records(i, mentor_ids)) for i in mentees],
    )
