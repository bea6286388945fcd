"""End to end over HTTP: the real `matchpath serve` process, the fake Slack Web API, and requests
signed exactly as Slack signs them. Every subcommand, the roles, modals, App Home, bad requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.access import Actor
from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.models import (
    ApplicationCycle,
    AuditEvent,
    CheckIn,
    ExamResult,
    Flag,
    Letter,
    Mentee,
    Milestone,
    Person,
)
from bot.roster.service import import_roster, parse_roster
from bot.tables import metadata as every_table
from bot.vocab import AuditOutcome
from handlers.ids import Action
from handlers.payloads import FlagRef, MenteeRef
from sandbox.fake_slack import FakeSlack
from sandbox.signing import SignedRequest, compute_signature, slash_command
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.botproc import PROFILE_MARKER, SECRET, BotProcess, wait_for
from tests.databases import DatabaseFactory

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
PEOPLE = {
    "UADMIN01": ("Ada Admin", "America/New_York"),
    "UMENTOR01": ("Dr. Grace Whitfield", "America/New_York"),
    "UMENTOR02": ("Dr. Samuel Osei", "Europe/London"),
    "UMENTEE01": ("Maya Rahman", "America/Chicago"),
    "UMENTEE02": ("Tariq Haddad", "Asia/Kolkata"),
    "UMENTEE03": ("Lucia Moreno", "Europe/London"),
    "UMENTEE04": ("Daniel Okafor", "America/New_York"),
    "USTRANGER": ("Sam Stranger", "UTC"),
    "UNEWBIE01": ("Nadia New", "Africa/Cairo"),
}
DENIED = "You don't have access to that, or it doesn't exist."


@pytest.fixture(scope="module")
def fake(db_factory: DatabaseFactory) -> Iterator[FakeSlack]:
    # One Slack per database backend: the two runs of this module must not see each other.
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def db(db_factory: DatabaseFactory, system_module: Actor) -> Iterator[Database]:
    database = Database(db_factory.new())
    with database.unit_of_work() as session:
        import_roster(
            session,
            actor=system_module,
            roster=parse_roster((ROOT / "examples" / "roster.json").read_text()),
        )
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def system_module() -> Actor:
    from tests.conftest import NOW

    return Actor.system(NOW)


@pytest.fixture(scope="module")
def bot(
    fake: FakeSlack, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    for user, (name, tz) in PEOPLE.items():
        fake.add_user(user, name, tz=tz)
    fake.add_channel("C0GENERAL", "general")
    # Names are profile contents: no log may hold them (checked when the bot stops).
    names = [name for name, _ in PEOPLE.values()]
    process = BotProcess(
        fake, db.url, workdir=tmp_path_factory.mktemp("bot"), planted=names
    ).start()
    yield process
    process.stop()
    log = process.log()
    assert "unexpected error" not in log, log[-3000:]  # no test here expects an apology
    assert "Traceback" not in log, log[-3000:]


def rows(db: Database) -> dict[str, int]:
    """Row counts of every table holding programme data (not the replay guard's log)."""
    with db.read_only() as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in every_table.tables.items()
            if name != "seen_request"
        }


def shown(reply_text: str) -> str:
    return reply_text.replace("\\u2019", "'")


# -- help and parsing -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "help", "frobnicate", "assess @nobody", 'milestone add "x'])
def test_help_and_usage(bot: BotProcess, text: str) -> None:
    reply = bot.command(text, "USTRANGER")
    assert reply.status == 200
    assert reply.ack["response_type"] == "ephemeral"
    assert "MatchPath commands" in reply.text()
    assert_valid_message(reply.ack)


# -- profile, assess, roles -----------------------------------------------------------------

ROLES = {  # who asks about UMENTEE02 (mentored by UMENTOR02)
    "UADMIN01": True,
    "UMENTOR02": True,
    "UMENTEE02": True,
    "UMENTOR01": False,
    "UMENTEE01": False,
    "USTRANGER": False,
}


@pytest.mark.parametrize(("user", "allowed"), sorted(ROLES.items()))
@pytest.mark.parametrize("sub", ["profile", "assess", "milestone list"])
def test_read_roles(bot: BotProcess, db: Database, user: str, allowed: bool, sub: str) -> None:
    reply = bot.command(f"{sub} <@UMENTEE02|tariq>", user)
    text = shown(reply.text())
    if allowed:
        assert "Tariq Haddad" in text
        for payload in reply.responses:
            assert_valid_message(payload)
    else:
        assert DENIED in text
        assert "Tariq" not in text
        assert "213" not in text
        with db.read_only() as session:
            denied = session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.actor_slack_id == user, AuditEvent.outcome == AuditOutcome.DENIED
                )
            )
        assert denied


def test_denial_never_reveals_enrolment(bot: BotProcess) -> None:
    enrolled = shown(bot.command("profile <@UMENTEE02>", "UMENTOR01").text())
    unknown = shown(bot.command("profile <@UNOBODY99>", "UMENTOR01").text())
    assert DENIED in enrolled
    assert DENIED in unknown


def test_assess_shows_every_pathway_with_rules(bot: BotProcess) -> None:
    reply = bot.command("assess <@UMENTEE02>", "UMENTOR02")
    text = reply.text()
    for pathway in ["integrated plastics", "preliminary surgery", "general surgery", "pivot"]:
        assert pathway in text
    assert "LOR-SURG" in text
    assert "TREND-UP" in text
    assert "realistic" in text


