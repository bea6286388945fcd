"""The profile card: who the mentee is and what is on record, with an Edit button."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.mentees.dto import MenteeRead
from bot.profile.schema import ExamIn
from bot.vocab import Exam, Specialty, UsceKind, label
from handlers.blocks.funnel import funnel_section
from handlers.blocks.kit import (
    actions,
    button,
    context,
    escape,
    fields,
    header,
    message,
    section,
)
from handlers.ids import Action
from handlers.payloads import ItemForm, MenteeRef


def exam_line(exams: list[ExamIn], exam: Exam) -> str:
    sat = [e for e in exams if e.exam is exam]
    if not sat:
        return "—"
    return ", ".join(f"{e.result_text()} (attempt {e.attempt})" for e in sat)


def profile_card(mentee: MenteeRead, *, today: date) -> dict[str, Any]:
    p = mentee.profile
    us_weeks = sum(
        u.weeks(today) for u in p.usce if u.us and u.kind is not UsceKind.RESEARCH_FELLOWSHIP
    )
    plastics = sum(1 for r in p.research if r.specialty is Specialty.PLASTIC_SURGERY)
    strong_us = sum(1 for x in p.letters if x.us and x.strong)
    ref = MenteeRef(mentee=mentee.person.slack_user_id).dump()
    blocks = [
        header(f"Profile: {mentee.person.name}"),
        fields(
            [
                ("Applicant", label(p.applicant_type)),
                ("Visa", label(p.visa)),
                ("ECFMG", label(p.ecfmg)),
                ("Graduation", str(p.graduation_year or "—")),
                ("Targets", ", ".join(label(t) for t in p.targets) or "—"),
                ("Status", label(mentee.status)),
            ]
        ),
        fields(
            [(label(e), exam_line(p.exams, e)) for e in Exam]
            + [
                (
                    "Planned",
                    ", ".join(f"{label(x.exam)} {x.planned_on}" for x in p.planned_exams) or "—",
                )
            ]
        ),
        fields(
            [
                ("Research", f"{len(p.research)} ({plastics} plastics)"),
                ("Letters", f"{len(p.letters)} ({strong_us} strong, US)"),
                ("US clinical weeks", str(us_weeks)),
                ("Cycles", ", ".join(f"{c.season}: {label(c.outcome)}" for c in p.cycles) or "—"),
                ("Mentors", ", ".join(f"<@{m.slack_user_id}>" for m in mentee.mentors) or "—"),
                (
                    "Last check-in",
                    mentee.last_check_in.date().isoformat() if mentee.last_check_in else "never",
                ),
            ]
        ),
    ]
    if mentee.applications:
        blocks.append(funnel_section(mentee.applications))
    if mentee.notes:
        blocks.append(section(f"*Notes*\n{escape(mentee.notes)}"))
    blocks.append(
        actions(
            button("Edit profile", Action.EDIT_PROFILE, ref, style="primary"),
            button("Assess", Action.ASSESS, ref),
            button(
                "Log exam",
                Action.LOG_ITEM,
                ItemForm(mentee=mentee.person.slack_user_id, kind="exam").dump(),
            ),
            button(
                "Log letter",
                Action.LOG_ITEM,
                ItemForm(mentee=mentee.person.slack_user_id, kind="letter").dump(),
            ),
            button(
                "Log research",
                Action.LOG_ITEM,
                ItemForm(mentee=mentee.person.slack_user_id, kind="research").dump(),
            ),
        )
    )
    blocks.append(context(f"Cadence: check-in every {mentee.checkpoint_cadence_days} days"))
    return message(blocks, f"Profile of {mentee.person.name}")
