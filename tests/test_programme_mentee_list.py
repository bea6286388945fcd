"""An enrolled mentee's list: their mentors and admins may build it, nobody else; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.applications.season_list import list_for_mentee
from bot.assessment.ruleset import load_ruleset
from bot.errors import AccessDenied, NotFound
from bot.models import AuditEvent
from bot.programmes.files import parse_programmes
from bot.programmes.service import import_programmes
from tests.factories import build_programme
from tests.programme_data import EXAMPLE

RULESET = load_ruleset()


def test_mentors_and_admins_list_a_mentee(session: Session, system: Actor) -> None:
    people = build_programme(session, system)
    with pytest.raises(NotFound, match="no programme data yet"):
        list_for_mentee(session, actor=people.mentor, slack_user_id="UMENTEE1", ruleset=RULESET)
    content = EXAMPLE.read_bytes()
    import_programmes(
        session,
        actor=system,
        rows=parse_programmes(content, "csv"),
        source="programmes.csv",
        content=content,
    )
    for actor in (people.mentor, people.admin):
        result = list_for_mentee(session, actor=actor, slack_user_id="UMENTEE1", ruleset=RULESET)
        assert result.name == "Mentee One"
        assert result.tracks
        assert all(t.listed for t in result.tracks)
    for actor in (people.mentee, people.other_mentor, people.stranger):
        with pytest.raises(AccessDenied) as denied:
            list_for_mentee(session, actor=actor, slack_user_id="UMENTEE1", ruleset=RULESET)
        # The denial's audit row rides on the exception, written after the rollback.
        (record,) = denied.value.after_rollback
        assert isinstance(record, AuditEvent)
        assert (record.action, record.outcome, record.actor_slack_id) == (
            "programmes.list",
            "denied",
            actor.slack_user_id,
        )
    audited = session.execute(
        select(AuditEvent.actor_slack_id, AuditEvent.outcome)
        .where(AuditEvent.action == "programmes.list")
        .order_by(AuditEvent.id)
    ).all()
    assert [tuple(a) for a in audited] == [
        ("UMENTOR1", "ok"),
        ("UMENTOR1", "ok"),
        ("UADMIN1", "ok"),
    ]
