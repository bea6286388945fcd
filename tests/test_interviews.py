"""`log interviews N`: invitations to date on the season under way, from Slack, so the season's
advice (few by mid-November: widen the list, prepare for SOAP) rests on real counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.assessment.ruleset import load_ruleset
from bot.errors import AccessDenied, InvalidInput
from bot.mentees.cycles import record_interviews
from bot.mentees.items import log_item
from bot.models import ApplicationCycle, AuditEvent
from bot.profile.schema import CycleIn
from handlers.commands.parse import UsageError, parse
from handlers.ids import Sub
from tests.factories import build_programme

RULESET = load_ruleset()
DECEMBER = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # the 2027 season's interview season


def at(session: Session, actor: Actor, when: datetime) -> Actor:
    return resolve_actor(
        session, slack_user_id=actor.slack_user_id, admin_ids=frozenset(), now=when
    )


def applied(session: Session, mentor: Actor) -> None:
    log_item(
        session,
        actor=mentor,
        slack_user_id="UMENTEE1",
        item=CycleIn(
            season=2027,
            submitted_on=date(2026, 9, 2),
            applications={"preliminary_surgery": 80},
        ),
    )


@pytest.mark.parametrize(
    ("text", "mentee", "count"),
    [("log interviews 3", None, 3), ("log interviews <@UMENTEE1> 0", "UMENTEE1", 0)],
)
def test_the_inline_form_parses(text: str, mentee: str | None, count: int) -> None:
    command = parse(text)
    assert (command.sub, command.verb, command.mentee, command.number) == (
        Sub.LOG,
        "interviews",
        mentee,
        count,
    )


@pytest.mark.parametrize(
    "text", ["log interviews", "log interviews three", "log interviews 501", "log interviews 1 2"]
)
def test_a_bad_count_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="log interviews @mentee 3"):
        parse(text)


def test_few_invitations_in_december_call_for_a_wider_list(session: Session, system: Actor) -> None:
    p = build_programme(session, system)
    mentor = at(session, p.mentor, DECEMBER)
    applied(session, mentor)
    done = record_interviews(
        session, actor=mentor, slack_user_id="UMENTEE1", count=1, ruleset=RULESET
    )
    assert (done.season, done.interviews) == (2027, 1)
    assert done.next_step is not None
    assert "widen the list now" in done.next_step.text
    stored = session.scalar(
        select(ApplicationCycle.interviews).where(ApplicationCycle.season == 2027)
    )
    assert stored == 1
    busy = record_interviews(
        session, actor=mentor, slack_user_id="UMENTEE1", count=6, ruleset=RULESET
    )
    assert busy.next_step is not None
    assert "widen the list now" not in busy.next_step.text
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_slack_id == "UMENTOR1")
    )
    assert "item.update.cycle" in set(actions)


def test_no_cycle_on_record_is_refused_and_says_what_to_do(session: Session, system: Actor) -> None:
    p = build_programme(session, system)
    with pytest.raises(InvalidInput, match="log cycle"):
        record_interviews(
            session,
            actor=at(session, p.mentor, DECEMBER),
            slack_user_id="UMENTEE1",
            count=2,
            ruleset=RULESET,
        )


@pytest.mark.parametrize("role", ["other_mentor", "other_mentee", "stranger"])
def test_only_those_who_may_log_can_record(session: Session, system: Actor, role: str) -> None:
    p = build_programme(session, system)
    applied(session, at(session, p.mentor, DECEMBER))
    with pytest.raises(AccessDenied):
        record_interviews(
            session,
            actor=at(session, p.as_role(role), DECEMBER),
            slack_user_id="UMENTEE1",
            count=2,
            ruleset=RULESET,
        )
    stored = session.scalar(
        select(ApplicationCycle.interviews).where(ApplicationCycle.season == 2027)
    )
    assert stored is None
