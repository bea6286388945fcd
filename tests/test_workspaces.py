"""Workspaces apart in one database (bot/db/scope.py): on PostgreSQL each installed workspace's
rows are in a schema of its own, migrated like the default one, and a session sees only the rows
of the workspace whose scope it was opened in, the same Slack user ids included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, select
from sqlalchemy.exc import ProgrammingError

from bot.access import Actor
from bot.assessment.ruleset import load_ruleset
from bot.clock import FixedClock
from bot.config import Settings
from bot.db.engine import Database
from bot.db.migrate import SchemaState
from bot.db.scope import NoWorkspace, WorkspaceScope, schema_for, within
from bot.models import AuditEvent, Delivery, Mentee, Person
from bot.roster.service import export_roster, import_roster, parse_json_roster
from bot.workspaces import registry
from bot.workspaces.install import (
    WorkspaceRefused,
    forget_workspace,
    install_workspace,
    uninstall_workspace,
)
from bot.workspaces.models import BOTS, INSTALLATIONS, OAUTH_STATES
from bot.workspaces.schemas import states_everywhere, upgrade_everywhere, workspace_schemas
from handlers.slack_link import LinkState, Probe, link_check
from handlers.workspace_tokens import installation_store
from sandbox.fake_slack import FakeSlack
from tests.databases import DatabaseFactory
from tests.reminder_world import World
from tests.test_cli_database import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _shape(table: Table) -> list[tuple[str, str, bool, bool]]:
    return [
        (column.name, repr(column.type), bool(column.nullable), bool(column.primary_key))
        for column in table.columns
    ]


def test_the_store_tables_are_the_librarys() -> None:
    """Ours are migrated by Alembic; slack_sdk's stores read and write them, so they must be
    column for column what the library defines."""
    theirs = MetaData()
    pairs = [
        (INSTALLATIONS, SQLAlchemyInstallationStore.build_installations_table(theirs, "i")),
        (BOTS, SQLAlchemyInstallationStore.build_bots_table(theirs, "b")),
        (OAUTH_STATES, SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "s")),
    ]
    for ours, library in pairs:
        assert _shape(ours) == _shape(library)
        assert [sorted(c.name for c in i.columns) for i in ours.indexes] == [
            sorted(c.name for c in i.columns) for i in library.indexes
        ]


@pytest.mark.parametrize("team_id", ["", "t123", "T12 3", "U0123", "T" + "A" * 40, "T1;drop"])
def test_a_schema_is_named_only_from_a_team_id(team_id: str) -> None:
    with pytest.raises(ValueError, match="not a Slack team id"):
        schema_for(team_id)


def test_schema_names() -> None:
    assert schema_for("T0ALPHA01") == "ws_t0alpha01"
    assert schema_for("E0GRID") == "ws_e0grid"


@pytest.fixture
def url(db_factory: DatabaseFactory) -> str:
    if db_factory.backend != "postgresql":
        pytest.skip("a schema per workspace is PostgreSQL's")
    return db_factory.new()


@pytest.fixture
def two(url: str) -> Iterator[tuple[Database, WorkspaceScope, WorkspaceScope]]:
    """A database that held one workspace (Alpha, in the default schema) and has another
    installed (Beta, in its own schema), both migrated."""
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
        beta = registry.register(
            session, team_id="T0BETA", name="Beta", installed_by="UADMIN01", now=NOW
        )
    assert upgrade_everywhere(url) == [None, "ws_t0beta"]
    yield db, alpha.scope, beta.scope
    db.dispose()


def _roster(mentee_name: str) -> bytes:
    roster = json.loads((ROOT / "examples" / "roster.json").read_text())
    roster["mentees"][0]["name"] = mentee_name
    return json.dumps(roster).encode()


def test_the_same_user_ids_in_two_workspaces_never_meet(
    two: tuple[Database, WorkspaceScope, WorkspaceScope],
) -> None:
    db, alpha, beta = two
    admin = Actor.system(NOW)
    for scope, name in [(alpha, "Maya of Alpha"), (beta, "Maya of Beta")]:
        parsed = parse_json_roster(_roster(name))
        with within(scope), db.unit_of_work() as session:
            import_roster(session, actor=admin, roster=parsed.roster, places=parsed.places)
    for scope, name, other in [
        (alpha, "Maya of Alpha", "Maya of Beta"),
        (beta, "Maya of Beta", "Maya of Alpha"),
    ]:
        with within(scope), db.read_only() as session:
            names = set(session.scalars(select(Person.display_name)))
            exported = export_roster(session, actor=admin)
            audits = session.scalars(select(AuditEvent.action)).all()
        assert name in names
        assert other not in names
        assert [m.name for m in exported.mentees if m.slack_user_id == "UMENTEE01"] == [name]
        assert "roster.import" in audits
    with within(alpha), db.read_only() as session:
        alphas = session.scalars(select(Mentee.id)).all()
    with within(beta), db.read_only() as session:
        betas = session.scalars(select(Mentee.id)).all()
    assert len(alphas) == len(betas) > 0  # the same roster, each in its own tables


def test_a_session_outside_any_workspace_is_refused(
    two: tuple[Database, WorkspaceScope, WorkspaceScope],
) -> None:
    db, _alpha, _beta = two
    with pytest.raises(NoWorkspace), db.read_only():
        pass
    with pytest.raises(NoWorkspace), db.unit_of_work():
        pass
    with db.shared() as session:  # the registry is everyone's
        assert [w.team_id for w in registry.installed(session)] == ["T0ALPHA", "T0BETA"]


def test_every_schema_is_migrated_and_checked(
    two: tuple[Database, WorkspaceScope, WorkspaceScope],
) -> None:
    db, _alpha, beta = two
    assert workspace_schemas(db.url) == ["ws_t0beta"]
    states = states_everywhere(db.url)
    assert {schema: state for schema, (state, _) in states.items()} == {
        None: SchemaState.CURRENT,
        "ws_t0beta": SchemaState.CURRENT,
    }
    # The shared tables are the default schema's alone.
    with (
        within(beta),
        pytest.raises(ProgrammingError, match="does not exist"),
        db.read_only() as session,
    ):
        session.execute(select(INSTALLATIONS.c.id)).all()
    # A workspace registered but not migrated yet holds the whole database back.
    with db.shared() as session:
        registry.register(session, team_id="T0GAMMA", name="Gamma", installed_by=None, now=NOW)
    states = states_everywhere(db.url)
    assert states["ws_t0gamma"][0] is SchemaState.BEHIND


def test_migrate_brings_every_workspace_schema_up_and_serving_waits_for_it(url: str) -> None:
    with Database(url).shared() as session:
        registry.register(session, team_id="T0NEW", name="New", installed_by=None, now=NOW)
    env = {"MATCHPATH_DATABASE_URL": url}
    early = run_cli("export", env=env)
    assert early.returncode == 1
    assert "run `matchpath migrate` first" in early.stderr
    migrated = run_cli("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == (
        "database is at the latest schema, and so is the schema of the 1 workspace installed"
    )
    assert {s: state for s, (state, _) in states_everywhere(url).items()} == {
        None: SchemaState.CURRENT,
        "ws_t0new": SchemaState.CURRENT,
    }
    assert run_cli("export", env=env).returncode == 0


def test_a_sweep_plans_and_sends_within_each_workspaces_ledger(
    two: tuple[Database, WorkspaceScope, WorkspaceScope],
) -> None:
    """The sweep's temporary table lives outside every workspace's schema (PostgreSQL keeps
    temporary tables apart), while the ledger rows it plans are the workspace's own."""
    db, alpha, beta = two
    for scope, name in [(alpha, "Maya of Alpha"), (beta, "Maya of Beta")]:
        parsed = parse_json_roster(_roster(name))
        with within(scope), db.unit_of_work() as session:
            import_roster(
                session, actor=Actor.system(NOW), roster=parsed.roster, places=parsed.places
            )
    with FakeSlack() as fake:
        for user in ("UMENTOR01", "UMENTOR02", *(f"UMENTEE0{n}" for n in range(1, 5))):
            fake.add_user(user, user.title())
        ledgers = {}
        for scope in (alpha, beta):
            world = World(db=db, fake=fake, clock=FixedClock(NOW), ruleset=load_ruleset())
            with within(scope):
                report = world.sweep()
                with db.read_only() as session:
                    ledgers[scope.team_id] = session.scalars(select(Delivery.dedupe_key)).all()
            assert report.deferred == {}
            assert report.dispatch is not None
            assert report.dispatch.sent > 0
        assert ledgers["T0ALPHA"], "the example roster has reminders planned"
        assert sorted(ledgers["T0ALPHA"]) == sorted(ledgers["T0BETA"])
        # Each workspace's sweep sent its own reminders once: the same keys, twice in all.
        sent = world.accepted_keys()
        assert sent, "reminders were due"
        assert set(sent.values()) == {2}


