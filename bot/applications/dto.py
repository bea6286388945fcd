"""What the application services return: frozen DTOs, never ORM rows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from bot.applications.vocab import ApplicationStatus, ChangeVia, Outcome, change_line
from bot.assessment.dto import RuleNote
from bot.programmes.vocab import ProgrammeTrack, Tier


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ApplicationRead(Frozen):
    id: int
    season: int
    name: str
    city: str
    state: str
    track: ProgrammeTrack
    tier: Tier | None
    reasons: list[RuleNote]
    status: ApplicationStatus
    furthest: ApplicationStatus
    applied_on: date | None
    invited_on: date | None
    interviewed_on: date | None
    ranked_on: date | None
    outcome_on: date | None
    closed_on: date | None

    @property
    def title(self) -> str:
        """The name people read, with what tells it from a namesake."""
        return f"{self.name} ({self.track.label}, {self.city} {self.state})"


class Funnel(Frozen):
    """One mentee's season in numbers. A stage counts every application that reached it, even
    one withdrawn or declined later; `listed` is every application on the list."""

    listed: int = 0
    applied: int = 0
    invited: int = 0
    interviewed: int = 0
    ranked: int = 0
    matched: int = 0
    not_matched: int = 0
    withdrawn: int = 0
    declined: int = 0

    @property
    def open(self) -> int:
        return self.listed - self.matched - self.not_matched - self.withdrawn - self.declined

    @property
    def outcome(self) -> Outcome:
        if self.matched:
            return Outcome.MATCHED
        if self.listed and not self.open:
            return Outcome.NOT_MATCHED
        return Outcome.OPEN


class SeasonFunnel(Frozen):
    """A mentee's funnel for their latest season with applications: the one a card and a
    profile show (after Match Day too, with its outcome, until a list for the next season is
    saved)."""

    season: int
    funnel: Funnel


class SavedListRead(Frozen):
    id: int
    season: int
    dataset_version: int
    ruleset_version: str
    saved_by: str
    saved_at: datetime
    added: int  # applications the save created (planned)
    kept: int  # already on the list: their status and history stand
    dropped: int  # planned ones no longer on the list, removed (never sent)


class Applications(Frozen):
    """A mentee's applications for a season, in list order (tier, then name)."""

    mentee_id: int
    season: int
    saved: SavedListRead | None
    applications: list[ApplicationRead]
    funnel: Funnel


class StatusChange(Frozen):
    """One change asked for: which application, to what, on which day (the actor's today when
    None), and whether it is a mentor's correction."""

    application_id: int
    to: ApplicationStatus
    on: date | None = None
    correction: bool = False


class ChangeRead(Frozen):
    """A change made: what the thread line says, and the rest for whoever wants it."""

    application: ApplicationRead
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    happened_on: date
    changed_by: str
    via: ChangeVia
    correction: bool

    @property
    def line(self) -> str:
        """The change in a line, as the dashboard thread says it: the programme and the step,
        no reasons or tiers."""
        return change_line(
            self.application.name,
            self.application.track.label,
            before=self.from_status,
            after=self.to_status,
            on=self.happened_on,
            correction=self.correction,
        )


class StatusesUpdated(Frozen):
    changes: list[ChangeRead]
    unchanged: list[ApplicationRead]  # asked for the status they already had
    funnel: Funnel