def test_mentee_sees_own_profile_without_naming_themself(bot: BotProcess) -> None:
    assert "Tariq Haddad" in bot.command("profile", "UMENTEE02").text()


# -- a subcommand that names nobody ---------------------------------------------------------

UNNAMED = [
    "profile",
    "assess",
    "plan",
    "log letter",
    "log exam step2ck 241 2026-11-20",
    "milestone list",
    'milestone add "Book Step 3" 2027-01-15',
]


def _buttons(reply: Any) -> dict[str, str]:
    """The picker's buttons: mentee name -> button value."""
    found = {}
    for payload in reply.responses:
        for block in payload.get("blocks", []):
            for element in block.get("elements", []):
                if element.get("action_id") == Action.PICK_MENTEE:
                    found[element["text"]["text"]] = element["value"]
    return found


@pytest.mark.parametrize("text", UNNAMED)
@pytest.mark.parametrize(
    ("user", "offered"),
    [
        ("UADMIN01", {"Maya Rahman", "Tariq Haddad", "Lucia Moreno", "Daniel Okafor"}),
        ("UMENTOR01", {"Maya Rahman", "Daniel Okafor"}),
        ("UMENTOR02", {"Tariq Haddad", "Lucia Moreno"}),
    ],
)
def test_staff_without_a_name_are_asked_which_mentee(
    bot: BotProcess, db: Database, text: str, user: str, offered: set[str]
) -> None:
    before = rows(db)
    reply = bot.command(text, user)
    shown_text = shown(reply.text())
    assert "Which mentee?" in shown_text
    assert DENIED not in shown_text
    assert set(_buttons(reply)) == offered
    for payload in reply.responses:
        assert_valid_message(payload)
    after = rows(db)
    assert after.pop("audit_event") > before.pop("audit_event")  # who was shown whom
    assert after == before


@pytest.mark.parametrize("text", UNNAMED)
def test_a_stranger_without_a_name_gets_the_same_denial(bot: BotProcess, text: str) -> None:
    reply = shown(bot.command(text, "USTRANGER").text())
    assert DENIED in reply
    assert "Which mentee?" not in reply


def test_a_picked_mentee_gets_the_command(bot: BotProcess, db: Database) -> None:
    picked = _buttons(bot.command("assess", "UMENTOR01"))["Maya Rahman"]
    assert "Assessment: Maya Rahman" in bot.click("UMENTOR01", Action.PICK_MENTEE, picked).text()
    before = _count(db, Milestone)
    ask = bot.command('milestone add "Pick-me milestone" 2027-02-01', "UMENTOR01")
    added = bot.click("UMENTOR01", Action.PICK_MENTEE, _buttons(ask)["Daniel Okafor"])
    assert "Pick-me milestone" in added.text()
    assert "<@UMENTEE04>" in added.text()
    assert _count(db, Milestone) == before + 1
    form = bot.click(
        "UMENTOR01",
        Action.PICK_MENTEE,
        _buttons(bot.command("log letter", "UMENTOR01"))["Maya Rahman"],
    )
    assert form.responses[0]["accepted"]
    assert "Log a letter" in json.dumps(form.responses[0]["opened_view"])
    # The button's value is not trusted: a forged one naming someone else's mentee is denied,
    # and one carrying another subcommand is out of date.
    forged = json.loads(picked) | {"mentee": "UMENTEE02"}
    assert DENIED in shown(bot.click("UMENTOR01", Action.PICK_MENTEE, json.dumps(forged)).text())
    other = json.loads(picked) | {"text": "forget"}
    assert "out of date" in bot.click("UMENTOR01", Action.PICK_MENTEE, json.dumps(other)).text()


def test_a_mentee_without_a_name_means_themself(bot: BotProcess) -> None:
    assert "Assessment: Maya Rahman" in bot.command("assess", "UMENTEE01").text()
    assert DENIED in shown(bot.command("plan", "UMENTEE01").text())  # as before: mentors plan


# -- logging items --------------------------------------------------------------------------


def _count(db: Database, model: Any, **where: Any) -> int:
    with db.read_only() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query) or 0


def test_log_exam_inline(bot: BotProcess, db: Database) -> None:
    before = _count(db, ExamResult)
    reply = bot.command("log exam <@UMENTEE01> step3 221 2026-10-02", "UMENTOR01")
    assert "Logged for" in reply.text()
    assert _count(db, ExamResult) == before + 1
    bad = bot.command("log exam <@UMENTEE01> step2ck 400 2026-10-02", "UMENTOR01")
    assert "score between 1 and 300" in bad.text()
    assert _count(db, ExamResult) == before + 1


def test_log_exam_inline_works_out_a_retake(bot: BotProcess, db: Database) -> None:
    """Maya sat Step 2 CK once (228): a new result is attempt 2, said with its score."""
    reply = bot.command("log exam <@UMENTEE01> step2ck 241 2026-11-25", "UMENTOR01")
    assert "Logged for <@UMENTEE01>: Step 2 CK 241 (attempt 2, 2026-11-25)." in reply.text()
    with db.read_only() as session:
        stored = session.execute(
            select(ExamResult.attempt, ExamResult.score)
            .join(Mentee, Mentee.id == ExamResult.mentee_id)
            .join(Person, Person.id == Mentee.person_id)
            .where(Person.slack_user_id == "UMENTEE01", ExamResult.exam == "step2ck")
            .order_by(ExamResult.attempt)
        ).all()
    assert [tuple(row) for row in stored] == [(1, 228), (2, 241)]
    again = bot.command("log exam <@UMENTEE01> step2ck 241 2026-11-25", "UMENTOR01")
    assert "taken on 2026-11-25 is already recorded (attempt 2)" in again.text()


