"""People: Slack users known to the bot, and their own settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.models import Person


def valid_tz(name: str | None, where: str = "tz") -> str | None:
    if name is None or name == "":
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.single(where, f"{name!r} is not an IANA time zone") from None
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
