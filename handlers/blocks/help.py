"""The help message: every subcommand with a one-line example."""

from __future__ import annotations

from typing import Any

from handlers.blocks.kit import Blocks, context, escape, header, message, section
from handlers.ids import Sub

EXAMPLES: list[tuple[Sub, str, str]] = [
    (Sub.HELP, "help", "this list"),
    (Sub.ENROLL, "enroll @mentee [@mentor …]", "enrol a mentee and fill in their profile"),
    (Sub.ASSIGN, "assign @mentee @mentor", "admins: add a mentor (`unassign` removes one)"),
    (Sub.PROFILE, "profile [@mentee]", "the profile card, with an Edit button"),
    (Sub.ASSESS, "assess [@mentee]", "verdict per pathway, reasons, next steps, strategy"),
    (
        Sub.LOG,
        "log exam [@mentee] step2ck 236 2026-10-02",
        "log an exam, `log interviews [@mentee] 3` for the season's invitations so far, or "
        "`log research|letter|usce|practice|cycle` for a form",
    ),
    (
        Sub.LOG,
        'log invite [@mentee] "Programme name" [YYYY-MM-DD] [--correction]',
        "an application's new status: applied, invite(d), interviewed, ranked, matched, "
        "unmatched (or not-matched), withdrawn or declined; the programme found by its name "
        "among the season's list (you pick when several fit), the day today unless given; "
        "`--correction` (mentors) steps back or reopens one",
    ),
    (
        Sub.APPLICATIONS,
        "applications [@mentee] [page]",
        "the season's applications in a form: change any statuses, then save them at once",
    ),
    (
        Sub.MILESTONE,
        'milestone add [@mentee] "Book Step 3" 2027-01-15',
        "also `milestone done ID`, `milestone drop ID`, `milestone list [@mentee]`",
    ),
    (Sub.PLAN, "plan [@mentee]", "mentors: preview a dated plan, then save it as milestones"),
    (
        Sub.LIST,
        "list @mentee [track]",
        "mentors: the screened, tiered programme list; the whole list as CSV by DM, and a "
        "button to save it as the season's list",
    ),
    (
        Sub.REPORT,
        "report [season]",
        "mentors: your mentees' season (admins: everyone), a chart and CSV by DM",
    ),
    (Sub.CHECKIN, "checkin @mentee [notes]", "mentors: record a check-in (a form without notes)"),
    (Sub.FLAGS, "flags [@mentee]", "mentors: open flags, to snooze or resolve"),
    (Sub.SETTINGS, "settings", "your time zone, quiet hours and reminder choices"),
    (
        Sub.CALENDAR,
        "calendar [reset|off]",
        "your milestones and check-in due dates as a calendar link for your calendar app "
        "(`reset`: a new link, `off`: none)",
    ),
    (Sub.DASHBOARD, "dashboard [@mentor]", "mentors: the roster, most urgent first"),
    (Sub.EXPORT, "export @mentee", "admins: the mentee's data as a JSON file, by DM"),
    (Sub.FORGET, "forget @mentee", "admins: delete a mentee's data for good (asks first)"),
]


def help_message(problem: str | None = None, focus: Sub | None = None) -> dict[str, Any]:
    blocks: Blocks = [header("MatchPath commands")]
    if problem:
        blocks.append(section(f":warning: {escape(problem)}"))
    rows = [e for e in EXAMPLES if focus is None or e[0] is focus] or EXAMPLES
    lines = [f"`/matchpath {usage}`\n{what}" for _, usage, what in rows]
    for start in range(0, len(lines), 7):
        blocks.append(section("\n".join(lines[start : start + 7])))
    if focus is not None:
        blocks.append(context("`/matchpath help` lists every command."))
    else:
        blocks.append(context("Replies are only visible to you unless you choose to share."))
    text = problem or "MatchPath commands: /matchpath help"
    return message(blocks, text)