def test_log_interviews_counts_on_the_season_under_way(bot: BotProcess, db: Database) -> None:
    """Tariq has no cycle for the live season: told to log it; once logged, the count is kept."""
    season = load_ruleset().seasons.live(datetime.now(UTC).date())
    refused = bot.command("log interviews <@UMENTEE02> 2", "UMENTOR02")
    assert f"no {season} cycle is on record" in refused.text()
    with db.unit_of_work() as session:
        mentee = session.scalar(
            select(Mentee)
            .join(Person, Person.id == Mentee.person_id)
            .where(Person.slack_user_id == "UMENTEE02")
        )
        assert mentee is not None
        session.add(
            ApplicationCycle(
                mentee_id=mentee.id,
                season=season,
                submitted_on=date(season - 1, 9, 2),
                applications={"preliminary_surgery": 80},
                created_at=datetime.now(UTC),
            )
        )
    reply = bot.command("log interviews <@UMENTEE02> 2", "UMENTOR02")
    assert f"Recorded for <@UMENTEE02>: 2 interview invitations for the {season} season" in (
        reply.text()
    )
    with db.read_only() as session:
        stored = session.scalar(
            select(ApplicationCycle.interviews).where(ApplicationCycle.season == season)
        )
    assert stored == 2
    denied = bot.command("log interviews <@UMENTEE02> 9", "UMENTOR01")  # not his mentor
    assert DENIED in shown(denied.text())


def test_log_letter_modal_errors_then_saves(bot: BotProcess, fake: FakeSlack, db: Database) -> None:
    reply = bot.command("log letter", "UMENTEE01")
    opened = reply.responses[0]
    assert opened["accepted"]
    view = (
        json.loads(opened["opened_view"])
        if isinstance(opened["opened_view"], str)
        else opened["opened_view"]
    )
    assert_valid_view(view)
    before = _count(db, Letter)
    missing = bot.submit(
        "UMENTEE01", view, {"writer": {"value": {"type": "plain_text_input", "value": "Dr. Kim"}}}
    )
    errors = json.loads(missing.body)
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"specialty", "received_on"}
    assert _count(db, Letter) == before
    values = {
        "writer": {"value": {"type": "plain_text_input", "value": "Dr. Kim"}},
        "specialty": {
            "value": {"type": "static_select", "selected_option": {"value": "plastic_surgery"}}
        },
        "flags": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "us"}, {"value": "strong"}],
            }
        },
        "received_on": {"value": {"type": "datepicker", "selected_date": "2026-11-01"}},
    }
    saved = bot.submit("UMENTEE01", view, values)
    assert saved.status == 200
    assert not saved.body.strip()
    assert _count(db, Letter) == before + 1


# -- milestones, plan, check-ins, flags -------------------------------------------------------


def test_milestones(bot: BotProcess, db: Database) -> None:
    added = bot.command('milestone add <@UMENTEE04> "Book Step 3 retake" 2027-01-15', "UMENTOR01")
    assert "Book Step 3 retake" in added.text()
    with db.read_only() as session:
        milestone = session.scalars(
            select(Milestone).where(Milestone.title == "Book Step 3 retake")
        ).one()
    listed = bot.command("milestone list <@UMENTEE04>", "UMENTOR01")
    assert f"#{milestone.id}" in listed.text()
    bot.command(f"milestone done {milestone.id}", "UMENTEE04")
    with db.read_only() as session:
        assert session.get(Milestone, milestone.id).status == "done"  # type: ignore[union-attr]
    again = bot.command(f"milestone drop {milestone.id}", "UMENTOR02")
    assert DENIED in shown(again.text())


def test_plan_preview_then_save(bot: BotProcess, db: Database) -> None:
    before = _count(db, Milestone)
    reply = bot.command("plan <@UMENTEE02>", "UMENTOR02")
    assert "Preliminary surgery plan" in reply.text()
    assert _count(db, Milestone) == before
    saved = bot.click("UMENTOR02", Action.SAVE_PLAN, MenteeRef(mentee="UMENTEE02").dump())
    assert "Saved" in saved.text()
    assert _count(db, Milestone) > before
    assert DENIED in shown(bot.command("plan <@UMENTEE02>", "UMENTEE02").text())


def test_checkin(bot: BotProcess, db: Database) -> None:
    before = _count(db, CheckIn)
    reply = bot.command(f"checkin <@UMENTEE03> A pivot; {PROFILE_MARKER}", "UMENTOR02")
    assert "recorded" in reply.text()
    assert _count(db, CheckIn) == before + 1
    modal = bot.command("checkin <@UMENTEE03>", "UMENTOR02")
    assert modal.responses[0]["accepted"]
    assert DENIED in shown(bot.command("checkin <@UMENTEE03> hi", "UMENTEE03").text())


def test_flags_snooze(bot: BotProcess, db: Database) -> None:
    from datetime import UTC, datetime

    with db.unit_of_work() as session:
        mentee = session.scalars(
            select(Mentee).join(Person).where(Person.slack_user_id == "UMENTEE03")
        ).one()
        flag = Flag(
            mentee_id=mentee.id,
            rule="STAG-REAPPLY",
            detail="nothing new",
            raised_at=datetime.now(UTC),
        )
        session.add(flag)
        session.flush()
        flag_id = flag.id
    listed = bot.command("flags", "UMENTOR02")
    assert "STAG-REAPPLY" in listed.text()
    assert "STAG-REAPPLY" not in bot.command("flags", "UMENTOR01").text()
    snoozed = bot.click("UMENTOR02", Action.FLAG_SNOOZE, FlagRef(flag=flag_id).dump())
    assert "snoozed" in snoozed.text()
    with db.read_only() as session:
        assert session.get(Flag, flag_id).state == "snoozed"  # type: ignore[union-attr]


