"""`list @mentee [track]`, its save button, and `report [season]`.

Files about mentees go to the asker's DM only, never to the channel the command was typed in."""

from __future__ import annotations

from bot.applications.chart import render_chart
from bot.applications.report import cohort_report, report_csv
from bot.applications.season_list import list_for_mentee, save_shown_list
from bot.programmes.list_text import list_csv
from handlers.blocks.applications import list_saved
from handlers.blocks.programmes import (
    list_file_comment,
    list_message,
    report_message,
    report_summary,
    saved_notice,
)
from handlers.commands.parse import Command
from handlers.payloads import ListRef, load_state
from handlers.runtime import Call


def list_command(call: Call, cmd: Command) -> None:
    assert cmd.mentee is not None
    with call.deps.db.unit_of_work() as session:
        result = list_for_mentee(
            session,
            actor=call.actor,
            slack_user_id=cmd.mentee,
            ruleset=call.deps.ruleset,
            track=cmd.track,
        )
    if result.blocked:
        call.reply(list_message(result, mentee_id=cmd.mentee, save_value=None))
        return
    call.client.files_upload_v2(
        channel=_dm(call),
        content=list_csv(result),
        filename=f"matchpath-list-{cmd.mentee}-{result.season}.csv",
        title=f"Programme list, {result.season} season",
        initial_comment=list_file_comment(result, cmd.mentee),
    )
    ref = ListRef(
        mentee=cmd.mentee, version=result.dataset.version, as_of=result.as_of, track=cmd.track
    )
    call.reply(list_message(result, mentee_id=cmd.mentee, save_value=ref.dump()))


def save_list_clicked(call: Call, value: str) -> None:
    ref = load_state(ListRef, value)
    with call.deps.db.unit_of_work() as session:
        saved = save_shown_list(
            session,
            actor=call.actor,
            slack_user_id=ref.mentee,
            ruleset=call.deps.ruleset,
            version=ref.version,
            as_of=ref.as_of,
            track=ref.track,
        )
    call.reply(list_saved(saved_notice(saved, ref.mentee), ref.mentee))


def report_command(call: Call, cmd: Command) -> None:
    season = cmd.number or call.deps.ruleset.seasons.live(call.actor.now.date())
    with call.deps.db.unit_of_work() as session:
        report = cohort_report(session, actor=call.actor, season=season)
    call.client.files_upload_v2(
        channel=_dm(call),
        file_uploads=[
            {
                "content": render_chart(report),
                "filename": f"matchpath-report-{season}.png",
                "title": f"Cohort report, {season} season",
                "alt_txt": f"Bar charts of the {season} season: applications per funnel stage, "
                "mentees per outcome",
            },
            {
                "content": report_csv(report),
                "filename": f"matchpath-report-{season}.csv",
                "title": f"Cohort report numbers, {season} season",
            },
        ],
        initial_comment=report_summary(report),
    )
    call.reply(report_message(report))


def _dm(call: Call) -> str:
    return str(call.client.conversations_open(users=call.actor.slack_user_id)["channel"]["id"])
