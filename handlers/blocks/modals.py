"""Modals: the profile form, one form per loggable item, check-in, settings, flag resolution."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.mentees.checkins import CheckInCreate
from bot.mentees.dto import ProfileFields
from bot.profile.schema import (
    CycleIn,
    ExamIn,
    LetterIn,
    PracticeScoreIn,
    ResearchIn,
    UsceIn,
)
from bot.vocab import (
    ApplicantType,
    CycleOutcome,
    EcfmgStatus,
    Exam,
    MenteeStatus,
    PassFail,
    Pathway,
    PracticeSource,
    ReminderKind,
    ResearchKind,
    Specialty,
    UsceKind,
    VisaNeed,
    label,
)
from handlers.blocks.forms import Field, Form, block_for, choices, read, render
from handlers.blocks.kit import Blocks, clip, plain, section
from handlers.ids import View
from handlers.payloads import ItemKind

EXAMS = choices(Exam)
YES = (("yes", "Yes"),)

PROFILE_FORM = Form(
    fields=(
        Field("name", "Name", "text", max_length=200),
        Field(
            "applicant_type",
            "Applicant type",
            "select",
            choices(ApplicantType),
        ),
        Field(
            "visa",
            "Visa needed",
            "select",
            choices(VisaNeed),
        ),
        Field("ecfmg", "ECFMG certification", "select", choices(EcfmgStatus)),
        Field("graduation_year", "Graduation year", "number", optional=True),
        Field(
            "targets", "Target pathways (first = primary)", "multi", choices(Pathway), optional=True
        ),
        Field(
            "flags",
            "Strengths",
            "checks",
            (
                ("mentor_advocate", "A US mentor will advocate for them"),
                ("distinctive_story", "A distinctive story (prior career, niche skills)"),
            ),
        ),
        Field(
            "checkpoint_cadence_days",
            "Check-in every (days)",
            "number",
            hint="30 to 365; 180 by default (STAG-CHECKPOINT)",
        ),
        Field("status", "Status", "select", choices(MenteeStatus)),
        Field("notes", "Notes", "long_text", optional=True, max_length=3000),
    ),
    fallback="name",
)

ITEM_FORMS: dict[str, tuple[Form, type[BaseModel], str]] = {
    "exam": (
        Form(
            fields=(
                Field("exam", "Exam", "select", EXAMS),
                Field("score", "Score", "number", optional=True, hint="Leave empty for pass/fail"),
                Field(
                    "result", "Result (pass/fail exams)", "select", choices(PassFail), optional=True
                ),
                Field("attempt", "Attempt", "number"),
                Field("taken_on", "Taken on", "date"),
            ),
            fallback="score",
        ),
        ExamIn,
        "Log an exam result",
    ),
    "practice": (
        Form(
            fields=(
                Field("exam", "Exam", "select", EXAMS),
                Field("score", "Practice score", "number"),
                Field("taken_on", "Taken on", "date"),
                Field(
                    "source",
                    "Source",
                    "select",
                    choices(PracticeSource),
                ),
            ),
            fallback="score",
        ),
        PracticeScoreIn,
        "Log a practice score",
    ),
    "usce": (
        Form(
            fields=(
                Field("kind", "Kind", "select", choices(UsceKind)),
                Field("specialty", "Specialty", "select", choices(Specialty)),
                Field("institution", "Institution", "text", optional=True, max_length=200),
                Field("flags", "Where", "checks", (("us", "In the US"),)),
                Field("start", "Start", "date"),
                Field("end", "End", "date", optional=True, hint="Leave empty while it is ongoing"),
            ),
            fallback="end",
        ),
        UsceIn,
        "Log clinical experience",
    ),
    "letter": (
        Form(
            fields=(
                Field("writer", "Writer", "text", max_length=200),
                Field("specialty", "Writer's specialty", "select", choices(Specialty)),
                Field(
                    "flags",
                    "Letter",
                    "checks",
                    (("us", "From US faculty"), ("strong", "The writer agreed to a strong letter")),
                ),
                Field("received_on", "Received on", "date"),
            ),
            fallback="writer",
        ),
        LetterIn,
        "Log a letter",
    ),
    "research": (
        Form(
            fields=(
                Field("kind", "Kind", "select", choices(ResearchKind)),
                Field("specialty", "Relevant to", "select", choices(Specialty)),
                Field("title", "Title", "text", max_length=500),
                Field("flags", "Authorship", "checks", (("first_author", "First author"),)),
                Field("date", "Date", "date"),
            ),
            fallback="title",
        ),
        ResearchIn,
        "Log research",
    ),
    "cycle": (
        Form(
            fields=(
                Field("season", "Season (Match year)", "number"),
                Field("submitted_on", "Submitted on", "date", optional=True),
                *(
                    Field(
                        f"app_{p.value}",
                        f"Applications: {label(p)}",
                        "number",
                        optional=True,
                    )
                    for p in (
                        Pathway.GENERAL_SURGERY,
                        Pathway.PRELIMINARY_SURGERY,
                        Pathway.INTEGRATED_PLASTICS,
                        Pathway.TRANSITIONAL_YEAR,
                    )
                ),
                Field("interviews", "Interviews", "number", optional=True),
                Field("outcome", "Outcome", "select", choices(CycleOutcome)),
            ),
            fallback="season",
            field_names={"applications": "app_general_surgery"},
        ),
        CycleIn,
        "Log an application cycle",
    ),
}

CHECKIN_FORM = Form(
    fields=(
        Field("notes", "Notes", "long_text", optional=True, max_length=3000),
        Field(
            "flags",
            "Wellbeing",
            "checks",
            (("wellbeing_asked", "I asked how they are doing, not only what they did"),),
        ),
    ),
    fallback="notes",
)

SETTINGS_FORM = Form(
    fields=(
        Field(
            "tz",
            "Time zone",
            "text",
            optional=True,
            placeholder="America/New_York",
            hint="Leave empty to use your Slack time zone",
        ),
        Field("quiet_start", "Quiet from", "time"),
        Field("quiet_end", "Quiet until", "time"),
        Field("flags", "Weekends", "checks", (("quiet_weekends", "No reminders at weekends"),)),
        Field("opt_outs", "Reminders I do not want", "multi", choices(ReminderKind), optional=True),
    ),
    fallback="tz",
)

RESOLVE_FORM = Form(
    fields=(Field("reason", "Why is it resolved?", "long_text", max_length=500),), fallback="reason"
)


def modal(
    title: str, callback_id: str, blocks: Blocks, metadata: str, submit: str | None = "Save"
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Cancel", 24),
        "blocks": blocks[:100],
    }
    if metadata:
        view["private_metadata"] = metadata
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def loading_modal(title: str) -> dict[str, Any]:
    return modal(title, View.LOADING, [section(":hourglass_flowing_sand: Loading…")], "", None)


def profile_modal(initial: dict[str, Any], metadata: str, *, enrolling: bool) -> dict[str, Any]:
    title = "Enrol a mentee" if enrolling else "Edit profile"
    return modal(title, View.PROFILE, render(PROFILE_FORM, initial), metadata)


def item_modal(kind: ItemKind, metadata: str) -> dict[str, Any]:
    form, _, title = ITEM_FORMS[kind]
    initial: dict[str, Any] = {
        "attempt": 1,
        "us": True,
        "exam": "step2ck",
        "source": "NBME",
        "outcome": "pending",
    }
    return modal(title[:24], View.ITEM, render(form, initial), metadata)


def checkin_modal(metadata: str) -> dict[str, Any]:
    return modal("Record a check-in", View.CHECKIN, render(CHECKIN_FORM), metadata)


def settings_modal(initial: dict[str, Any], metadata: str) -> dict[str, Any]:
    return modal("Your settings", View.SETTINGS, render(SETTINGS_FORM, initial), metadata)


def resolve_modal(metadata: str) -> dict[str, Any]:
    return modal("Resolve flag", View.FLAG_RESOLVE, render(RESOLVE_FORM), metadata, "Resolve")


class FormErrors(Exception):
    """Field errors to show beside their inputs (`response_action: errors`)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_form(form: Form, model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """Validate a submission into `model`, or raise `FormErrors` keyed by block_id."""
    data = read(form, values)
    apps = {k.removeprefix("app_"): data.pop(k) for k in list(data) if k.startswith("app_")}
    if apps:
        data["applications"] = apps
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            where = block_for(form, error["loc"])
            text = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                text = "Required"
            errors.setdefault(where, clip(text, 150))
        raise FormErrors(errors) from None


def item_model(kind: ItemKind) -> tuple[Form, type[BaseModel]]:
    form, model, _ = ITEM_FORMS[kind]
    return form, model


__all__ = ["CheckInCreate", "ProfileFields", "parse_form"]