# -- enrolment, assignment, settings --------------------------------------------------------


def test_enroll_by_mentor(bot: BotProcess, db: Database) -> None:
    reply = bot.command("enroll <@UNEWBIE01>", "UMENTOR01")
    view = reply.responses[0]["opened_view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {
        "name": {"value": {"type": "plain_text_input", "value": "Nadia New"}},
        "applicant_type": {"value": {"selected_option": {"value": "non_us_img"}}},
        "visa": {"value": {"selected_option": {"value": "j1"}}},
        "ecfmg": {"value": {"selected_option": {"value": "in_progress"}}},
        "checkpoint_cadence_days": {"value": {"type": "number_input", "value": "900"}},
        "status": {"value": {"selected_option": {"value": "active"}}},
    }
    refused = bot.submit("UMENTOR01", view, values)
    assert "checkpoint_cadence_days" in json.loads(refused.body)["errors"]
    assert _count(db, Mentee) == 4
    values["checkpoint_cadence_days"] = {"value": {"type": "number_input", "value": "120"}}
    assert bot.submit("UMENTOR01", view, values).status == 200
    assert "Nadia New" in bot.command("profile <@UNEWBIE01>", "UMENTOR01").text()
    assert DENIED not in bot.command("assess <@UNEWBIE01>", "UMENTOR01").text()
    assert "Only admins and mentors" in bot.command("enroll <@UNEWBIE02>", "UMENTEE01").text()


def test_assign_is_admin_only(bot: BotProcess) -> None:
    refused = bot.command("assign <@UMENTEE03> <@UMENTOR01>", "UMENTOR01")
    assert "Only a MatchPath admin" in refused.text()
    assert DENIED in shown(bot.command("profile <@UMENTEE03>", "UMENTOR01").text())
    assert "now mentors" in bot.command("assign <@UMENTEE03> <@UMENTOR01>", "UADMIN01").text()
    assert "Lucia" in bot.command("profile <@UMENTEE03>", "UMENTOR01").text()
    bot.command("unassign <@UMENTEE03> <@UMENTOR01>", "UADMIN01")
    assert DENIED in shown(bot.command("profile <@UMENTEE03>", "UMENTOR01").text())


def test_settings(bot: BotProcess, db: Database) -> None:
    reply = bot.command("settings", "UMENTEE02")
    view = reply.responses[0]["opened_view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert_valid_view(view)
    values = {
        "tz": {"value": {"value": "Mars/Olympus"}},
        "quiet_start": {"value": {"selected_time": "21:00"}},
        "quiet_end": {"value": {"selected_time": "07:30"}},
    }
    assert "tz" in json.loads(bot.submit("UMENTEE02", view, values).body)["errors"]
    values["tz"] = {"value": {"value": "Asia/Dubai"}}
    assert bot.submit("UMENTEE02", view, values).status == 200
    with db.read_only() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == "UMENTEE02")).one()
    assert (person.tz_override, person.quiet_start_minute, person.quiet_weekends) == (
        "Asia/Dubai",
        21 * 60,
        False,
    )
    assert "enrolled" in bot.command("settings", "USTRANGER").text()


# -- export and forget ----------------------------------------------------------------------


def test_export_goes_to_the_admins_dm(bot: BotProcess, fake: FakeSlack) -> None:
    assert "Only a MatchPath admin" in bot.command("export <@UMENTEE04>", "UMENTOR01").text()
    reply = bot.command("export <@UMENTEE04>", "UADMIN01")
    assert "Sent the export" in reply.text()
    upload = [f for f in fake.files if f.filename == "matchpath-UMENTEE04.json"][-1]
    assert upload.channel_id == fake.dm_channel("UADMIN01")
    data = json.loads(upload.content or b"{}")
    assert [m["slack_user_id"] for m in data["mentees"]] == ["UMENTEE04"]


def test_forget_after_confirmation(bot: BotProcess, db: Database) -> None:
    asked = bot.command("forget <@UMENTEE04>", "UADMIN01")
    assert "Delete all MatchPath data" in asked.text()
    assert _count(db, Mentee) >= 4
    done = bot.click("UADMIN01", Action.FORGET_CONFIRM, MenteeRef(mentee="UMENTEE04").dump())
    assert "deleted" in done.text()
    with db.read_only() as session:
        gone = session.scalar(
            select(func.count(Person.id)).where(Person.slack_user_id == "UMENTEE04")
        )
        kept = session.scalars(
            select(AuditEvent.subject_slack_id).where(AuditEvent.action == "mentee.forgotten")
        ).all()
        named = session.scalar(
            select(func.count(AuditEvent.id)).where(
                (AuditEvent.subject_slack_id == "UMENTEE04")
                | (AuditEvent.actor_slack_id == "UMENTEE04")
            )
        )
    assert gone == 0
    assert len(kept) == 1
    assert kept[0] is not None
    assert kept[0].startswith("forgotten-")
    assert named == 0


# -- App Home -------------------------------------------------------------------------------


