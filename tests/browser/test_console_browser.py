"""The console in a real browser: Debian's Chromium (never a downloaded one), headless, driven by
Playwright through the whole walkthrough, with a screenshot of each step in tests/artifacts/."""

from __future__ import annotations

import csv
import io
import os
import signal
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect, sync_playwright

from bot.assessment.ruleset import load_ruleset
from sandbox.client import ConsoleClient
from sandbox.process import SandboxProcess
from tests.test_sandbox_console import weekday_morning

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MENTOR = "UMENTOR02"  # Dr. Samuel Osei, mentor of Tariq Haddad
TARIQ = "UMENTEE02"
TARIQ_TZ = "Asia/Kolkata"
STEP_TIMEOUT_MS = 10_000
REMINDER_TIMEOUT_MS = 60_000  # the sandbox ticks every 5 s; generous for a loaded machine


@pytest.fixture
def chromium() -> Path:
    """The system's Chromium; without it the test is skipped, or fails when CI requires it."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
        if os.environ.get("MATCHPATH_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; MATCHPATH_REQUIRE_BROWSER=1 requires it", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path / "sandbox").start()
    try:
        yield process
    finally:
        process.kill()


@pytest.fixture
def browser(chromium: Path, tmp_path: Path) -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data dir for every run
            executable_path=str(chromium),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 860},
            offline=False,
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"))


def send(page: Page, text: str) -> None:
    composer = page.locator("#composer-input")
    composer.fill(text)
    composer.press("Enter")


def test_walkthrough_in_chromium(browser: BrowserContext, sandbox: SandboxProcess) -> None:
    page = browser.pages[0] if browser.pages else browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )

    # Pick a mentor.
    page.goto(sandbox.url)
    expect(page.locator(".me")).to_contain_text("Dr. Grace Whitfield")
    page.select_option("#who", MENTOR)
    expect(page.locator(".me")).to_contain_text("Dr. Samuel Osei")
    expect(page.locator(".pane-head h2")).to_contain_text("general")
    shot(page, "01-mentor")

    # /matchpath help: the ack, shown only to them.
    send(page, "/matchpath help")
    help_reply = page.locator("#timeline .item-ephemeral").last
    expect(help_reply).to_contain_text("MatchPath commands")
    expect(help_reply).to_contain_text("Only visible to you")
    shot(page, "02-help")

    # /matchpath assess @tariq: the assessment, rendered.
    send(page, "/matchpath assess @tariq")
    assessment = page.locator("#timeline article", has_text="Assessment: Tariq Haddad").last
    expect(assessment.locator("h3.b-header")).to_have_text("Assessment: Tariq Haddad")
    expect(assessment).to_contain_text("preliminary surgery")
    expect(assessment.locator("code", has_text="TREND-UP").first).to_be_visible()
    expect(assessment.locator(".b-context")).to_contain_text("ruleset")
    shot(page, "03-assessment")

    # Click a button: a real block_actions; the profile card comes back.
    assessment.get_by_role("button", name="Open profile").click()
    profile = page.locator("#timeline article", has_text="Profile: Tariq Haddad").last
    expect(profile.locator(".b-fields").first).to_contain_text("Visa")
    shot(page, "04-profile")

    # A modal: invalid value (the error beside its field, the modal stays), then valid.
    profile.get_by_role("button", name="Log exam").click()
    modal = page.locator("#modal-root form.modal")
    expect(modal.locator(".m-title")).to_have_text("Log an exam result")
    modal.locator("select[data-block-id='exam']").select_option("step3")
    modal.locator("input[data-block-id='score']").fill("400")
    modal.locator("input[data-block-id='attempt']").fill("1")
    taken = (date.today() - timedelta(days=10)).isoformat()
    modal.locator("input[data-block-id='taken_on']").fill(taken)
    modal.get_by_role("button", name="Save").click()
    error = modal.locator(".b-error[data-error-for='score']")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(modal.locator(".b-input[data-block-id='score']")).to_have_class("b-input has-error")
    shot(page, "05-modal-error")
    modal.locator("input[data-block-id='score']").fill("236")
    modal.get_by_role("button", name="Save").click()
    expect(page.locator("#modal-root form.modal")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("Logged for")
    shot(page, "06-modal-saved")

    # A milestone for Tariq due on a weekday morning; the clock is set so that "+1 week" lands
    # on it (reminders go out from 09:00 local and wait out weekends).
    client = ConsoleClient(sandbox.url)
    now = datetime.fromisoformat(client.state(MENTOR, "C0GENERAL", peek=True)["clock"]["now"])
    due = weekday_morning(now + timedelta(days=7), TARIQ_TZ)
    title = "Confirm the J-1 sponsoring programmes"
    send(page, f'/matchpath milestone add @tariq "{title}" {due.date()}')
    expect(page.locator("#timeline")).to_contain_text("Milestone #")
    early = (due - timedelta(days=7) - now).total_seconds()
    if early >= 1:
        assert client.advance(early)["ok"]

    # The clock: a week on; then the reminder of the day arrives as Tariq's DM, without a reload.
    label = page.locator("#clock-label").inner_text()
    page.get_by_role("button", name="+1 week").click()
    expect(page.locator("#clock-label")).not_to_have_text(label)
    shot(page, "07-week-later")
    page.select_option("#who", TARIQ)
    dm = page.locator("#sidebar a.conv[data-key='dm']")
    expect(dm.locator(".badge")).to_be_visible(timeout=REMINDER_TIMEOUT_MS)
    dm.click()
    reminder = page.locator("#timeline article.item-message", has_text=title).last
    expect(reminder).to_contain_text("is due today", timeout=REMINDER_TIMEOUT_MS)
    shot(page, "08-reminder-dm")

    assert not problems, problems
    assert sandbox.stop(signal.SIGINT) == 0


def test_a_buttons_confirm_dialog_is_honoured(
    browser: BrowserContext, sandbox: SandboxProcess
) -> None:
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.goto(f"{sandbox.url}?as=UADMIN01&c=C0GENERAL")
    send(page, "/matchpath forget @daniel")
    delete = page.get_by_role("button", name="Delete for good…")
    asked: list[str] = []

    def cancel(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    # Cancel: nothing is sent, nothing changes.
    page.once("dialog", cancel)
    delete.click()
    expect(page.locator("#timeline article")).to_have_count(2)  # the command and its reply
    assert asked
    assert "Forget this mentee?" in asked[0]
    assert "Daniel Okafor" in asked[0]  # the dialog's mrkdwn, as words
    page.wait_for_timeout(500)
    expect(page.locator("#timeline article")).to_have_count(2)

    # OK: the click goes to the bot, which deletes and says so.
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(page.locator("#timeline")).to_contain_text("is deleted")
    shot(page, "09-confirmed")
    assert sandbox.stop(signal.SIGTERM) == 0


def test_blocked_routes_and_the_season_in_chromium(
    browser: BrowserContext, sandbox: SandboxProcess
) -> None:
    """The review's live-season shapes as a mentor sees them: Omar's blocked routes said first,
    with what unblocks them; Tariq's season and its next step; invitations logged from Slack."""
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.goto(f"{sandbox.url}?as={MENTOR}&c=C0GENERAL")
    send(page, "/matchpath assess @omar")
    omar = page.locator("#timeline article", has_text="Assessment: Omar Farouk").last
    expect(omar).to_contain_text("Every Match route is blocked")
    expect(omar).to_contain_text("What unblocks it")
    expect(omar.locator("code", has_text="VISA-J1-FLEX").first).to_be_visible()
    expect(omar).to_contain_text("no applications until a Match route opens")
    shot(page, "20-blocked")
    send(page, "/matchpath assess @tariq")
    tariq = page.locator("#timeline article", has_text="Assessment: Tariq Haddad").last
    expect(tariq).to_contain_text("Profile at a glance")
    expect(tariq.locator("code", has_text="CYCLE-PHASES").first).to_be_visible()
    expect(tariq).to_contain_text("Season ")
    shot(page, "21-season")
    send(page, "/matchpath log interviews @tariq 2")
    # The demo gives Tariq a cycle whenever a season is under way (sandbox/demo.py).
    calendar = load_ruleset().seasons
    today = date.today()
    season = calendar.live(today)
    running = calendar.dates(season).submission_opens <= today <= calendar.match_day(season)
    said = "2 interview invitations for the" if running else "cycle is on record"
    expect(page.locator("#timeline")).to_contain_text(said)
    shot(page, "22-interviews")


