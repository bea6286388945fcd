"""Events: App Home (published idempotently on every visit) and profile changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import Actor, find_mentee
from bot.assessment.outlook import alert_line
from bot.dashboards.service import first_time, note_from_thread
from bot.errors import DomainError
from bot.flags.service import list_flags, own_flags
from bot.mentees.assessments import assess_mentee
from bot.mentees.milestones import list_milestones
from bot.mentees.service import get_mentee, list_mentees
from bot.people import refresh_from_slack
from handlers.blocks.home import HomeData, home_view
from handlers.runtime import Deps, actor_of

log = logging.getLogger("matchpath.slack")


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        actor = context.get("actor") or actor_of(deps, user)
        client.views_publish(
            user_id=user, view=home_view(home_data(deps, actor), today=actor.now.date())
        )

    @app.event("app_mention")
    def on_app_mention(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        thread = event.get("thread_ts")
        user = event.get("user")
        if not thread or not user or thread == event.get("ts"):
            return  # only replies in a thread can be notes
        actor = context.get("actor") or actor_of(deps, str(user))
        try:
            with deps.db.unit_of_work() as session:
                if not first_time(session, str(body.get("event_id") or event.get("ts")), actor.now):
                    return
                saved = note_from_thread(
                    session,
                    actor=actor,
                    channel=str(event["channel"]),
                    thread_ts=str(thread),
                    text=str(event.get("text", "")),
                )
        except DomainError as exc:
            log.info("note not saved: %s", exc)
            return
        if saved:
            try:
                client.reactions_add(
                    channel=event["channel"], timestamp=event["ts"], name="white_check_mark"
                )
            except SlackApiError as exc:  # the note is saved; the tick is a courtesy
                log.info("could not acknowledge the note: %s", exc.response.get("error"))

    @app.event("user_change")
    def on_user_change(event: dict[str, Any]) -> None:
        user = event.get("user") or {}
        if not isinstance(user, dict) or not user.get("id"):
            return
        with deps.db.unit_of_work() as session:
            refresh_from_slack(
                session,
                slack_user_id=str(user["id"]),
                tz=user.get("tz"),
                display_name=user.get("real_name"),
                now=deps.clock.now(),
            )


def home_data(deps: Deps, actor: Actor) -> HomeData:
    data: dict[str, Any] = {}
    with deps.db.unit_of_work() as session:
        if find_mentee(session, actor.slack_user_id) is not None:
            me = actor.slack_user_id
            data["own"] = get_mentee(session, actor=actor, slack_user_id=me)
            data["own_milestones"] = list_milestones(session, actor=actor, slack_user_id=me)
            data["own_flags"] = own_flags(session, actor=actor)
            # As the card and the reminders see it: with the season's real interview counts.
            outlook = assess_mentee(session, actor=actor, slack_user_id=me, ruleset=deps.ruleset)
            data["own_season"] = outlook.season
            data["own_alert"] = alert_line(outlook)
        if actor.is_admin or actor.person_id is not None:
            roster = list_mentees(session, actor=actor)
            data["roster"] = [m for m in roster if m.person.slack_user_id != actor.slack_user_id]
            if data["roster"]:
                data["roster_flags"] = list_flags(session, actor=actor)
    return HomeData(**data)
