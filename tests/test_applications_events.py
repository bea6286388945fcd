"""Every change of an application's status is a domain event, one per change, whoever made it
(a mentee or a mentor in Slack, an admin's import): the dashboards turn each into one thread
line and one card update. Saving a list is one event, not one per programme. On real databases.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.applications.dto import StatusChange
from bot.applications.imports import import_statuses, parse_status_csv
from bot.applications.models import ApplicationChange
from bot.applications.service import get_applications, save_list, update_statuses
from bot.applications.vocab import STATUS_NEWS
from bot.applications.vocab import ApplicationStatus as S
from bot.dashboards.outbox import REPLY, UPDATE, set_dashboard_channel
from bot.dashboards.subscriber import on_events, thread_line
from bot.errors import InvalidInput
from bot.events import (
    ApplicationsListSaved,
    ApplicationStatusChanged,
    DomainEvent,
    pending,
    publish,
)
from bot.models import Delivery
from tests.applications_world import application_ids, built_list, example_programmes, saved
from tests.factories import Programme, build_programme

MENTEE = "UMENTEE1"
OCTOBER = datetime(2027, 10, 20, 15, 0, tzinfo=UTC)  # the 2028 season's interviews
GOLDEN = Path(__file__).parent / "golden" / "thread-lines-applications.txt"


def emitted(session: Session, operation: Callable[[], object]) -> list[DomainEvent]:
    before = len(pending(session))
    operation()
    return list(pending(session)[before:])


def in_october(session: Session, actor: Actor) -> Actor:
    return resolve_actor(
        session, slack_user_id=actor.slack_user_id, admin_ids=frozenset(), now=OCTOBER
    )


@pytest.fixture
def world(session: Session, system: Actor) -> Programme:
    p = build_programme(session, system)
    saved(session, system, p.mentor, MENTEE)
    publish(session)  # the enrolments' and the save's events, out of the way
    return p


def change_ids(session: Session, app_ids: list[int]) -> list[int]:
    return list(
        session.scalars(
            select(ApplicationChange.id)
            .where(ApplicationChange.application_id.in_(app_ids))
            .order_by(ApplicationChange.id)
        )
    )


def test_each_change_emits_one_event_naming_the_programme_and_both_statuses(
    session: Session, world: Programme
) -> None:
    first, second = application_ids(session, MENTEE)[:2]
    mentor = in_october(session, world.mentor)
    before = set(change_ids(session, [first, second]))
    ask = [
        StatusChange(application_id=first, to=S.APPLIED, on=date(2027, 9, 15)),
        StatusChange(application_id=second, to=S.INTERVIEW_INVITED, on=date(2027, 10, 2)),
    ]
    events = emitted(
        session,
        lambda: update_statuses(session, actor=mentor, slack_user_id=MENTEE, changes=ask),
    )
    apps = {
        a.id: a for a in get_applications(session, actor=mentor, slack_user_id=MENTEE).applications
    }
    new_changes = [c for c in change_ids(session, [first, second]) if c not in before]
    assert events == [
        ApplicationStatusChanged(
            mentee_id=events[0].mentee_id,
            actor=mentor,
            change_id=change_id,
            application_id=app_id,
            season=2028,
            programme=apps[app_id].name,
            track=apps[app_id].track.label,
            from_status=S.PLANNED,
            to_status=to,
            on=on,
            correction=False,
        )
        for change_id, (app_id, to, on) in zip(
            new_changes,
            [
                (first, S.APPLIED, date(2027, 9, 15)),
                (second, S.INTERVIEW_INVITED, date(2027, 10, 2)),
            ],
            strict=True,
        )
    ]
    # Sent twice (a form submitted again, a retried request): no change, no event.
    assert (
        emitted(
            session,
            lambda: update_statuses(session, actor=mentor, slack_user_id=MENTEE, changes=ask),
        )
        == []
    )


def test_a_refused_batch_emits_nothing(session: Session, world: Programme) -> None:
    first, second = application_ids(session, MENTEE)[:2]
    mentor = in_october(session, world.mentor)
    ask = [
        StatusChange(application_id=first, to=S.APPLIED, on=date(2027, 9, 15)),
        StatusChange(application_id=second, to=S.DECLINED),  # a planned one was never sent
    ]

    def refused() -> None:
        with pytest.raises(InvalidInput):
            update_statuses(session, actor=mentor, slack_user_id=MENTEE, changes=ask)

    assert emitted(session, refused) == []


def test_a_correction_says_so_and_what_it_undid(session: Session, world: Programme) -> None:
    app = application_ids(session, MENTEE)[0]
    mentor = in_october(session, world.mentor)
    update_statuses(
        session,
        actor=mentor,
        slack_user_id=MENTEE,
        changes=[StatusChange(application_id=app, to=S.APPLIED, on=date(2027, 9, 1))],
    )
    [event] = emitted(
        session,
        lambda: update_statuses(
            session,
            actor=mentor,
            slack_user_id=MENTEE,
            changes=[
                StatusChange(application_id=app, to=S.PLANNED, on=date(2027, 9, 2), correction=True)
            ],
        ),
    )
    assert isinstance(event, ApplicationStatusChanged)
    assert (event.from_status, event.to_status, event.correction) == (S.APPLIED, S.PLANNED, True)
    line = thread_line(event)
    assert line is not None
    assert line.text.startswith("Corrected: ")
    assert line.text.endswith(" is planned (was applied), 2027-09-02")


def test_an_import_emits_one_event_per_row_that_changes_something(
    session: Session, world: Programme
) -> None:
    admin = resolve_actor(session, slack_user_id="UADMIN1", admin_ids=frozenset(), now=OCTOBER)
    app = get_applications(session, actor=admin, slack_user_id=MENTEE).applications[0]
    where = f'{MENTEE},2028,"{app.name}",{app.track.value},"{app.city}",{app.state}'
    text = (
        "mentee,season,programme,track,city,state,status,date\n"
        f"{where},applied,2027-09-03\n"
        f"{where},interview invited,2027-10-05\n"
        f"{where},interview invited,2027-10-05\n"  # the same status again: no change
        f"{where},interviewed,2027-10-19\n"
    )
    rows = parse_status_csv(text.encode())
    events = emitted(session, lambda: import_statuses(session, actor=admin, rows=rows))
    assert [
        (e.from_status, e.to_status, e.on)
        for e in events
        if isinstance(e, ApplicationStatusChanged)
    ] == [
        (S.PLANNED, S.APPLIED, date(2027, 9, 3)),
        (S.APPLIED, S.INTERVIEW_INVITED, date(2027, 10, 5)),
        (S.INTERVIEW_INVITED, S.INTERVIEWED, date(2027, 10, 19)),
    ]
    assert len(events) == 3
    assert len({e.change_id for e in events if isinstance(e, ApplicationStatusChanged)}) == 3
    # A file of where things stand now changes nothing, and says nothing.
    now = parse_status_csv(text.splitlines()[0].encode() + f"\n{where},interviewed\n".encode())
    assert emitted(session, lambda: import_statuses(session, actor=admin, rows=now)) == []


def test_saving_a_list_is_one_event_with_its_counts(session: Session, system: Actor) -> None:
    p = build_programme(session, system)
    example_programmes(session, system)
    built = built_list(session, system, MENTEE)
    listed = sum(len(t.listed) for t in built.tracks)
    events = emitted(
        session, lambda: save_list(session, actor=p.mentor, slack_user_id=MENTEE, programmes=built)
    )
    assert [type(e) for e in events] == [ApplicationsListSaved]
    first = events[0]
    assert isinstance(first, ApplicationsListSaved)
    assert (first.season, first.added, first.kept, first.dropped) == (2028, listed, 0, 0)
    [again] = emitted(
        session, lambda: save_list(session, actor=p.mentor, slack_user_id=MENTEE, programmes=built)
    )
    assert isinstance(again, ApplicationsListSaved)
    assert (again.added, again.kept, again.saved_list_id) == (0, listed, first.saved_list_id + 1)


def test_each_change_is_one_thread_line_and_one_card_update(
    session: Session, world: Programme, system: Actor
) -> None:
    set_dashboard_channel(session, "GDASH1", system.now)
    first, second = application_ids(session, MENTEE)[:2]
    mentor = in_october(session, world.mentor)
    session.execute(delete(Delivery))
    events = emitted(
        session,
        lambda: update_statuses(
            session,
            actor=mentor,
            slack_user_id=MENTEE,
            changes=[
                StatusChange(application_id=first, to=S.APPLIED, on=date(2027, 9, 15)),
                StatusChange(application_id=second, to=S.WITHDRAWN, on=date(2027, 9, 16)),
            ],
        ),
    )
    publish(session)
    rows = session.scalars(select(Delivery).order_by(Delivery.id)).all()
    lines = [d.body for d in rows if d.kind == REPLY]
    apps = {
        a.id: a for a in get_applications(session, actor=mentor, slack_user_id=MENTEE).applications
    }
    one, two = apps[first], apps[second]
    assert lines == [
        f"Applied to {one.name} ({one.track.label}), 2027-09-15 (<@UMENTOR1>)",
        f"Withdrew from {two.name} ({two.track.label}), 2027-09-16 (<@UMENTOR1>)",
    ]
    assert len([d for d in rows if d.kind == UPDATE]) == 2  # coalesced when delivered
    # The same events again (a subscriber run twice): the keys are the changes', no new line.
    on_events(session, events)
    again = session.scalars(select(Delivery).where(Delivery.kind == REPLY)).all()
    assert len(again) == 2


def test_the_thread_lines_of_every_status() -> None:
    """Golden: what the thread says for each status a change can reach, and a correction."""
    actor = Actor.system(OCTOBER)
    said = []
    for n, status in enumerate(STATUS_NEWS, start=1):
        for correction in (False, True):
            event = ApplicationStatusChanged(
                mentee_id=1,
                actor=actor,
                change_id=n * 2 + correction,
                application_id=n,
                season=2028,
                programme="Synthetic Regional Medical Center 017",
                track="categorical general surgery",
                from_status=(S.NOT_MATCHED if status is S.MATCHED else S.MATCHED)
                if correction
                else S.APPLIED,
                to_status=status,
                on=date(2027, 10, n),
                correction=correction,
            )
            line = thread_line(event)
            assert line is not None
            assert line.key == f"application:{event.change_id}"
            said.append(line.text)
    text = "\n".join(said) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert GOLDEN.read_text() == text