def test_an_install_migrates_the_workspace_and_makes_the_installer_its_admin(url: str) -> None:
    db = Database(url, per_workspace=True)
    try:
        view = install_workspace(db, team_id="T0NEW", name="New", installer="UINSTALL", now=NOW)
        assert view.schema_name == "ws_t0new"
        assert states_everywhere(url)["ws_t0new"][0] is SchemaState.CURRENT
        with within(view.scope), db.read_only() as session:
            admins = session.scalars(select(Person.slack_user_id).where(Person.is_admin)).all()
            actions = session.scalars(select(AuditEvent.action)).all()
        assert admins == ["UINSTALL"]
        assert actions == ["workspace.install"]
        # A reinstall by someone else keeps the rows and adds its installer as an admin.
        install_workspace(db, team_id="T0NEW", name="New", installer="UOTHER", now=NOW)
        with within(view.scope), db.read_only() as session:
            admins = session.scalars(select(Person.slack_user_id).where(Person.is_admin)).all()
        assert sorted(admins) == ["UINSTALL", "UOTHER"]
    finally:
        db.dispose()


def test_a_workspace_is_forgotten_only_once_uninstalled_and_then_whole(
    two: tuple[Database, WorkspaceScope, WorkspaceScope],
) -> None:
    db, alpha, _beta = two
    with db.shared() as session:
        session.execute(
            INSTALLATIONS.insert().values(
                client_id="C",
                app_id="A",
                team_id="T0BETA",
                user_id="UADMIN01",
                installed_at=NOW.replace(tzinfo=None),
            )
        )
    with pytest.raises(WorkspaceRefused, match="still has MatchPath installed"):
        forget_workspace(db, team_id="T0BETA")
    assert uninstall_workspace(db, team_id="T0BETA", now=NOW) is not None
    with db.shared() as session:
        assert [w.team_id for w in registry.installed(session)] == ["T0ALPHA"]
    forget_workspace(db, team_id="T0BETA")
    assert workspace_schemas(db.url) == []
    with db.shared() as session:
        assert registry.find(session, team_id="T0BETA") is None
        assert session.execute(select(INSTALLATIONS.c.id)).all() == []
    uninstall_workspace(db, team_id="T0ALPHA", now=NOW)
    with pytest.raises(WorkspaceRefused, match="default schema"):
        forget_workspace(db, team_id="T0ALPHA")
    with pytest.raises(WorkspaceRefused, match="no workspace T0NONE"):
        forget_workspace(db, team_id="T0NONE")
    with within(alpha), db.read_only() as session:  # Alpha's rows are untouched
        assert session.scalars(select(AuditEvent.action)).all() == ["workspace.uninstall"]


