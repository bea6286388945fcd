"""`profile`, `enroll` and the profile modal they open."""

from __future__ import annotations

from typing import Any

from bot.access import Capability, mentee_for
from bot.mentees.dto import MenteeRead
from bot.mentees.enrolment import enrolment_check
from bot.mentees.service import get_mentee
from handlers.blocks.lists import already_enrolled
from handlers.blocks.modals import loading_modal, profile_modal
from handlers.blocks.profile import profile_card
from handlers.commands.parse import Command
from handlers.payloads import ProfileForm
from handlers.runtime import Call


def show_profile(call: Call, cmd: Command) -> None:
    with call.deps.db.unit_of_work() as session:
        mentee = get_mentee(session, actor=call.actor, slack_user_id=call.target(cmd.mentee))
    call.reply(profile_card(mentee, today=call.actor.now.date()))


def start_enrolment(call: Call, cmd: Command) -> None:
    """Check the actor may enrol, then open the profile form; nothing is written until it's
    submitted valid."""
    assert cmd.mentee is not None
    with call.deps.db.unit_of_work() as session:
        enrolled = enrolment_check(session, actor=call.actor, slack_user_id=cmd.mentee)
    if enrolled:
        call.reply(already_enrolled(cmd.mentee))
        return
    form = ProfileForm(
        mentee=cmd.mentee, enroll=True, mentors=list(cmd.others), channel=call.channel_id
    )
    initial = {
        "applicant_type": "non_us_img",
        "visa": "none",
        "ecfmg": "not_started",
        "checkpoint_cadence_days": 180,
        "status": "active",
    }
    call.open_modal(profile_modal(initial, form.dump(), enrolling=True))


def open_profile_editor(call: Call, mentee_id: str) -> None:
    """Open a loading modal at once (the trigger lasts 3 s), then fill it in."""
    view_id = call.open_modal(loading_modal("Edit profile"))
    with call.deps.db.unit_of_work() as session:
        mentee_for(session, call.actor, mentee_id, Capability.EDIT_PROFILE, "profile.form")
        mentee = get_mentee(session, actor=call.actor, slack_user_id=mentee_id)
    form = ProfileForm(mentee=mentee_id, channel=call.channel_id)
    call.client.views_update(
        view_id=view_id, view=profile_modal(profile_initial(mentee), form.dump(), enrolling=False)
    )


def profile_initial(mentee: MenteeRead) -> dict[str, Any]:
    p = mentee.profile
    return {
        "name": mentee.person.name,
        "applicant_type": p.applicant_type.value,
        "visa": p.visa.value,
        "ecfmg": p.ecfmg.value,
        "graduation_year": p.graduation_year,
        "targets": [t.value for t in p.targets],
        "mentor_advocate": p.mentor_advocate,
        "distinctive_story": p.distinctive_story,
        "checkpoint_cadence_days": mentee.checkpoint_cadence_days,
        "status": mentee.status.value,
        "notes": mentee.notes,
    }
