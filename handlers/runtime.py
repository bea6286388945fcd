"""What every listener shares: dependencies, the actor, replies, and the error boundary."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.access import Actor, resolve_actor
from bot.assessment.ruleset import Ruleset
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.errors import DomainError
from bot.mentees.dto import PersonRef
from bot.mentees.service import mentee_choice
from bot.replay import Replayed
from handlers.blocks.lists import notice
from handlers.response_url import post_response

log = logging.getLogger("matchpath.slack")


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    clock: Clock
    ruleset: Ruleset


@dataclass(frozen=True)
class Call:
    """One request, as a subcommand or action handler needs it."""

    deps: Deps
    actor: Actor
    reply: Reply
    client: WebClient
    trigger_id: str | None = None
    channel_id: str | None = None

    def target(self, mentee: str | None) -> str:
        """The named mentee; without a name, the actor themself, or `MenteeNeeded` when the
        actor is a mentor or an admin who must say which of their mentees they mean."""
        if mentee:
            return mentee
        with self.deps.db.unit_of_work() as session:
            choice = mentee_choice(session, actor=self.actor)
        if choice.own is None:
            raise MenteeNeeded(choice.mentees)
        return choice.own

    def open_modal(self, view: dict[str, Any]) -> str:
        """Open a modal on the request's trigger; returns the view id for a later update."""
        response = self.client.views_open(trigger_id=self.trigger_id or "", view=view)
        return str(response["view"]["id"])


class MenteeNeeded(Exception):
    """The command is about one mentee and names none: ask which, offering these."""

    def __init__(self, mentees: list[PersonRef]) -> None:
        super().__init__("which mentee?")
        self.mentees = mentees


def actor_of(deps: Deps, user_id: str) -> Actor:
    with deps.db.read_only() as session:
        return resolve_actor(
            session,
            slack_user_id=user_id,
            admin_ids=deps.settings.admin_ids,
            now=deps.clock.now(),
        )


@dataclass
class Reply:
    """Where an answer goes: the response_url when Slack gave one, else the user's DM."""

    client: WebClient
    user_id: str
    response_url: str | None = None
    channel_id: str | None = None

    def __call__(self, payload: dict[str, Any]) -> None:
        if self.response_url:
            message = {**payload, "response_type": "ephemeral", "replace_original": False}
            post_response(self.response_url, message)
        elif self.channel_id and not self.channel_id.startswith("D"):
            self.client.chat_postEphemeral(channel=self.channel_id, user=self.user_id, **payload)
        else:
            self.client.chat_postMessage(channel=self.user_id, **payload)


def incident_id() -> str:
    return uuid.uuid4().hex[:8]


def apologise(reply: Reply, exc: BaseException, where: str) -> None:
    incident = incident_id()
    log.error(
        "unexpected error in %s (incident %s): %s",
        where,
        incident,
        type(exc).__name__,
        exc_info=exc,
        extra={"incident": incident},
    )
    try:
        reply(notice(f"Sorry, something went wrong on our side (incident {incident})."))
    except SlackApiError:
        log.warning("could not deliver the apology for incident %s", incident)


@contextmanager
def answering(reply: Reply, where: str) -> Iterator[None]:
    """The error boundary: a domain error becomes its message; anything else an apology with an
    incident id (the log keeps the detail, the user never sees a traceback)."""
    try:
        yield
    except Replayed:
        log.warning("refused a replayed request (after its ack)")  # its copy was served
    except DomainError as exc:
        reply(notice(str(exc)))
    except Exception as exc:
        apologise(reply, exc, where)


def user_of(body: dict[str, Any], context: BoltContext) -> str:
    user = context.user_id or (body.get("user") or {}).get("id") or body.get("user_id")
    if not user:
        raise ValueError("request without a user")
    return str(user)