def test_app_home_is_published(bot: BotProcess, fake: FakeSlack) -> None:
    for user in ["UMENTEE02", "UMENTOR02", "USTRANGER"]:
        status, _ = bot.event(
            {
                "type": "app_home_opened",
                "user": user,
                "tab": "home",
                "channel": fake.dm_channel(user),
            }
        )
        assert status == 200
    home = {}
    for _ in range(200):
        home = fake.home_views
        if {"UMENTEE02", "UMENTOR02", "USTRANGER"} <= set(home):
            break
        time.sleep(0.02)
    assert "Next milestones" in json.dumps(home["UMENTEE02"].payload)
    assert "Your mentees" in json.dumps(home["UMENTOR02"].payload)
    assert "not enrolled" in json.dumps(home["USTRANGER"].payload)
    for stored in home.values():
        assert_valid_view(stored.payload)


# -- request authenticity -------------------------------------------------------------------


def _forged_requests(bot: BotProcess) -> list[SignedRequest]:
    good = slash_command(
        SECRET,
        command="/matchpath",
        text="checkin <@UMENTEE02> forged",
        user_id="UMENTOR02",
        channel_id="C0GENERAL",
    )
    stale_ts = int(time.time()) - 600
    stale = slash_command(
        SECRET,
        command="/matchpath",
        text="checkin <@UMENTEE02> stale",
        user_id="UMENTOR02",
        channel_id="C0GENERAL",
        timestamp=stale_ts,
    )
    wrong = slash_command(
        "not-the-secret",
        command="/matchpath",
        text="checkin <@UMENTEE02> x",
        user_id="UMENTOR02",
        channel_id="C0GENERAL",
    )
    tampered = SignedRequest(good.body.replace(b"forged", b"tampered"), good.headers)
    unsigned = SignedRequest(
        good.body, {k: v for k, v in good.headers.items() if not k.lower().startswith("x-slack")}
    )
    bad_sig = SignedRequest(good.body, {**good.headers, "X-Slack-Signature": "v0=" + "0" * 64})
    assert (
        compute_signature(SECRET, good.headers["X-Slack-Request-Timestamp"], good.body)
        == good.headers["X-Slack-Signature"]
    )
    return [stale, wrong, tampered, unsigned, bad_sig]


def test_forged_stale_unsigned_are_refused(bot: BotProcess, db: Database) -> None:
    before = rows(db)
    for request in _forged_requests(bot):
        status, _ = bot.post(request)
        assert status == 401
    time.sleep(0.3)
    assert rows(db) == before


def test_a_refused_request_leaves_its_body_out_of_the_log(bot: BotProcess, db: Database) -> None:
    """Bolt logs the whole body of a request it refuses; that body is profile text."""
    before = rows(db)
    stale = slash_command(
        SECRET,
        command="/matchpath",
        text=f"checkin <@UMENTEE02> {PROFILE_MARKER}",
        user_id="UMENTOR02",
        channel_id="C0GENERAL",
        timestamp=int(time.time()) - 600,
    )
    logged = len(bot.log())
    status, _ = bot.post(stale)
    assert status == 401
    refusal = wait_for(
        lambda: next(
            (line for line in bot.log()[logged:].splitlines() if "refused a request" in line), ""
        ),
        what="the signature check's line",
    )
    # The gate in front of Bolt refuses it and says why, never with the body; Bolt's own
    # check (which would log the body) is quietened too, tested in tests/test_logs.py.
    assert "refused a request to /slack/events: " in refusal
    assert PROFILE_MARKER not in bot.log()[logged:]
    assert rows(db) == before


def test_no_request_was_ever_rejected_by_slack(bot: BotProcess, fake: FakeSlack) -> None:
    """Every message and view the bot sent passed Slack's validation (the fake checks it)."""
    calls = fake.calls()
    # Run with the module: this checks what the tests above sent (views, DMs, replies).
    assert len(calls) >= 10, len(calls)
    assert len(fake.responses) >= 10, len(fake.responses)
    rejected = [(c.method, c.error, c.messages) for c in calls if not c.accepted]
    assert rejected == []
    rejected_responses = [r.error for r in fake.responses if not r.accepted]
    assert rejected_responses == []


# -- fuzzing the command text over HTTP ------------------------------------------------------

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from handlers.commands.parse import UsageError, parse  # noqa: E402
from tests.test_command_parser import extreme_dates, odd_numbers, texts  # noqa: E402


@given(text=texts)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
def test_malformed_text_gets_usage_and_writes_nothing(
    bot: BotProcess, db: Database, text: str
) -> None:
    try:
        parse(text)
        assume(False)
    except UsageError:
        pass
    before = rows(db)
    reply = bot.command(text, "UMENTOR02")
    assert reply.status == 200
    assert "MatchPath commands" in reply.text()
    assert rows(db) == before


# Valid commands too: random words rarely parse, and only a parsed command reaches a handler.
VALID_COMMANDS = [
    "",
    "help",
    "profile <@UMENTEE02>",
    "assess <@UMENTEE02>",
    "milestone list <@UMENTEE02>",
    'milestone add <@UMENTEE02> "Book Step 3" 2027-01-15',
    "milestone done 1",
    "log exam step2ck 236 2026-10-02",
    "plan <@UMENTEE02>",
    "checkin <@UMENTEE02> all fine",
    "flags",
    "settings",
    "dashboard",
    "export <@UMENTEE02>",
    "forget <@UMENTEE02>",
    "enroll <@UNEWBIE09>",
    "assign <@UMENTEE02> <@UMENTOR01>",
]


