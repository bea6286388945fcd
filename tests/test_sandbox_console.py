"""The sandbox end to end through the console's own HTTP/JSON API: `python -m sandbox` in a
temporary directory on free ports (fake Slack, the real bot, the console), driven as the page's
script drives it, then stopped with a signal."""

from __future__ import annotations

import html
import os
import signal
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.client import ConsoleClient, button, every_item, wait_for
from sandbox.process import SandboxProcess
from sandbox.records import JsonObject

pytestmark = pytest.mark.e2e

GENERAL = "C0GENERAL"
MENTORS = "C0MENTORS"
MAYA = "UMENTEE01"
MAYA_TZ = "America/Chicago"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path / "sandbox").start()
    try:
        yield process
    finally:
        process.kill()


def texts(state: JsonObject) -> str:
    return "\n".join(str(item["text"]) for item in every_item(state))


def showing(
    client: ConsoleClient, who: str, conversation: str, needle: str, *, peek: bool = False
) -> JsonObject:
    """The state once the conversation shows `needle` (in an item's text or its HTML)."""

    def check() -> JsonObject | None:
        state = client.state(who, conversation, peek=peek)
        return state if needle in texts(state) or needle in state["timeline_html"] else None

    return wait_for(check, timeout=60, what=repr(needle))


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_walkthrough_from_help_to_a_saved_form_then_time_moves(sandbox: SandboxProcess) -> None:
    client = ConsoleClient(sandbox.url)
    status = client.status()
    bot_pid = status["bot"]["pid"]
    assert status["bot"]["alive"]

    # Pick a mentor: the page is rendered as her.
    mentor = next(p for p in client.people() if p["role"] == "mentor")
    code, page = client.page(mentor["id"], GENERAL)
    assert code == 200
    assert html.escape(mentor["name"]) in page
    assert 'data-as="UMENTOR01"' in page

    # /matchpath help: the ack comes back in the HTTP response, shown only to her.
    assert client.command(mentor["id"], GENERAL, "/matchpath help")["ok"]
    state = client.state(mentor["id"], GENERAL)
    assert [i["kind"] for i in state["items"]] == ["command", "ephemeral"]
    assert "MatchPath commands" in state["timeline_html"]
    assert "Only visible to you" in state["timeline_html"]

    # /matchpath assess @maya: the bot answers later, through the response_url.
    assert client.command(mentor["id"], GENERAL, "/matchpath assess @maya")["ok"]
    state = showing(client, mentor["id"], GENERAL, "Assessment: Maya Rahman")
    shown = state["timeline_html"]
    assert "Assessment: Maya Rahman" in shown
    for pathway in ("integrated plastics", "general surgery", "preliminary surgery"):
        assert pathway in shown
    assert "<code>S2-" in shown  # rule ids, rendered as code
    assert "<strong>" in shown  # mrkdwn became HTML

    # Click a button on the assessment: a real block_actions, answered with the profile card.
    assert client.click(mentor["id"], GENERAL, button(state, "Open profile"))["ok"]
    state = showing(client, mentor["id"], GENERAL, "Profile: Maya Rahman")
    assert "Profile: Maya Rahman" in state["timeline_html"]

    # A button that opens a modal; it renders as a form with the right inputs.
    assert client.click(mentor["id"], GENERAL, button(state, "Log exam"))["ok"]
    state = wait_for(
        lambda: s if (s := client.state(mentor["id"], GENERAL))["modal"] else None,
        what="the modal",
    )
    modal = state["modal"]
    assert modal["title"] == "Log an exam result"
    kinds = {i["block_id"]: i["type"] for i in modal["inputs"]}
    assert kinds == {
        "exam": "static_select",
        "score": "number_input",
        "result": "static_select",
        "attempt": "number_input",
        "taken_on": "datepicker",
    }
    assert 'type="date"' in modal["html"]

    day = (datetime.fromisoformat(state["clock"]["now"]) - timedelta(days=10)).date().isoformat()
    fields = {
        "exam": {"value": ["step3"]},
        "score": {"value": ["400"]},
        "attempt": {"value": ["1"]},
        "taken_on": {"value": [day]},
    }
    # Invalid: the bot answers response_action=errors; the modal stays, the error by its field.
    refused = client.submit(mentor["id"], modal["view_id"], fields)
    assert refused["ok"]
    assert refused["closed"] is False
    assert set(refused["errors"]) == {"score"}
    state = client.state(mentor["id"], GENERAL)
    assert state["modal"]["view_id"] == modal["view_id"]
    assert html.escape(refused["errors"]["score"]) in state["modal"]["html"]

    # A required field left empty never reaches the bot (Slack checks it in the client).
    empty = client.submit(mentor["id"], modal["view_id"], {**fields, "attempt": {"value": [""]}})
    assert empty["errors"] == {"attempt": "Please complete this required field."}

    # Valid: the modal closes and the bot's confirmation arrives.
    saved = client.submit(mentor["id"], modal["view_id"], {**fields, "score": {"value": ["236"]}})
    assert saved == {"ok": True, "message": "", "closed": True, "errors": {}, "http_status": 200}
    state = showing(client, mentor["id"], GENERAL, "Logged for")
    assert state["modal"] is None
    assert "Step 3" in texts(state) or "step3" in texts(state)

    # A milestone for Maya, due on a weekday at least a week away...
    before = datetime.fromisoformat(state["clock"]["now"])
    due = weekday_morning(before + timedelta(days=7), MAYA_TZ)
    title = "Send the revised personal statement"
    added = client.command(
        mentor["id"], GENERAL, f'/matchpath milestone add @maya "{title}" {due.date()}'
    )
    assert added["ok"]
    showing(client, mentor["id"], GENERAL, "Milestone #")

    # ...then the clock moves on to that morning, for the bot too (it reads the same clock file).
    seconds = (due - before).total_seconds()
    moved = client.advance(seconds)
    assert moved["ok"]
    after = datetime.fromisoformat(client.state(mentor["id"], GENERAL)["clock"]["now"])
    assert timedelta(seconds=seconds) <= after - before < timedelta(seconds=seconds, minutes=5)
    assert (sandbox.directory / "clock").read_text().strip() == f"{seconds:.3f}"

    # The reminder of the day arrives as a DM to Maya, unread until she looks.
    dm = showing(client, MAYA, "dm", title, peek=True)
    assert "is due today" in texts(dm), texts(dm)
    dms = reminder_dms(client)
    assert MAYA in dms
    for who in dms:  # unread until the person looks: the badge beside the DM
        assert wait_for(partial(unread_matches_dms, client, who), what=f"{who}'s badge")

    # Ctrl-C: everything stops, cleanly.
    assert sandbox.stop(signal.SIGINT) == 0
    assert "Stopping the sandbox" in sandbox.output()
    assert "Traceback" not in sandbox.output()
    assert not is_alive(bot_pid)
    assert "Traceback" not in (sandbox.directory / "bot.log").read_text()


