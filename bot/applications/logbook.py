"""Statuses logged from Slack: one programme found by the name typed (`log invite @maya "st
marys"`), or the whole list's statuses from a form.

Both go through `service.update_statuses` (roles, the lifecycle, all or nothing, audited); this
module adds what the two surfaces need around it: the name search, the actor's own today as
the default day, and refusals that say which application each one is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.applications.dto import (
    ApplicationRead,
    Applications,
    Frozen,
    StatusChange,
    StatusesUpdated,
)
from bot.applications.matching import Candidate, NameMatch, match_name
from bot.applications.models import Application
from bot.applications.progress import read_application
from bot.applications.service import get_applications, update_statuses
from bot.applications.vocab import ApplicationStatus
from bot.errors import InvalidInput, Problem
from bot.models import Person
from bot.timezones import zone_or_utc


class StatusLogged(Frozen):
    """What a `log STATUS` did: `updated` when the name found one application (the change made,
    or none when it already had that status), else the candidates to choose between (`match`
    AMBIGUOUS) or the closest names (`match` NONE), and nothing written."""

    season: int
    on: date
    match: NameMatch
    updated: StatusesUpdated | None = None


class StatusForm(Frozen):
    """What the statuses form shows: the season's applications and the actor's today."""

    applications: Applications
    today: date


def log_status(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    text: str,
    to: ApplicationStatus,
    on: date | None = None,
    correction: bool = False,
    season: int | None = None,
) -> StatusLogged:
    """Find the application named `text` among the mentee's for the season (their latest list
    when None) and, when one stands out, change its status (the actor's today by default)."""
    listed = get_applications(session, actor=actor, slack_user_id=slack_user_id, season=season)
    found = match_name(text, [candidate(a) for a in listed.applications])
    day = on or local_today(session, actor)
    logged = StatusLogged(season=listed.season, on=day, match=found)
    if found.one is None:
        return logged
    change = StatusChange(application_id=found.one.key, to=to, on=day, correction=correction)
    updated = update_statuses(
        session, actor=actor, slack_user_id=slack_user_id, season=listed.season, changes=[change]
    )
    return logged.model_copy(update={"updated": updated})


def status_form(
    session: Session, *, actor: Actor, slack_user_id: str, season: int | None = None
) -> StatusForm:
    listed = get_applications(session, actor=actor, slack_user_id=slack_user_id, season=season)
    return StatusForm(applications=listed, today=local_today(session, actor))


def update_from_form(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    season: int,
    changes: Sequence[StatusChange],
) -> StatusesUpdated:
    """`update_statuses`, but a refusal about one application has that application's id as its
    `where`, and its message without the programme's title (a form shows it beside the
    application, under the title)."""
    try:
        return update_statuses(
            session, actor=actor, slack_user_id=slack_user_id, season=season, changes=changes
        )
    except InvalidInput as exc:
        ids = [c.application_id for c in changes]
        rows = session.scalars(
            select(Application).where(Application.id.in_(ids), Application.season == season)
        )
        titles = {read_application(a).title: a.id for a in rows}
        raise InvalidInput([_placed(p, titles) for p in exc.problems]) from None


def candidate(a: ApplicationRead) -> Candidate:
    return Candidate(
        key=a.id, name=a.name, detail=f"{a.track.label}, {a.city} {a.state}, {a.status.label}"
    )


def local_today(session: Session, actor: Actor) -> date:
    """The actor's date where they are (their own zone, else Slack's, else UTC)."""
    zone = None
    if actor.person_id is not None:
        person = session.get(Person, actor.person_id)
        zone = person.effective_tz if person is not None else None
    return actor.now.astimezone(zone_or_utc(zone)).date()


def _placed(problem: Problem, titles: dict[str, int]) -> Problem:
    """Refusals name the programme by its title first ("Title: cannot go from …")."""
    owners = [title for title in titles if problem.message.startswith(f"{title}: ")]
    if not owners:
        return problem
    title = max(owners, key=len)
    return Problem(str(titles[title]), problem.message[len(title) + 2 :])