@given(text=st.one_of(st.sampled_from(VALID_COMMANDS), texts, st.text(max_size=300)))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_text_never_errors(bot: BotProcess, text: str) -> None:
    reply = bot.command(text, "USTRANGER")  # waits for what the user is shown
    assert reply.status == 200
    shown = reply.text()
    assert reply.ack or reply.responses, "the user was shown nothing"
    assert "went wrong on our side" not in shown, shown  # the error boundary's apology


ODD_TEMPLATES = [
    "milestone done {n}",
    "milestone drop {n}",
    "log exam <@UMENTEE02> step2ck {n} {d}",
    "log exam <@UMENTEE02> step2ck 241 {d} attempt {n}",
    "log practice <@UMENTEE02> step2ck {n} {d} NBME",
    'milestone add <@UMENTEE02> "Book Step 3" {d}',
]


@given(
    template=st.sampled_from(ODD_TEMPLATES),
    n=odd_numbers,
    d=extreme_dates,
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_odd_digits_and_dates_never_error(
    bot: BotProcess, db: Database, template: str, n: str, d: str
) -> None:
    """Digits `int()` refuses, digits nobody types, dates out of any field's range: a clear
    answer, never a 500 or the apology. The stranger may write nothing (but the audit trail of
    their denials), so nothing else changes."""
    before = rows(db)
    reply = bot.command(template.format(n=n, d=d), "USTRANGER")
    assert reply.status == 200
    text = shown(reply.text())
    assert "went wrong" not in text
    assert "MatchPath commands" in text or DENIED in text or "must be" in text
    after = rows(db)
    assert after.pop("audit_event") >= before.pop("audit_event")
    assert after == before


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('milestone add <@UMENTEE01> "Book Step 3" 0001-01-01', "the due date"),
        ('milestone add <@UMENTEE01> "Book Step 3" 9999-12-31', "the due date"),
        ('milestone add <@UMENTEE01> "Book Step 3" 2099-01-01', "the due date"),
        ("log exam <@UMENTEE01> step2ck 241 0001-01-01", "the exam date"),
        ("log exam <@UMENTEE01> step2ck 241 1985-06-01", "the exam date"),
        ("log exam <@UMENTEE01> step2ck 241 9999-12-31", "the exam date"),
        ("log practice <@UMENTEE01> step2ck 221 9999-12-31", "the practice test date"),
        ("milestone done ²", "milestone done ID"),
        ("log exam <@UMENTEE01> step2ck ② 2026-10-02", "score between 1 and 300"),
    ],
)
def test_out_of_range_dates_are_refused_naming_the_field(
    bot: BotProcess, db: Database, text: str, words: str
) -> None:
    before = rows(db)
    reply = bot.command(text, "UMENTOR01")
    assert reply.status == 200
    shown_text = shown(reply.text())
    assert words in shown_text
    assert "went wrong" not in shown_text
    assert rows(db) == before


def test_a_nul_is_refused_the_same_on_both_databases(bot: BotProcess, db: Database) -> None:
    """A NUL in command text or a form: a refusal naming it, nothing stored, and the text kept
    out of the log (PostgreSQL used to fail on it and log the SQL parameters; SQLite stored it)."""
    before = rows(db)
    secret = "nul-note-about-wellbeing"
    typed = bot.command(f"checkin <@UMENTEE03> {secret}\x00 fine", "UMENTOR02")
    assert "control character (U+0000)" in shown(typed.text())
    assert "went wrong" not in typed.text()
    form = bot.command("checkin <@UMENTEE03>", "UMENTOR02").responses[0]["opened_view"]
    view = json.loads(form) if isinstance(form, str) else form
    notes = {"notes": {"value": {"type": "plain_text_input", "value": f"{secret}\x00"}}}
    refused = json.loads(bot.submit("UMENTOR02", view, notes).body)
    assert refused["response_action"] == "errors"
    assert "control character (U+0000)" in refused["errors"]["notes"]
    after = rows(db)
    assert after.pop("audit_event") >= before.pop("audit_event")  # the form's opening
    assert after == before
    assert secret not in bot.log()


# -- dashboards -----------------------------------------------------------------------------


def test_dashboard_channel_must_be_private(bot: BotProcess, fake: FakeSlack) -> None:
    fake.add_channel("CPUBLIC9", "general-chat", is_private=False)
    fake.add_channel("GMENTORS9", "mentors", is_private=True)
    assert (
        "Only a MatchPath admin"
        in bot.command("dashboard channel <#GMENTORS9|mentors>", "UMENTOR01").text()
    )
    refused = bot.command("dashboard channel <#CPUBLIC9|general-chat>", "UADMIN01")
    assert "only in a private channel" in refused.text()
    accepted = bot.command("dashboard channel <#GMENTORS9|mentors>", "UADMIN01")
    assert "Dashboards now live" in accepted.text()