def weekday_morning(after: datetime, zone: str) -> datetime:
    """The first 10:00 local time, Monday to Friday, at or after `after`: reminders go out from
    09:00 local and wait out weekends, so one due that day is certain to be sent by then."""
    local = ZoneInfo(zone)
    day = after.astimezone(local).date()
    while True:
        morning = datetime.combine(day, time(10), local)
        if morning >= after and morning.weekday() < 5:
            return morning
        day += timedelta(days=1)


def unread_matches_dms(client: ConsoleClient, who: str) -> bool:
    """The DM badge counts every DM still unread. The ticker may send another between the two
    reads, so the test asks again until both reads see the same DMs."""
    conversations = client.state(who, GENERAL, peek=True)["conversations"]
    unread = {c["key"]: c["unread"] for c in conversations}["dm"]
    return bool(unread == len(client.state(who, "dm", peek=True)["items"]) and unread > 0)


def reminder_dms(client: ConsoleClient) -> dict[str, list[str]]:
    """Each person's DMs from the bot (peeked: still unread)."""
    seen = {
        p["id"]: [i["text"] for i in client.state(p["id"], "dm", peek=True)["items"]]
        for p in client.people()
    }
    return {who: texts for who, texts in seen.items() if texts}


def test_console_stays_local_and_explains_refusals(sandbox: SandboxProcess) -> None:
    client = ConsoleClient(sandbox.url)

    # Another site cannot drive it: wrong Host (DNS rebinding), or a plain form post.
    assert client._raw("GET", "/api/people", None, {"Host": "evil.example:80"})[0] == 403
    status, text = client._raw(
        "POST", "/api/clock", b"seconds=60", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 415
    assert "Traceback" not in text

    # Readable refusals, never a traceback.
    unknown = client.state("UNOBODY", GENERAL)
    assert unknown["http_status"] == 400
    assert unknown["message"].startswith("Pick a demo person")
    assert client.state("UMENTEE01", MENTORS)["http_status"] == 403  # a private channel
    code, page = client.page("UMENTEE01", MENTORS)  # the page falls back to #general
    assert code == 200
    assert 'data-conversation="C0GENERAL"' in page
    not_slash = client.command("UMENTOR01", GENERAL, "hello")
    assert not not_slash["ok"]
    assert "slash commands only" in not_slash["message"]
    stale = client.click(
        "UMENTOR01", GENERAL, {"source": "m|C0GENERAL|1.0", "block": 0, "element": "0"}
    )
    assert stale["http_status"] == 409
    assert client._raw("GET", "/static/../web.py", None, {})[0] == 404
    assert client.advance(-60)["message"] == "time only moves forward in the sandbox"

    # Untrusted text is inert: a milestone titled with markup comes back as text.
    assert client.command(
        "UMENTEE01",
        GENERAL,
        '/matchpath milestone add "<script>alert(1)</script> <b>x</b>" 2027-06-01',
    )["ok"]
    client.command("UMENTEE01", GENERAL, "/matchpath milestone list")
    state = showing(client, "UMENTEE01", GENERAL, "alert(1)&lt;/script&gt; &lt;b&gt;")
    assert "<script" not in state["timeline_html"]
    assert "<b>" not in state["timeline_html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in state["timeline_html"]

    # App Home: opening it sends app_home_opened; the bot publishes the view it renders.
    assert client.open_home("UMENTOR02")["ok"]
    home = client.state("UMENTOR02", "home")
    assert home["home"] is not None
    assert "Your mentees" in home["timeline_html"]
    assert {b["text"] for b in home["home"]["buttons"]} >= {"Profile", "Assess"}

    # Someone else's Home is not clickable; one's own is, and the answer comes by DM (Slack
    # gives no response_url for App Home).
    assert client.click("UMENTOR01", "home", button(home, "Assess"))["http_status"] == 409
    clicked = client.click("UMENTOR02", "home", button(home, "Assess"))
    assert clicked["message"] == "MatchPath answered in your DM (MatchPath, on the left)."
    assert "Assessment:" in showing(client, "UMENTOR02", "dm", "Assessment:")["timeline_html"]

    # SIGTERM stops it as cleanly as Ctrl-C.
    assert sandbox.stop(signal.SIGTERM) == 0
