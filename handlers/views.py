"""Modal submissions: validate, write through one service call, or answer with field errors.

Nothing is written until the whole submission is valid: the form is validated first, then the
service validates again (duplicates, permissions) inside one transaction.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import Actor
from bot.errors import DomainError, InvalidInput
from bot.flags.service import Resolution, resolve_flag
from bot.mentees.checkins import CheckInCreate, record_check_in
from bot.mentees.dto import ProfileFields
from bot.mentees.enrolment import EnrolmentWithheld, enroll
from bot.mentees.items import log_item
from bot.mentees.service import update_profile
from bot.people import PersonSettings, update_settings
from bot.profile.schema import ProfileIn
from bot.replay import Replayed
from handlers.blocks.applications import STATUSES_FORM
from handlers.blocks.forms import Form
from handlers.blocks.lists import notice
from handlers.blocks.modals import (
    CHECKIN_FORM,
    PROFILE_FORM,
    RESOLVE_FORM,
    SETTINGS_FORM,
    FormErrors,
    item_model,
    parse_form,
)
from handlers.commands.applications import submit_statuses
from handlers.ids import View
from handlers.payloads import FlagRef, ItemForm, MenteeRef, Origin, ProfileForm, load_state
from handlers.runtime import Deps, Reply, actor_of, apologise

CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")

# A submission handler returns the confirmation to send once the modal has closed.
Submit = Callable[[Deps, Any, str, dict[str, Any]], str]

log = logging.getLogger("matchpath.slack")


def _profile(deps: Deps, actor: Any, metadata: str, values: dict[str, Any]) -> str:
    form = load_state(ProfileForm, metadata)
    fields = parse_form(PROFILE_FORM, ProfileFields, values)
    if form.enroll:
        return _enrol(deps, actor, form, fields)
    with deps.db.unit_of_work() as session:
        update_profile(session, actor=actor, slack_user_id=form.mentee, fields=fields)
    return f"Profile of <@{form.mentee}> saved."


def _enrol(deps: Deps, actor: Actor, form: ProfileForm, fields: ProfileFields) -> str:
    profile = ProfileIn.model_validate(
        {
            **fields.model_dump(include=set(ProfileIn.model_fields)),
            "name": fields.name or form.mentee,
        }
    )
    try:
        with deps.db.unit_of_work() as session:
            enroll(
                session,
                actor=actor,
                slack_user_id=form.mentee,
                profile=profile,
                mentor_ids=form.mentors,
                fields=fields,
            )
    except EnrolmentWithheld:
        pass  # enrolled already, and this mentor may not know it: answer as for anyone new
    if actor.is_admin:
        return f"<@{form.mentee}> is enrolled."
    return (
        f"<@{form.mentee}> is enrolled. If they were new to MatchPath, you are their mentor now; "
        "if they were enrolled already, what you entered was not saved, and an admin can "
        "assign you."
    )


def _item(deps: Deps, actor: Any, metadata: str, values: dict[str, Any]) -> str:
    form = load_state(ItemForm, metadata)
    spec, model = item_model(form.kind)
    item = parse_form(spec, model, values)
    with deps.db.unit_of_work() as session:
        logged = log_item(session, actor=actor, slack_user_id=form.mentee, item=item)  # type: ignore[arg-type]
    return f"Logged for <@{form.mentee}>: {logged.confirmation}."


def _checkin(deps: Deps, actor: Any, metadata: str, values: dict[str, Any]) -> str:
    ref = load_state(MenteeRef, metadata)
    check_in = parse_form(CHECKIN_FORM, CheckInCreate, values)
    with deps.db.unit_of_work() as session:
        record_check_in(session, actor=actor, slack_user_id=ref.mentee, check_in=check_in)
    return f"Check-in with <@{ref.mentee}> recorded."


def _settings(deps: Deps, actor: Any, metadata: str, values: dict[str, Any]) -> str:
    load_state(Origin, metadata)
    settings = parse_form(SETTINGS_FORM, PersonSettings, values)
    with deps.db.unit_of_work() as session:
        update_settings(session, actor=actor, settings=settings)
    return "Your settings are saved."


def _resolve(deps: Deps, actor: Any, metadata: str, values: dict[str, Any]) -> str:
    ref = load_state(FlagRef, metadata)
    resolution = parse_form(RESOLVE_FORM, Resolution, values)
    with deps.db.unit_of_work() as session:
        flag = resolve_flag(session, actor=actor, flag_id=ref.flag, resolution=resolution)
    return f"Flag `{flag.rule}` on {flag.mentee.name} resolved."


SUBMISSIONS: dict[View, tuple[Submit, Form]] = {
    View.PROFILE: (_profile, PROFILE_FORM),
    View.ITEM: (_item, PROFILE_FORM),  # errors land on the item form's own blocks
    View.CHECKIN: (_checkin, CHECKIN_FORM),
    View.SETTINGS: (_settings, SETTINGS_FORM),
    View.FLAG_RESOLVE: (_resolve, RESOLVE_FORM),
    View.APPLICATIONS: (submit_statuses, STATUSES_FORM),
}


def register(app: App, deps: Deps) -> None:
    for callback_id, (submit, form) in SUBMISSIONS.items():
        app.view(callback_id)(_listener(deps, callback_id, submit, form))


def _listener(deps: Deps, callback_id: str, submit: Submit, form: Form) -> Callable[..., None]:
    def on_submission(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        user = body["user"]["id"]
        metadata = view.get("private_metadata") or ""
        origin = _origin(metadata)
        reply = Reply(client=client, user_id=user, channel_id=origin)
        values = (view.get("state") or {}).get("values") or {}
        try:
            confirmation = submit(
                deps, context.get("actor") or actor_of(deps, user), metadata, values
            )
        except FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except InvalidInput as exc:
            ack(response_action="errors", errors=_errors_at(exc, form, values))
            return
        except Replayed:
            ack()
            log.warning("refused a replayed request (after its ack)")  # its copy was served
            return
        except DomainError as exc:
            ack()
            reply(notice(str(exc)))
            return
        except Exception as exc:
            ack()
            apologise(reply, exc, f"view {callback_id}")
            return
        ack()
        reply(notice(confirmation))

    on_submission.__name__ = f"handle_{callback_id.replace('.', '_')}_submission"
    return on_submission


def _origin(metadata: str) -> str | None:
    """The channel a form was opened from, if its metadata names a plausible one."""
    try:
        data = json.loads(metadata)
    except ValueError:
        return None
    channel = data.get("channel") if isinstance(data, dict) else None
    if isinstance(channel, str) and CHANNEL_ID.fullmatch(channel):
        return channel
    return None


def _errors_at(exc: InvalidInput, form: Form, values: dict[str, Any]) -> dict[str, str]:
    """Service refusals next to the input they concern (or the first one on the form)."""
    blocks = list(values) or [form.fallback]
    errors: dict[str, str] = {}
    for problem in exc.problems:
        where = problem.where if problem.where in values else blocks[0]
        errors.setdefault(where, problem.message[:150])
    return errors
