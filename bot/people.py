"""People: Slack users known to the bot, and their own settings."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.access import Actor, audit
from bot.errors import AccessDenied, InvalidInput
from bot.inputs import Line
from bot.models import Person, ReminderOptOut
from bot.outbox.ledger import reschedule_recipient
from bot.timezones import find_zone
from bot.vocab import ReminderKind


def valid_tz(name: str | None, where: str = "tz") -> str | None:
    if name is None or name == "":
        return None
    if find_zone(name) is None:
        raise InvalidInput.single(where, f"{name[:80]!r} is not an IANA time zone")
    return name


def find_person(session: Session, slack_user_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.slack_user_id == slack_user_id))


def ensure_person(
    session: Session,
    *,
    slack_user_id: str,
    now: datetime,
    display_name: str | None = None,
    tz: str | None = None,
    team_id: str | None = None,
) -> Person:
    """The person with this Slack id, created if new; known name and zone are refreshed."""
    person = find_person(session, slack_user_id)
    if person is None:
        person = Person(
            slack_user_id=slack_user_id,
            display_name=display_name or slack_user_id,
            tz=valid_tz(tz),
            team_id=team_id,
            created_at=now,
        )
        session.add(person)
        session.flush()
        return person
    if display_name:
        person.display_name = display_name
    if tz:
        person.tz = valid_tz(tz)
    if team_id:
        person.team_id = team_id
    return person


class PersonSettings(BaseModel):
    """A person's own reminder settings (the `settings` modal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tz: Annotated[Line, Field(max_length=64)] | None = None
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    quiet_weekends: bool = True
    opt_outs: list[ReminderKind] = PydanticField(default_factory=list)

    @field_validator("tz")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value and find_zone(value) is None:
            raise ValueError(f"{value!r} is not a time zone like Europe/London")
        return value or None


def get_settings(session: Session, *, actor: Actor) -> tuple[PersonSettings, str | None]:
    """The actor's settings and their Slack time zone; only people the bot knows have any."""
    person = _known(session, actor, "settings.read")
    opt_outs = session.scalars(
        select(ReminderOptOut.kind).where(ReminderOptOut.person_id == person.id)
    )
    settings = PersonSettings(
        tz=person.tz_override,
        quiet_start=_time(person.quiet_start_minute),
        quiet_end=_time(person.quiet_end_minute),
        quiet_weekends=person.quiet_weekends,
        opt_outs=sorted(opt_outs),
    )
    return settings, person.tz


def update_settings(session: Session, *, actor: Actor, settings: PersonSettings) -> PersonSettings:
    person = _known(session, actor, "settings.update")
    person.tz_override = settings.tz
    person.quiet_start_minute = settings.quiet_start.hour * 60 + settings.quiet_start.minute
    person.quiet_end_minute = settings.quiet_end.hour * 60 + settings.quiet_end.minute
    person.quiet_weekends = settings.quiet_weekends
    reschedule_recipient(session, person_id=person.id)
    session.execute(delete(ReminderOptOut).where(ReminderOptOut.person_id == person.id))
    session.add_all(ReminderOptOut(person_id=person.id, kind=k) for k in set(settings.opt_outs))
    session.flush()
    return settings


def _known(session: Session, actor: Actor, action: str) -> Person:
    person = find_person(session, actor.slack_user_id)
    if person is None:
        raise AccessDenied("Settings are for people enrolled in MatchPath.")
    audit(session, actor, action)
    return person


def _time(minute: int) -> time:
    return time(minute // 60, minute % 60)


def refresh_from_slack(
    session: Session,
    *,
    slack_user_id: str,
    tz: str | None,
    display_name: str | None,
    now: datetime,
) -> bool:
    """Update a known person's Slack zone and name (users.info, user_change). Unknown people
    are not recorded: the bot keeps no data on people outside the programme."""
    person = find_person(session, slack_user_id)
    if person is None:
        return False
    if tz and tz != person.tz:
        # An unusable zone keeps the last good one rather than breaking reminders.
        with suppress(InvalidInput):
            person.tz = valid_tz(tz)
            reschedule_recipient(session, person_id=person.id)
    if display_name:
        person.display_name = display_name[:200]
    person.tz_checked_at = now
    return True