def test_cards_notes_and_roster(bot: BotProcess, fake: FakeSlack, db: Database) -> None:
    from datetime import UTC, datetime

    from slack_sdk import WebClient

    from bot.clock import FixedClock
    from bot.reminders.sweep import run_sweep
    from handlers.notifier import SlackNotifier

    fake.add_channel("GMENTORS9", "mentors", is_private=True)
    assert (
        "Dashboards now live"
        in bot.command("dashboard channel <#GMENTORS9|mentors>", "UADMIN01").text()
    )
    notifier = SlackNotifier(WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[]))
    for _ in range(2):
        run_sweep(db, notifier, FixedClock(datetime.now(UTC)), load_ruleset())
    parents = [m for m in fake.messages("GMENTORS9") if m.thread_ts is None]
    assert len(parents) == 4  # one card per active mentee
    tariq = next(m for m in parents if "Tariq Haddad" in json.dumps(m.blocks))
    before = _count(db, CheckIn)
    text = "<@UBOT> note Discussed the SOAP plan; confident"
    reply_ts = WebClient(token="xoxb-test", base_url=fake.url).chat_postMessage(
        channel="GMENTORS9", thread_ts=tariq.ts, text=text
    )["ts"]  # the mentor's reply
    event = {
        "type": "app_mention",
        "user": "UMENTOR02",
        "channel": "GMENTORS9",
        "ts": reply_ts,
        "thread_ts": tariq.ts,
        "text": text,
    }
    from sandbox.signing import event_callback

    for _ in range(2):  # Slack retries: the same event id acts once
        status, _ = bot.post(event_callback(SECRET, event, event_id="Ev0NOTE1"))
        assert status == 200
    wait = 0
    while _count(db, CheckIn) == before and wait < 100:
        time.sleep(0.05)
        wait += 1
    time.sleep(0.3)
    assert _count(db, CheckIn) == before + 1
    assert any(r.name == "white_check_mark" and r.timestamp == event["ts"] for r in fake.reactions)
    in_public = bot.command("dashboard", "UMENTOR02", expect=2)  # the summary, then the lines
    text = in_public.text()
    assert "Roster" in text
    assert "Tariq Haddad" in text
    assert fake.messages("C0GENERAL") == []  # not posted in a public channel
    assert DENIED not in text
    posted = bot.command("dashboard", "UMENTOR02", channel="GMENTORS9", wait=False)
    assert posted.status == 200
    for _ in range(100):
        roster = [m for m in fake.messages("GMENTORS9") if "Roster" in (m.text or "")]
        if roster:
            break
        time.sleep(0.05)
    assert roster
    thread = wait_for(
        lambda: [m for m in fake.messages("GMENTORS9") if m.thread_ts == roster[0].ts],
        what="the roster's lines",
    )
    assert "Lucia Moreno" in json.dumps([m.blocks for m in thread])


def test_a_replayed_request_is_refused(bot: BotProcess, db: Database) -> None:
    request = slash_command(
        SECRET,
        command="/matchpath",
        text="checkin <@UMENTEE02> replay drill",
        user_id="UMENTOR02",
        channel_id="C0GENERAL",
        response_url=bot.fake.issue_response_url("C0GENERAL", "UMENTOR02"),
    )
    before = _count(db, CheckIn)
    first, _ = bot.post(request)
    assert first == 200
    for _ in range(100):
        if _count(db, CheckIn) == before + 1:
            break
        time.sleep(0.05)
    again, _ = bot.post(request)  # the same bytes, the same valid signature, seconds later
    assert again == 401
    time.sleep(0.3)
    assert _count(db, CheckIn) == before + 1


@given(
    secret=st.text(min_size=1, max_size=40).filter(lambda s: s != SECRET),
    skew=st.integers(301, 10**7),
    flip=st.integers(0, 63),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_forgeries_are_refused(
    bot: BotProcess, db: Database, secret: str, skew: int, flip: int
) -> None:
    """Any wrong secret, any timestamp outside the five minutes, any changed byte: 401."""
    text = "checkin <@UMENTEE02> forged note"
    before = rows(db)
    wrong_secret = slash_command(
        secret, command="/matchpath", text=text, user_id="UMENTOR02", channel_id="C0GENERAL"
    )
    stale = slash_command(
        SECRET,
        command="/matchpath",
        text=text,
        user_id="UMENTOR02",
        channel_id="C0GENERAL",
        timestamp=int(time.time()) - skew,
    )
    good = slash_command(
        SECRET, command="/matchpath", text=text, user_id="UMENTOR02", channel_id="C0GENERAL"
    )
    signature = good.headers["X-Slack-Signature"]
    digit = "0123456789abcdef"[(int(signature[3 + flip], 16) + 1) % 16]
    flipped = signature[: 3 + flip] + digit + signature[4 + flip :]
    bit_flip = SignedRequest(good.body, {**good.headers, "X-Slack-Signature": flipped})
    for request in (wrong_secret, stale, bit_flip):
        status, _ = bot.post(request)
        assert status == 401
    assert rows(db) == before


# -- user text reaching Slack --------------------------------------------------------------

from tests.test_escaping import assert_inert  # noqa: E402

HOSTILE = st.lists(
    st.sampled_from(
        [
            *("<!channel>", "<!everyone>", "<!here>", "<https://evil.example|click me>"),
            *("<!subteam^S1>", "&", "<", ">", "|", "a", " ", "Book Step 3"),
        ]
    ),
    min_size=1,
    max_size=6,
).map("".join)


def _sent_since(fake: FakeSlack, calls: int, responses: int) -> list[tuple[Any, bool]]:
    """What the bot sent: each payload, and whether only the asker sees it."""
    sent: list[tuple[Any, bool]] = []
    for call in fake.calls()[calls:]:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            params = {
                k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
                for k, v in call.params.items()
            }
            to_asker = call.method == "chat.postEphemeral" or params.get("channel", "")[:1] == "D"
            sent.append((params, to_asker))
    sent += [(r.payload, True) for r in fake.responses[responses:]]
    return sent


@given(title=HOSTILE, writer=HOSTILE.map(lambda t: t + " <@UADMIN01>"))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_user_text_reaches_slack_inert(
    bot: BotProcess, fake: FakeSlack, db: Database, title: str, writer: str
) -> None:
    """A milestone title and a letter writer full of broadcasts, links and a mention: in the
    mentors' channel (thread lines, the card) and in replies, nothing pings or links."""
    from datetime import UTC, datetime

    from slack_sdk import WebClient

    from bot.clock import FixedClock
    from bot.reminders.sweep import run_sweep
    from handlers.notifier import SlackNotifier

    assume(title.strip() and writer.strip())
    fake.add_channel("GMENTORS9", "mentors", is_private=True)
    bot.command("dashboard channel <#GMENTORS9|mentors>", "UADMIN01")
    calls, responses = len(fake.calls()), len(fake.responses)
    added = bot.command(f'milestone add <@UMENTEE02> "{title}" 2027-01-15', "UMENTOR02")
    assert "Milestone #" in added.text()
    opened = bot.command("log letter <@UMENTEE02>", "UMENTOR02").responses[0]["opened_view"]
    view = json.loads(opened) if isinstance(opened, str) else opened
    view["id"] = f"V{time.monotonic_ns()}"  # each form its own: the same bytes twice are a replay
    values = {
        "writer": {"value": {"type": "plain_text_input", "value": writer}},
        "specialty": {"value": {"selected_option": {"value": "general_surgery"}}},
        "received_on": {"value": {"selected_date": "2026-11-01"}},
    }
    assert bot.submit("UMENTOR02", view, values).status == 200
    notifier = SlackNotifier(WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[]))
    for _ in range(2):
        run_sweep(db, notifier, FixedClock(datetime.now(UTC)), load_ruleset())
    sent = _sent_since(fake, calls, responses)
    channel = [p for p, to_asker in sent if not to_asker]
    assert any("Milestone added" in json.dumps(p) for p in channel)  # the thread line went out
    for payload, to_asker in sent:
        assert_inert(payload, asker_only=to_asker, ours={"UMENTEE02", "UMENTOR02"})