MANY = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret-for-tests"}


def test_the_workspace_served_before_keeps_its_rows_when_it_installs(url: str) -> None:
    """A database that served one workspace goes over to many without losing a row: the
    operator adopts its team id for the default schema, and its install then finds it."""
    env = {"MATCHPATH_DATABASE_URL": url}
    assert run_cli("migrate", env=env).returncode == 0
    imported = run_cli("import", str(ROOT / "examples" / "roster.json"), env=env)
    assert imported.returncode == 0, imported.stderr
    many = env | MANY | {"SLACK_SIGNING_SECRET": "secret"}
    refused = run_cli("serve", "--no-scheduler", env=many)
    assert refused.returncode == 2
    assert "run `matchpath workspaces adopt TEAM_ID`" in refused.stderr
    assert "Traceback" not in refused.stderr
    bad = run_cli("workspaces", "adopt", "not-a-team", env=env)
    assert bad.returncode == 1
    assert "is not a Slack team id" in bad.stderr
    adopted = run_cli("workspaces", "adopt", "T0OLD", "--name", "Old", env=env)
    assert adopted.returncode == 0, adopted.stderr
    db = Database(url, per_workspace=True)
    try:
        view = install_workspace(db, team_id="T0OLD", name="Old", installer="UNEW", now=NOW)
        assert view.schema_name is None
        assert workspace_schemas(url) == []
        with within(view.scope), db.read_only() as session:
            people = set(session.scalars(select(Person.slack_user_id)))
        assert {"UMENTEE01", "UMENTOR01", "UNEW"} <= people
    finally:
        db.dispose()
    listed = run_cli("workspaces", env=env)
    assert listed.stdout.split("\t")[:4] == ["T0OLD", "Old", "the default schema", "installed\n"]
    # Serving many, a command by hand names its workspace.
    unnamed = run_cli("export", env=env | MANY)
    assert unnamed.returncode == 2
    assert "name the one to work on with MATCHPATH_WORKSPACE" in unnamed.stderr
    unknown = run_cli("export", env=env | MANY | {"MATCHPATH_WORKSPACE": "T0NOPE"})
    assert unknown.returncode == 2
    assert "no workspace T0NOPE has installed MatchPath here" in unknown.stderr
    named = run_cli("export", env=env | MANY | {"MATCHPATH_WORKSPACE": "T0OLD"})
    assert named.returncode == 0, named.stderr
    assert "UMENTEE01" in named.stdout


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({}, "cannot serve many workspaces on SQLite"),
        ({"SLACK_BOT_TOKEN": "xoxb-one"}, "not both"),
        ({"SLACK_APP_TOKEN": "xapp-one"}, "Socket Mode serves one workspace"),
    ],
)
def test_serving_many_workspaces_refuses_what_cannot_work(
    tmp_path: Path, extra: dict[str, str], said: str
) -> None:
    env = {
        "MATCHPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}",
        "SLACK_SIGNING_SECRET": "secret",
        **MANY,
        **extra,
    }
    refused = run_cli("serve", "--no-scheduler", env=env)
    assert refused.returncode == 2
    assert said in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_link_check_names_a_workspace_whose_token_slack_refuses(
    two: tuple[Database, WorkspaceScope, WorkspaceScope],
) -> None:
    db, _alpha, _beta = two
    settings = Settings(
        MATCHPATH_DATABASE_URL=db.url,
        SLACK_CLIENT_ID=MANY["SLACK_CLIENT_ID"],
        SLACK_CLIENT_SECRET=MANY["SLACK_CLIENT_SECRET"],
    )
    store = installation_store(settings, db)
    with FakeSlack() as fake:
        client = WebClient(base_url=fake.url)
        for team_id in ("T0ALPHA", "T0BETA"):
            code = fake.grant_install(team_id, "UADMIN01")
            answer = client.oauth_v2_access(client_id="1", client_secret="2", code=code)
            store.save(
                Installation(
                    app_id=answer["app_id"],
                    team_id=team_id,
                    user_id="UADMIN01",
                    bot_token=answer["access_token"],
                    bot_id="B1",
                    bot_user_id="UBOT",
                    bot_scopes=answer["scope"],
                )
            )
        check = link_check(settings, db, client)
        assert check() == Probe(LinkState.UP)
        fake.revoke("T0BETA")
        assert check() == Probe(LinkState.UP, "tokens refused in T0BETA (token_revoked)")
    assert check().state is LinkState.UNREACHABLE  # the fake is gone
