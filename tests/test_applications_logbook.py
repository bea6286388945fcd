"""Statuses logged from Slack (bot/applications/logbook.py): a programme found by the name
typed, the actor's own today, and a form's refusals placed beside their application; on real
databases, nothing written whenever anything is refused."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.applications.dto import ApplicationRead, StatusChange
from bot.applications.logbook import local_today, log_status, status_form, update_from_form
from bot.applications.matching import Found
from bot.applications.models import ApplicationChange
from bot.applications.service import get_applications
from bot.applications.vocab import ApplicationStatus as S
from bot.errors import AccessDenied, InvalidInput
from bot.people import ensure_person
from tests.applications_world import saved
from tests.factories import Programme, build_programme

MENTEE = "UMENTEE1"
OCTOBER = datetime(2027, 10, 20, 15, 0, tzinfo=UTC)  # the 2028 season's interviews


def at(session: Session, actor: Actor, when: datetime = OCTOBER) -> Actor:
    return resolve_actor(
        session, slack_user_id=actor.slack_user_id, admin_ids=frozenset(), now=when
    )


@pytest.fixture
def world(session: Session, system: Actor) -> Programme:
    p = build_programme(session, system)
    saved(session, system, p.mentor, MENTEE)
    return p


def listed(session: Session, p: Programme) -> list[ApplicationRead]:
    return get_applications(session, actor=p.mentor, slack_user_id=MENTEE).applications


def unique(session: Session, p: Programme) -> ApplicationRead:
    apps = listed(session, p)
    names = Counter(a.name for a in apps)
    return next(a for a in apps if names[a.name] == 1)


def changes(session: Session) -> int:
    return session.scalar(select(func.count(ApplicationChange.id))) or 0


def test_a_loose_name_finds_one_programme_and_logs_on_the_actors_today(
    session: Session, world: Programme
) -> None:
    target = unique(session, world)
    typed = target.name.lower().replace("synthetic ", "")
    logged = log_status(
        session,
        actor=at(session, world.mentor),
        slack_user_id=MENTEE,
        text=typed,
        to=S.INTERVIEW_INVITED,
    )
    assert logged.match.found is Found.ONE
    assert logged.updated is not None
    [made] = logged.updated.changes
    assert (made.application.id, made.from_status, made.to_status) == (
        target.id,
        S.PLANNED,
        S.INTERVIEW_INVITED,
    )
    assert made.happened_on == logged.on == date(2027, 10, 20)
    assert logged.updated.funnel.invited == 1


def test_the_day_defaults_to_where_the_actor_is(session: Session, world: Programme) -> None:
    """23:30 UTC on 20 October is already the 21st in Kolkata, still the 20th in Chicago."""
    late = datetime(2027, 10, 20, 23, 30, tzinfo=UTC)
    ensure_person(session, slack_user_id="UMENTOR1", now=late, tz="Asia/Kolkata")
    ensure_person(session, slack_user_id=MENTEE, now=late, tz="America/Chicago")
    assert local_today(session, at(session, world.mentor, late)) == date(2027, 10, 21)
    assert local_today(session, at(session, world.mentee, late)) == date(2027, 10, 20)
    assert local_today(session, Actor.system(late)) == date(2027, 10, 20)  # no person: UTC
    target = unique(session, world)
    logged = log_status(
        session,
        actor=at(session, world.mentor, late),
        slack_user_id=MENTEE,
        text=target.name,
        to=S.APPLIED,
    )
    assert logged.updated is not None
    assert logged.updated.changes[0].happened_on == date(2027, 10, 21)
    form = status_form(session, actor=at(session, world.mentee, late), slack_user_id=MENTEE)
    assert form.today == date(2027, 10, 20)
    assert len(form.applications.applications) == len(listed(session, world))


def test_several_close_names_ask_which_and_write_nothing(
    session: Session, world: Programme
) -> None:
    before = changes(session)
    logged = log_status(
        session,
        actor=at(session, world.mentor),
        slack_user_id=MENTEE,
        text="synthetic university",
        to=S.APPLIED,
    )
    assert logged.match.found is Found.AMBIGUOUS
    assert logged.updated is None
    assert 2 <= len(logged.match.candidates) <= logged.match.total
    assert all("University" in c.name for c in logged.match.candidates)
    assert (logged.season, logged.on) == (2028, date(2027, 10, 20))
    assert changes(session) == before


def test_no_close_name_offers_the_closest_and_writes_nothing(
    session: Session, world: Programme
) -> None:
    before = changes(session)
    target = unique(session, world)
    kind = target.name.rsplit(" ", 1)[0]  # "Synthetic Regional Medical Center"
    logged = log_status(
        session,
        actor=at(session, world.mentee),
        slack_user_id=MENTEE,
        text=f"{kind} 999",  # a number no such centre has
        to=S.APPLIED,
    )
    assert logged.match.found is Found.NONE
    assert logged.updated is None
    assert 1 <= len(logged.match.candidates) <= 3
    assert all(c.name.startswith(kind) for c in logged.match.candidates)
    assert changes(session) == before
    nothing = log_status(
        session, actor=at(session, world.mentee), slack_user_id=MENTEE, text="qqq", to=S.APPLIED
    )
    assert (nothing.match.found, nothing.match.candidates) == (Found.NONE, [])


def test_a_mentee_logs_their_own_but_may_not_correct(session: Session, world: Programme) -> None:
    target = unique(session, world)
    mentee = at(session, world.mentee)
    logged = log_status(session, actor=mentee, slack_user_id=MENTEE, text=target.name, to=S.APPLIED)
    assert logged.updated is not None
    assert logged.updated.changes[0].changed_by == MENTEE
    before = changes(session)
    with pytest.raises(AccessDenied, match="mentor"):
        log_status(
            session,
            actor=mentee,
            slack_user_id=MENTEE,
            text=target.name,
            to=S.PLANNED,
            correction=True,
        )
    assert changes(session) == before


def test_someone_elses_mentee_is_refused(session: Session, world: Programme) -> None:
    target = unique(session, world)
    before = changes(session)
    for actor in (world.other_mentor, world.other_mentee, world.stranger):
        with pytest.raises(AccessDenied):
            log_status(
                session,
                actor=at(session, actor),
                slack_user_id=MENTEE,
                text=target.name,
                to=S.APPLIED,
            )
    assert changes(session) == before


def test_a_step_the_lifecycle_refuses_names_it_and_writes_nothing(
    session: Session, world: Programme
) -> None:
    target = unique(session, world)
    before = changes(session)
    with pytest.raises(InvalidInput, match="cannot go from planned to declined") as refused:
        log_status(
            session,
            actor=at(session, world.mentor),
            slack_user_id=MENTEE,
            text=target.name,
            to=S.DECLINED,
        )
    assert target.name in str(refused.value)
    with pytest.raises(InvalidInput, match="in the future"):
        log_status(
            session,
            actor=at(session, world.mentor),
            slack_user_id=MENTEE,
            text=target.name,
            to=S.APPLIED,
            on=date(2027, 11, 30),
        )
    assert changes(session) == before


def test_logging_the_status_it_has_changes_nothing(session: Session, world: Programme) -> None:
    target = unique(session, world)
    logged = log_status(
        session,
        actor=at(session, world.mentor),
        slack_user_id=MENTEE,
        text=target.name,
        to=S.PLANNED,
    )
    assert logged.updated is not None
    assert logged.updated.changes == []
    assert [a.id for a in logged.updated.unchanged] == [target.id]


def test_a_forms_refusals_name_their_application_and_nothing_is_written(
    session: Session, world: Programme
) -> None:
    first, second, third = listed(session, world)[:3]
    mentor = at(session, world.mentor)
    before = changes(session)
    asked = [
        StatusChange(application_id=first.id, to=S.APPLIED, on=date(2027, 9, 3)),
        StatusChange(application_id=second.id, to=S.DECLINED, on=date(2027, 9, 3)),
        StatusChange(application_id=third.id, to=S.APPLIED, on=date(2026, 12, 31)),
        StatusChange(application_id=999_999, to=S.APPLIED),
    ]
    with pytest.raises(InvalidInput) as refused:
        update_from_form(session, actor=mentor, slack_user_id=MENTEE, season=2028, changes=asked)
    problems = {p.where: p.message for p in refused.value.problems}
    assert problems[str(second.id)] == (
        "cannot go from planned to declined by the programme (it was never sent)"
    )
    assert problems[str(third.id)].startswith("2026-12-31 is outside the 2028 season")
    assert "999999 is not on this 2028 list" in problems["application"]
    assert str(first.id) not in problems
    assert changes(session) == before
    done = update_from_form(
        session, actor=mentor, slack_user_id=MENTEE, season=2028, changes=asked[:1]
    )
    assert [c.to_status for c in done.changes] == [S.APPLIED]