# -- enrolling someone who may be enrolled already -------------------------------------------


def _enrol_answer(bot: BotProcess, fake: FakeSlack, user: str, target: str) -> tuple[str, Any]:
    """What `enroll @target` shows, and, when it opens the form, what saving it answers."""
    reply = bot.command(f"enroll <@{target}>", user)
    opened = reply.responses[0].get("opened_view")
    if opened is None:
        return shown(reply.text()).replace(target, "TARGET"), None
    view = json.loads(opened) if isinstance(opened, str) else opened
    view["id"] = f"V{time.monotonic_ns()}"
    values = {
        "name": {"value": {"type": "plain_text_input", "value": "Entered Name"}},
        "applicant_type": {"value": {"selected_option": {"value": "non_us_img"}}},
        "visa": {"value": {"selected_option": {"value": "j1"}}},
        "ecfmg": {"value": {"selected_option": {"value": "certified"}}},
        "checkpoint_cadence_days": {"value": {"type": "number_input", "value": "180"}},
        "status": {"value": {"selected_option": {"value": "active"}}},
    }
    before = len(fake.calls("chat.postEphemeral"))
    assert bot.submit(user, view, values).status == 200
    answer = wait_for(lambda: fake.calls("chat.postEphemeral")[before:], what="the answer")
    form = json.dumps({k: v for k, v in view.items() if k not in ("private_metadata", "id")})
    return form, json.dumps(answer[0].params.get("text")).replace(target, "TARGET")


@pytest.mark.parametrize(
    ("user", "told"),
    [("UADMIN01", True), ("UMENTOR01", True), ("UMENTOR02", False)],
)
def test_enrolling_an_enrolled_mentee_says_so_only_to_those_who_may_know(
    bot: BotProcess, fake: FakeSlack, db: Database, user: str, told: bool
) -> None:
    """Maya is enrolled (mentored by UMENTOR01). An admin or her mentor is told at once, with
    her profile a click away; another mentor sees the form and then an answer that read the
    same as for someone new, and nothing of Maya's changes."""
    if told:
        reply = bot.command("enroll <@UMENTEE01>", user)
        text = shown(reply.text())
        assert "<@UMENTEE01> is already enrolled" in text
        assert Action.OPEN_PROFILE in text
        assert "opened_view" not in reply.responses[0]
        return
    new = f"UNEW{user[-2:]}X"
    fake.add_user(new, "Not Yet Enrolled")
    enrolled, unknown = (
        _enrol_answer(bot, fake, user, "UMENTEE01"),
        _enrol_answer(bot, fake, user, new),
    )
    assert enrolled == unknown
    assert "an admin can assign you" in unknown[1]
    with db.read_only() as session:
        names = dict(session.execute(select(Person.slack_user_id, Person.display_name)).all())
    assert names["UMENTEE01"] == "Maya Rahman"  # the form's answers went nowhere
    assert names[new] == "Entered Name"  # the new person is enrolled, by this mentor
    assert "Entered Name" in bot.command(f"profile <@{new}>", user).text()
    assert DENIED in shown(bot.command("profile <@UMENTEE01>", user).text())


@pytest.mark.parametrize("user", ["UMENTEE02", "USTRANGER"])
def test_enrolling_reads_the_same_for_mentees_and_strangers(bot: BotProcess, user: str) -> None:
    enrolled = shown(bot.command("enroll <@UMENTEE01>", user).text())
    unknown = shown(bot.command("enroll <@UNOBODY88>", user).text())
    assert "Only admins and mentors can enrol mentees" in enrolled
    assert enrolled.replace("UMENTEE01", "X") == unknown.replace("UNOBODY88", "X")
