"""A saved list becomes the season's applications: the lifecycle's allowed and refused steps,
the roles, the history and the audit, on real databases."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import AccessDeniedAudited, Actor, resolve_actor
from bot.applications.dto import StatusChange
from bot.applications.models import Application, ApplicationChange, SavedList
from bot.applications.service import (
    find_programme,
    get_applications,
    save_list,
    update_statuses,
)
from bot.applications.vocab import ApplicationStatus as S
from bot.applications.vocab import ChangeVia, Outcome
from bot.db.engine import Database
from bot.errors import AccessDenied, InvalidInput
from bot.models import AuditEvent
from tests.applications_world import application_ids, built_list, saved
from tests.factories import Programme, build_programme

MENTEE = "UMENTEE1"
SEASON = 2028  # the season a list built on 2 November 2026 aims at
OCTOBER = datetime(2027, 10, 20, 15, 0, tzinfo=UTC)  # the 2028 season's interviews


def later(session: Session, actor: Actor, when: datetime = OCTOBER) -> Actor:
    return resolve_actor(
        session, slack_user_id=actor.slack_user_id, admin_ids=frozenset(), now=when
    )


@pytest.fixture
def world(session: Session, system: Actor) -> Programme:
    p = build_programme(session, system)
    saved(session, system, p.mentor, MENTEE)
    return p


def change(
    session: Session, actor: Actor, app_id: int, to: S, on: date | None = None, **kw: bool
) -> None:
    update_statuses(
        session,
        actor=later(session, actor),
        slack_user_id=MENTEE,
        changes=[StatusChange(application_id=app_id, to=to, on=on, **kw)],
    )


def row(session: Session, app_id: int) -> Application:
    session.expire_all()
    found = session.get(Application, app_id)
    assert found is not None
    return found


def history(session: Session, app_id: int) -> list[tuple[S | None, S, bool]]:
    return [
        (c.from_status, c.to_status, c.correction)
        for c in session.scalars(
            select(ApplicationChange)
            .where(ApplicationChange.application_id == app_id)
            .order_by(ApplicationChange.id)
        )
    ]


def test_saving_a_list_records_its_data_version_and_each_programme_planned(
    session: Session, system: Actor
) -> None:
    p = build_programme(session, system)
    result = saved(session, system, p.mentor, MENTEE)
    built = built_list(session, system, MENTEE)
    listed = [pl for t in built.tracks for pl in t.listed]
    assert (result.season, result.dataset_version, result.saved_by) == (SEASON, 1, "UMENTOR1")
    assert (result.added, result.kept, result.dropped) == (len(listed), 0, 0)
    stored = session.scalars(select(Application).order_by(Application.id)).all()
    assert len(stored) == len(listed) > 50
    assert {a.status for a in stored} == {S.PLANNED}
    first = next(
        a
        for a in stored
        if a.name == listed[0].programme.name and a.track == listed[0].programme.track
    )
    assert first.tier is listed[0].tier
    assert [r["rule"] for r in first.reasons] == [
        n.rule for n in listed[0].reasons + listed[0].checks
    ]
    header = session.scalars(select(SavedList)).one()
    assert (header.dataset_version, header.ruleset_version, header.programmes) == (
        1,
        built.ruleset.version,
        len(listed),
    )
    creations = session.scalars(select(ApplicationChange)).all()
    assert len(creations) == len(listed)
    assert {(c.from_status, c.to_status, c.via) for c in creations} == {
        (None, S.PLANNED, ChangeVia.SAVED)
    }
    audited = session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_slack_id == "UMENTOR1")
    ).all()
    assert "applications.save" in audited


def test_saving_again_keeps_what_was_sent_and_drops_planned_ones_no_longer_listed(
    session: Session, system: Actor, world: Programme
) -> None:
    ids = application_ids(session, MENTEE)
    sent, dropped_one = row(session, ids[0]), row(session, ids[1])
    change(session, world.mentor, sent.id, S.APPLIED, date(2027, 9, 20))
    built = built_list(session, system, MENTEE)
    gone = {(sent.name, sent.track), (dropped_one.name, dropped_one.track)}
    smaller = built.model_copy(
        update={
            "tracks": [
                t.model_copy(
                    update={
                        "listed": [
                            pl
                            for pl in t.listed
                            if (pl.programme.name, pl.programme.track) not in gone
                        ]
                    }
                )
                for t in built.tracks
            ]
        }
    )
    again = save_list(session, actor=world.mentor, slack_user_id=MENTEE, programmes=smaller)
    assert (again.added, again.kept, again.dropped) == (0, len(ids) - 2, 1)
    left = set(application_ids(session, MENTEE))
    assert sent.id in left  # sent: it stays, with its history
    assert dropped_one.id not in left
    assert history(session, sent.id) == [(None, S.PLANNED, False), (S.PLANNED, S.APPLIED, False)]
    assert session.scalar(select(func.count(SavedList.id))) == 2


def test_a_blocked_list_is_not_saved(session: Session, system: Actor, world: Programme) -> None:
    built = built_list(session, system, MENTEE)
    blocked = built.model_copy(update={"tracks": [], "blocked": []})
    with pytest.raises(InvalidInput, match="no list to save"):
        save_list(session, actor=world.mentor, slack_user_id=MENTEE, programmes=blocked)


def test_the_whole_way_to_match_day_with_dates_and_history(
    session: Session, world: Programme
) -> None:
    app = application_ids(session, MENTEE)[0]
    steps = [
        (S.APPLIED, date(2027, 9, 3)),
        (S.INTERVIEW_INVITED, date(2027, 10, 10)),
        (S.INTERVIEWED, date(2027, 10, 20)),
    ]
    for to, on in steps:
        change(session, world.mentee, app, to, on)
    march = datetime(2028, 3, 17, 16, 0, tzinfo=UTC)
    for to, on in [(S.RANKED, date(2028, 2, 28)), (S.MATCHED, date(2028, 3, 17))]:
        update_statuses(
            session,
            actor=later(session, world.mentor, march),
            slack_user_id=MENTEE,
            changes=[StatusChange(application_id=app, to=to, on=on)],
        )
    a = row(session, app)
    assert (a.status, a.furthest) == (S.MATCHED, S.RANKED)
    assert (a.applied_on, a.invited_on, a.interviewed_on, a.ranked_on, a.outcome_on) == (
        date(2027, 9, 3),
        date(2027, 10, 10),
        date(2027, 10, 20),
        date(2028, 2, 28),
        date(2028, 3, 17),
    )
    assert [h[:2] for h in history(session, app)] == [
        (None, S.PLANNED),
        (S.PLANNED, S.APPLIED),
        (S.APPLIED, S.INTERVIEW_INVITED),
        (S.INTERVIEW_INVITED, S.INTERVIEWED),
        (S.INTERVIEWED, S.RANKED),
        (S.RANKED, S.MATCHED),
    ]
    funnel = get_applications(session, actor=world.mentor, slack_user_id=MENTEE).funnel
    assert (funnel.applied, funnel.invited, funnel.interviewed, funnel.ranked, funnel.matched) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert funnel.outcome is Outcome.MATCHED


def test_a_jump_forward_counts_the_steps_between_without_inventing_dates(
    session: Session, world: Programme
) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.mentee, app, S.INTERVIEW_INVITED, date(2027, 10, 12))
    a = row(session, app)
    assert (a.status, a.furthest, a.applied_on, a.invited_on) == (
        S.INTERVIEW_INVITED,
        S.INTERVIEW_INVITED,
        None,
        date(2027, 10, 12),
    )
    funnel = get_applications(session, actor=world.mentor, slack_user_id=MENTEE).funnel
    assert (funnel.applied, funnel.invited, funnel.interviewed) == (1, 1, 0)


@pytest.mark.parametrize(
    "start", [S.PLANNED, S.APPLIED, S.INTERVIEW_INVITED, S.INTERVIEWED, S.RANKED]
)
def test_withdrawal_from_any_open_status_keeps_how_far_it_got(
    session: Session, world: Programme, start: S
) -> None:
    app = application_ids(session, MENTEE)[0]
    if start is not S.PLANNED:
        change(session, world.mentee, app, start, date(2027, 10, 1))
    change(session, world.mentee, app, S.WITHDRAWN, date(2027, 10, 15))
    a = row(session, app)
    assert (a.status, a.furthest, a.closed_on) == (S.WITHDRAWN, start, date(2027, 10, 15))


REFUSED = [
    # (reach first, then ask for, the words the refusal must hold)
    (S.INTERVIEWED, S.APPLIED, "a step back"),
    (S.APPLIED, S.PLANNED, "a step back"),
    (S.WITHDRAWN, S.APPLIED, "withdrawn is final"),
    (S.NOT_MATCHED, S.MATCHED, "not matched is final"),
    (S.PLANNED, S.DECLINED, "never sent"),
    (S.RANKED, S.DECLINED, "the Match"),
]


@pytest.mark.parametrize(("start", "to", "why"), REFUSED)
def test_refused_changes_name_the_programme_and_both_statuses_and_write_nothing(
    session: Session, world: Programme, start: S, to: S, why: str
) -> None:
    app = application_ids(session, MENTEE)[0]
    if start is not S.PLANNED:
        change(session, world.mentee, app, start, date(2027, 10, 1))
    before = history(session, app)
    name = row(session, app).name
    with pytest.raises(InvalidInput) as refused:
        change(session, world.mentee, app, to, date(2027, 10, 5))
    message = str(refused.value)
    assert name in message
    assert f"from {start.label} to {to.label}" in message
    assert why in message
    assert row(session, app).status is start
    assert history(session, app) == before


@pytest.mark.parametrize(
    ("on", "words"),
    [
        (date(2027, 10, 25), "is in the future"),
        (date(2026, 12, 31), "outside the 2028 season"),
        (date(2027, 9, 1), "is before applied on 2027-09-10"),
    ],
)
def test_a_date_that_cannot_be_is_refused(
    session: Session, world: Programme, on: date, words: str
) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.mentee, app, S.APPLIED, date(2027, 9, 10))
    with pytest.raises(InvalidInput, match=words):
        change(session, world.mentee, app, S.INTERVIEW_INVITED, on)


def test_one_refused_change_refuses_the_batch_and_lists_every_problem(
    session: Session, world: Programme
) -> None:
    first, second, third = application_ids(session, MENTEE)[:3]
    with pytest.raises(InvalidInput) as refused:
        update_statuses(
            session,
            actor=later(session, world.mentor),
            slack_user_id=MENTEE,
            changes=[
                StatusChange(application_id=first, to=S.APPLIED),
                StatusChange(application_id=second, to=S.DECLINED),
                StatusChange(application_id=third, to=S.INTERVIEW_INVITED, on=date(2030, 1, 1)),
            ],
        )
    assert len(refused.value.problems) == 2
    assert {row(session, i).status for i in (first, second, third)} == {S.PLANNED}


def test_the_same_status_again_is_no_change(session: Session, world: Programme) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.mentee, app, S.APPLIED, date(2027, 9, 10))
    again = update_statuses(
        session,
        actor=later(session, world.mentee),
        slack_user_id=MENTEE,
        changes=[StatusChange(application_id=app, to=S.APPLIED)],
    )
    assert again.changes == []
    assert [a.id for a in again.unchanged] == [app]
    assert len(history(session, app)) == 2


def test_a_mentor_corrects_a_step_back_and_the_undone_dates_go(
    session: Session, world: Programme
) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.mentee, app, S.APPLIED, date(2027, 9, 10))
    change(session, world.mentee, app, S.INTERVIEWED, date(2027, 10, 10))
    done = update_statuses(
        session,
        actor=later(session, world.mentor),
        slack_user_id=MENTEE,
        changes=[
            StatusChange(application_id=app, to=S.APPLIED, on=date(2027, 9, 10), correction=True)
        ],
    )
    assert done.changes[0].line.startswith("Corrected: ")
    a = row(session, app)
    assert (a.status, a.furthest, a.applied_on, a.interviewed_on) == (
        S.APPLIED,
        S.APPLIED,
        date(2027, 9, 10),
        None,
    )
    assert history(session, app)[-1] == (S.INTERVIEWED, S.APPLIED, True)


def test_a_mentor_reopens_a_final_status(session: Session, world: Programme) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.mentee, app, S.WITHDRAWN, date(2027, 9, 10))
    change(session, world.admin, app, S.APPLIED, date(2027, 9, 12), correction=True)
    a = row(session, app)
    assert (a.status, a.closed_on, a.applied_on) == (S.APPLIED, None, date(2027, 9, 12))


def test_a_mentee_may_not_correct_and_the_refusal_is_audited(
    session: Session, world: Programme
) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.mentee, app, S.INTERVIEWED, date(2027, 10, 1))
    with pytest.raises(AccessDeniedAudited, match="mentors") as refused:
        change(session, world.mentee, app, S.APPLIED, date(2027, 10, 1), correction=True)
    (record,) = refused.value.after_rollback
    assert isinstance(record, AuditEvent)
    assert (record.action, record.outcome) == ("applications.correct", "denied")
    assert row(session, app).status is S.INTERVIEWED


@pytest.mark.parametrize("role", ["mentee", "mentor", "admin"])
def test_the_mentee_their_mentor_and_admins_update(
    session: Session, world: Programme, role: str
) -> None:
    app = application_ids(session, MENTEE)[0]
    change(session, world.as_role(role), app, S.APPLIED, date(2027, 9, 10))
    assert row(session, app).status is S.APPLIED
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.actor_slack_id == world.as_role(role).slack_user_id
        )
    ).all()
    assert "applications.update" in actions


@pytest.mark.parametrize("role", ["other_mentor", "other_mentee", "stranger"])
def test_anyone_else_is_refused_everything(
    session: Session, system: Actor, world: Programme, role: str
) -> None:
    app = application_ids(session, MENTEE)[0]
    actor = later(session, world.as_role(role))
    with pytest.raises(AccessDenied):
        change(session, actor, app, S.APPLIED, date(2027, 9, 10))
    with pytest.raises(AccessDenied):
        get_applications(session, actor=actor, slack_user_id=MENTEE)
    with pytest.raises(AccessDenied):
        find_programme(session, actor=actor, slack_user_id=MENTEE, text="Synthetic")
    with pytest.raises(AccessDenied):
        save_list(
            session,
            actor=actor,
            slack_user_id=MENTEE,
            programmes=built_list(session, system, MENTEE),
        )
    assert row(session, app).status is S.PLANNED


def test_a_mentee_may_not_save_their_own_list(
    session: Session, system: Actor, world: Programme
) -> None:
    with pytest.raises(AccessDenied):
        save_list(
            session,
            actor=world.mentee,
            slack_user_id=MENTEE,
            programmes=built_list(session, system, MENTEE),
        )


def test_an_application_of_another_mentee_is_not_on_this_list(
    session: Session, system: Actor, world: Programme
) -> None:
    saved(session, system, world.other_mentor, "UMENTEE2")
    theirs = application_ids(session, "UMENTEE2")[0]
    with pytest.raises(InvalidInput, match="is not on this 2028 list"):
        change(session, world.mentor, theirs, S.APPLIED, date(2027, 9, 10))


def test_reading_gives_the_list_in_tier_order_with_the_save(
    session: Session, world: Programme
) -> None:
    read = get_applications(session, actor=world.mentee, slack_user_id=MENTEE)
    assert read.season == SEASON
    assert read.saved is not None
    assert read.saved.dataset_version == 1
    tiers = [a.tier for a in read.applications]
    order = {"reach": 0, "core": 1, "safety": 2}
    assert [order[t] for t in tiers if t] == sorted(order[t] for t in tiers if t)
    assert read.funnel.listed == len(read.applications)
    assert read.funnel.outcome is Outcome.OPEN


def test_two_changes_at_once_take_turns(fresh_db: Database, system: Actor) -> None:
    """The mentee logs an invitation while their mentor's change to the same programme is
    still open: the second waits for the first, and its history starts where the first left."""
    with fresh_db.unit_of_work() as session:
        p = build_programme(session, system)
        saved(session, system, p.mentor, MENTEE)
        app = application_ids(session, MENTEE)[0]
    done: list[Exception | None] = []

    def mentee_logs_invite() -> None:
        try:
            with fresh_db.unit_of_work() as session:
                update_statuses(
                    session,
                    actor=later(session, p.mentee),
                    slack_user_id=MENTEE,
                    changes=[StatusChange(application_id=app, to=S.INTERVIEW_INVITED)],
                )
            done.append(None)
        except Exception as exc:  # reported below, in the test's own thread
            done.append(exc)

    with fresh_db.unit_of_work() as session:
        update_statuses(
            session,
            actor=later(session, p.mentor),
            slack_user_id=MENTEE,
            changes=[StatusChange(application_id=app, to=S.APPLIED, on=date(2027, 9, 3))],
        )
        second = threading.Thread(target=mentee_logs_invite)
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive()  # waiting for the mentor's change to end
    second.join(timeout=30)
    assert done == [None]
    with fresh_db.read_only() as session:
        assert history(session, app) == [
            (None, S.PLANNED, False),
            (S.PLANNED, S.APPLIED, False),
            (S.APPLIED, S.INTERVIEW_INVITED, False),
        ]
