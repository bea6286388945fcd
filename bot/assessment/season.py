"""The season calendar and its phases: which season a day falls in, what phase that season is
in, and which season someone who has not yet applied should aim at.

A season is named by its Match year (the 2027 season submits in September 2026). Its phases run
ERAS open → submission window → interview season → rank list → Match Week → after the Match;
before its ERAS opens, it is in preparation. Seasons beyond the calendar are estimated by moving
the last known one by whole years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Self

from pydantic import model_validator

from bot.assessment.rules import CyclePhases, Model

EVENTS = ("eras_opens", "submission_opens", "review_opens", "rank_deadline", "match_week")


class SeasonDates(Model):
    eras_opens: date
    submission_opens: date
    review_opens: date
    rank_deadline: date
    match_week: date
    estimated: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        order = [getattr(self, name) for name in EVENTS]
        if order != sorted(order):
            raise ValueError(
                "dates must run eras_opens < submission_opens < review_opens < "
                "rank_deadline < match_week"
            )
        return self

    def moved(self, years: int) -> SeasonDates:
        def move(day: date) -> date:
            try:
                return day.replace(year=day.year + years)
            except ValueError:  # 29 February
                return day.replace(year=day.year + years, day=28)

        fields = {name: move(getattr(self, name)) for name in EVENTS}
        return SeasonDates.model_validate({**fields, "estimated": True})


class Phase(StrEnum):
    PREPARATION = "preparation"
    ERAS_OPEN = "eras_open"
    SUBMISSION_WINDOW = "submission_window"
    INTERVIEW_SEASON = "interview_season"
    RANK_LIST = "rank_list"
    MATCH_WEEK = "match_week"
    AFTER_MATCH = "after_match"


@dataclass(frozen=True)
class Calendar:
    known: dict[int, SeasonDates]
    rules: CyclePhases

    def dates(self, season: int) -> SeasonDates:
        if season in self.known:
            return self.known[season]
        anchor = max(self.known) if season > max(self.known) else min(self.known)
        return self.known[anchor].moved(season - anchor)

    def rank_opens(self, season: int) -> date:
        return self.dates(season).rank_deadline - timedelta(days=self.rules.rank_opens_days)

    def match_day(self, season: int) -> date:
        return self.dates(season).match_week + timedelta(days=self.rules.match_day_offset)

    def interview_check(self, season: int) -> date:
        """The day by which few or no interview invitations is a warning (mid-November)."""
        return self.dates(season).review_opens + timedelta(days=self.rules.interview_check_days)

    def last_useful_submission(self, season: int) -> date:
        return self.dates(season).review_opens + timedelta(days=self.rules.late_submission_days)

    def live(self, day: date) -> int:
        """The latest season whose ERAS has opened by `day` (the first known one before that)."""
        season = min(self.known)
        while self.dates(season + 1).eras_opens <= day:
            season += 1
        return season

    def phase(self, season: int, day: date) -> Phase:
        d = self.dates(season)
        if day < d.eras_opens:
            return Phase.PREPARATION
        if day < d.submission_opens:
            return Phase.ERAS_OPEN
        if day < d.review_opens:
            return Phase.SUBMISSION_WINDOW
        if day < self.rank_opens(season):
            return Phase.INTERVIEW_SEASON
        if day <= d.rank_deadline:
            return Phase.RANK_LIST
        if day <= self.match_day(season):
            return Phase.MATCH_WEEK
        return Phase.AFTER_MATCH

    def next_submission(self, day: date) -> int:
        """The first season whose submissions open on or after `day`."""
        season = self.live(day)
        while self.dates(season).submission_opens < day:
            season += 1
        return season

    def target(self, day: date) -> int:
        """The season to apply to for someone who has not submitted yet: the live one while a
        submission still counts (until a few weeks into the programmes' review), else the next."""
        season = self.live(day)
        if day < self.dates(season).eras_opens or day <= self.last_useful_submission(season):
            return season
        return season + 1
