"""Keep people's time zones fresh from Slack (`users.info`), a few each sweep, at most daily.

`user_change` events update a zone at once; this catches what events missed (the app was down,
the event was not subscribed when the person changed it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select

from bot.clock import Clock
from bot.db.engine import Database
from bot.models import Person
from bot.people import refresh_from_slack
from bot.reminders.ports import DirectMessages

EVERY = timedelta(days=1)
BATCH = 25  # users.info is Tier 4 (100+/min): a few per tick stays far below it


def refresh_zones(
    db: Database,
    dms: DirectMessages,
    clock: Clock,
    *,
    stop_requested: Callable[[], bool] = lambda: False,
) -> int:
    now = clock.now()
    with db.read_only() as session:
        due = list(
            session.scalars(
                select(Person.slack_user_id)
                .where(or_(Person.tz_checked_at.is_(None), Person.tz_checked_at < now - EVERY))
                .order_by(Person.tz_checked_at.is_not(None), Person.tz_checked_at, Person.id)
                .limit(BATCH)
            )
        )
    refreshed = 0
    for slack_user_id in due:
        if stop_requested():
            break
        found = dms.user_zone(slack_user_id)
        if not isinstance(found, tuple):
            continue  # not now: Slack did not answer; the next sweep asks again
        tz, name = found
        with db.unit_of_work() as session:
            refresh_from_slack(
                session, slack_user_id=slack_user_id, tz=tz, display_name=name, now=now
            )
        refreshed += 1
    return refreshed
