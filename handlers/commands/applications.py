"""`log STATUS [@mentee] "Programme" [YYYY-MM-DD] [--correction]`, its "which programme?"
buttons, and `applications [@mentee] [page]`: the season's statuses in a form."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.access import Actor
from bot.applications.dto import StatusChange
from bot.applications.logbook import log_status, status_form, update_from_form
from bot.applications.service import update_statuses
from bot.applications.vocab import ApplicationStatus
from bot.errors import DomainError, InvalidInput
from handlers.blocks.applications import (
    STATUSES_FORM,
    application_block,
    nothing_changed,
    picked,
    refusal_modal,
    status_logged,
    statuses_modal,
    statuses_saved,
)
from handlers.blocks.kit import clip
from handlers.blocks.modals import FormErrors, loading_modal, parse_form
from handlers.commands.parse import Command
from handlers.ids import INPUT
from handlers.payloads import StatusesForm, StatusPick, load_state
from handlers.runtime import Call, Deps


def log_status_command(call: Call, cmd: Command) -> None:
    assert cmd.status is not None
    assert cmd.title is not None
    mentee_id = call.target(cmd.mentee)
    with call.deps.db.unit_of_work() as session:
        logged = log_status(
            session,
            actor=call.actor,
            slack_user_id=mentee_id,
            text=cmd.title,
            to=cmd.status,
            on=cmd.day,
            correction=cmd.correction,
        )
    call.reply(
        status_logged(
            logged,
            mentee_id=mentee_id,
            typed=cmd.title,
            to=cmd.status,
            correction=cmd.correction,
        )
    )


def status_picked(call: Call, value: str) -> None:
    """A "which programme?" button: the change asked for, on the application picked. The value
    is not trusted: the service checks access, the list and the step as for any change."""
    pick = load_state(StatusPick, value)
    change = StatusChange(
        application_id=pick.application, to=pick.to, on=pick.on, correction=pick.correction
    )
    with call.deps.db.unit_of_work() as session:
        updated = update_statuses(
            session,
            actor=call.actor,
            slack_user_id=pick.mentee,
            season=pick.season,
            changes=[change],
        )
    call.reply(picked(updated, pick.mentee))


def applications_command(call: Call, cmd: Command) -> None:
    open_statuses(call, call.target(cmd.mentee), page=cmd.number or 1)


def open_statuses(call: Call, mentee_id: str, *, page: int = 1) -> None:
    """Open a loading modal at once (the trigger lasts 3 s), then fill it in."""
    view_id = call.open_modal(loading_modal("Applications"))
    try:
        with call.deps.db.unit_of_work() as session:
            form = status_form(session, actor=call.actor, slack_user_id=mentee_id)
    except DomainError as exc:  # said where the person is looking: in the modal
        call.client.views_update(view_id=view_id, view=refusal_modal(str(exc)))
        return
    view = statuses_modal(
        form,
        mentee_id=mentee_id,
        page=page,
        may_correct=call.actor.slack_user_id != mentee_id,  # the service decides; this is a hint
        channel=call.channel_id,
    )
    call.client.views_update(view_id=view_id, view=view)


class Submitted(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    on: date
    correction: bool = False


def submit_statuses(deps: Deps, actor: Actor, metadata: str, values: dict[str, Any]) -> str:
    """The statuses form: the changed ones in one all-or-nothing call; refusals beside the
    application each is about."""
    form = load_state(StatusesForm, metadata)
    submitted = parse_form(STATUSES_FORM, Submitted, values)
    changes = _changes(form, values, submitted)
    if not changes:
        return nothing_changed(form.mentee)
    try:
        with deps.db.unit_of_work() as session:
            updated = update_from_form(
                session,
                actor=actor,
                slack_user_id=form.mentee,
                season=form.season,
                changes=changes,
            )
    except InvalidInput as exc:
        raise FormErrors(_errors(exc, changes, values)) from None
    return statuses_saved(updated, form.mentee)


def _changes(
    form: StatusesForm, values: dict[str, Any], submitted: Submitted
) -> list[StatusChange]:
    changes = []
    bad: dict[str, str] = {}
    for application, shown in form.statuses().items():
        block = application_block(application)
        picked_value = read_select(values, block)
        if picked_value is None or picked_value == shown.value:
            continue
        try:
            to = ApplicationStatus(picked_value)
        except ValueError:
            bad[block] = "Pick one of the statuses listed"
            continue
        changes.append(
            StatusChange(
                application_id=application,
                to=to,
                on=submitted.on,
                correction=submitted.correction,
            )
        )
    if bad:
        raise FormErrors(bad)
    return changes


def read_select(values: dict[str, Any], block: str) -> str | None:
    """The option chosen in one static_select, or None (a forged shape reads as none)."""
    state = values.get(block)
    element = state.get(INPUT) if isinstance(state, dict) else None
    option = element.get("selected_option") if isinstance(element, dict) else None
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _errors(
    exc: InvalidInput, changes: list[StatusChange], values: dict[str, Any]
) -> dict[str, str]:
    """Each refusal beside its application; one about none of them beside the first change."""
    first = application_block(changes[0].application_id)
    errors: dict[str, str] = {}
    for problem in exc.problems:
        where = application_block(int(problem.where)) if problem.where.isdigit() else first
        errors.setdefault(where if where in values else first, clip(problem.message, 150))
    return errors
