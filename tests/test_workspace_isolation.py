"""The access matrix across two workspaces (docs/reliability.md, "Access"): the same programme,
with the same Slack user ids, in two workspaces of one PostgreSQL database. Every role of one
workspace runs every service call of `tests/test_access.py` on the same user id, and each call
sees only its own workspace: its roles are its own, its answers name none of the other
workspace's people or items, and the other workspace's rows are left exactly as they were."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from bot.access import Actor, resolve_actor
from bot.db.base import Base
from bot.db.engine import Database
from bot.db.scope import WorkspaceScope, within
from bot.errors import AccessDenied
from bot.mentees.items import log_item
from bot.mentees.milestones import MilestoneCreate, add_milestones
from bot.models import Person
from bot.profile.schema import LetterIn
from bot.workspaces import registry
from bot.workspaces.schemas import upgrade_everywhere
from tests.databases import DatabaseFactory
from tests.factories import build_programme
from tests.test_access import ALLOWED, CALLS, TARGET

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
USERS = {
    "admin": "UADMIN1",
    "mentor": "UMENTOR1",
    "other_mentor": "UMENTOR2",
    "mentee": "UMENTEE1",
    "other_mentee": "UMENTEE2",
    "stranger": "USTRANGER",
}
Workspaces = tuple[Database, dict[str, WorkspaceScope]]


@pytest.fixture(scope="module")
def workspaces(db_factory: DatabaseFactory) -> Iterator[Workspaces]:
    """Alpha in the default schema, Beta in its own; each with the programme of
    tests/factories.py, its people's names and its mentee's items marked with its name."""
    if db_factory.backend != "postgresql":
        pytest.skip("a schema per workspace is PostgreSQL's")
    url = db_factory.new()
    db = Database(url, per_workspace=True)
    with db.shared() as session:
        alpha = registry.register(
            session,
            team_id="T0ALPHA",
            name="Alpha",
            installed_by=None,
            now=NOW,
            in_default_schema=True,
        )
        beta = registry.register(session, team_id="T0BETA", name="Beta", installed_by=None, now=NOW)
    upgrade_everywhere(url)
    scopes = {"Alpha": alpha.scope, "Beta": beta.scope}
    for name, scope in scopes.items():
        with within(scope), db.unit_of_work() as session:
            system = Actor.system(NOW)
            build_programme(session, system)
            session.execute(update(Person).values(display_name=name + " " + Person.display_name))
            log_item(session, actor=system, slack_user_id=TARGET, item=_letter(name))
            add_milestones(
                session,
                actor=system,
                slack_user_id=TARGET,
                milestones=[MilestoneCreate(title=f"{name} milestone", due_on=date(2027, 1, 1))],
            )
    yield db, scopes
    db.dispose()


def _letter(workspace: str) -> LetterIn:
    return LetterIn(
        writer=f"Dr. {workspace}",
        specialty="general_surgery",
        us=True,
        strong=True,
        received_on=date(2026, 1, 5),
    )


def _snapshot(db: Database, scope: WorkspaceScope) -> dict[str, list[str]]:
    """Every row of every table of the workspace, as text."""
    with within(scope), db.read_only() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name not in {"workspace", "slack_installations", "slack_bots"}
            and table.name != "slack_oauth_states"
        }


@pytest.mark.parametrize(("acting", "other"), [("Beta", "Alpha"), ("Alpha", "Beta")])
@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("call", sorted(CALLS))
def test_no_call_of_one_workspace_reaches_the_other(
    workspaces: Workspaces, acting: str, other: str, role: str, call: str
) -> None:
    db, scopes = workspaces
    before = _snapshot(db, scopes[other])
    assert before["mentee"], "the other workspace has mentees to leak"
    with within(scopes[acting]), db.dry_run() as session:
        actor = resolve_actor(session, slack_user_id=USERS[role], admin_ids=frozenset(), now=NOW)
        try:
            answer = repr(CALLS[call](session, actor))
            allowed = True
        except AccessDenied as denied:
            answer = str(denied)
            allowed = False
    # The roles are the acting workspace's own: the same user id is someone else there.
    assert allowed is (call in ALLOWED[role])
    assert other not in answer
    assert _snapshot(db, scopes[other]) == before