def test_a_programme_list_and_a_season_in_chromium(
    browser: BrowserContext, sandbox: SandboxProcess
) -> None:
    """The newcomer's try of the list: the synthetic programmes are loaded and Maya's season is
    under way (sandbox/demo_season.py), so her list answers with tiers and reasons, its CSV
    reaches the mentor's DM, and her profile shows the funnel."""
    page = browser.pages[0] if browser.pages else browser.new_page()
    calendar, today = load_ruleset().seasons, date.today()
    live = calendar.live(today)
    running = calendar.dates(live).submission_opens <= today <= calendar.match_day(live)
    season = live if running else calendar.target(today)  # as the demo seeds it
    page.goto(f"{sandbox.url}?as=UMENTOR01&c=C0GENERAL")
    send(page, "/matchpath list @maya")
    listed = page.locator("#timeline article", has_text="Programme list: Maya Rahman").last
    expect(listed).to_contain_text("reach")
    expect(listed).to_contain_text("[APPLY-TIERS]")
    expect(listed.locator("button", has_text="Save as the season's list")).to_be_visible()
    expect(listed).to_contain_text("Synthetic")
    shot(page, "30-list")
    expect(listed).to_contain_text("Only visible to you")  # her scores never reach #general
    page.goto(f"{sandbox.url}?as=UMENTOR01&c=dm")
    attached = page.locator("#timeline .file").last
    expect(attached).to_contain_text("Programme list, 2027 season".replace("2027", str(season)))
    expect(attached).to_contain_text(".csv")
    chip = attached.locator("a")
    shot(page, "31-list-csv")
    with page.expect_download() as started:
        chip.click()
    rows = list(csv.DictReader(io.StringIO(Path(started.value.path()).read_text("utf-8-sig"))))
    assert {r["tier"] for r in rows} >= {"reach", "core", "safety"}, rows[:2]
    assert all(r["name"].startswith("Synthetic ") for r in rows)
    # Nobody else may fetch it: Maya herself asking for her mentor's copy is refused.
    href = str(chip.get_attribute("href"))
    assert page.request.get(sandbox.url + href.lstrip("/")).status == 200
    as_maya = sandbox.url + href.lstrip("/").replace("as=UMENTOR01", "as=UMENTEE01")
    assert page.request.get(as_maya).status == 404

    # An invitation logged inline: a name that fits several programmes asks which one.
    page.goto(f"{sandbox.url}?as=UMENTOR01&c=C0GENERAL")
    send(page, '/matchpath log invite @maya "Synthetic Regional"')
    picker = page.locator("#timeline article", has_text="Which programme?").last
    expect(picker).to_contain_text("Maya Rahman")
    shot(page, "32-log-picker")
    chosen = picker.locator(".b-section", has_text=", applied").first
    name = chosen.locator("strong, b").first.inner_text()
    chosen.get_by_role("button", name="This one").click()
    logged = page.locator("#timeline article", has_text="Logged for").last
    expect(logged).to_contain_text(f"Interview invitation from {name}")
    expect(logged).to_contain_text("The season so far")
    shot(page, "33-log-done")

    # The statuses form: one menu per application; a step back without saying it is a
    # correction is refused beside its field, and nothing is written.
    send(page, "/matchpath applications @maya")
    modal = page.locator("#modal-root form.modal")
    expect(modal.locator(".m-title")).to_have_text("Applications")
    expect(modal).to_contain_text(f"the {season} season")
    shot(page, "34-applications-modal")
    invited = modal.locator(".b-input", has_text=name).first
    invited.locator("select").select_option("interviewed")
    modal.get_by_role("button", name="Save").click()
    expect(page.locator("#modal-root form.modal")).to_have_count(0)
    saved = page.locator("#timeline article", has_text="Updated").last
    expect(saved).to_contain_text(f"Interviewed at {name}")
    shot(page, "35-applications-saved")

    # Her card in the mentors' channel shows the funnel and the thread has the new lines.
    page.goto(f"{sandbox.url}?as=UMENTOR01&c=C0MENTORS")
    card = page.locator("#timeline article").filter(
        has=page.locator("h3.b-header", has_text="Maya Rahman")
    )
    expect(card).to_have_count(1)
    # The card is updated within the dashboards' few seconds of coalescing.
    expect(card).to_contain_text("Interviewed 2", timeout=REMINDER_TIMEOUT_MS)
    expect(card).to_contain_text(f"Applications ({season} season")
    card.scroll_into_view_if_needed()
    shot(page, "36-card-funnel")
    card.locator("details.thread summary").click()
    expect(card.locator("details.thread")).to_contain_text(f"Interview invitation from {name}")
    shot(page, "37-card-thread")
