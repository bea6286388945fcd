"""What each reminder says, composed at send time from the current data.

Composing at send time is also the re-check: if the reason for a reminder has gone (milestone
done, check-in recorded, flag resolved, opted out, mentee paused) there is nothing to say, and
the delivery is cancelled instead of sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.applications.funnel import assessed_profiles
from bot.assessment.engine import assess
from bot.assessment.ruleset import Ruleset
from bot.assessment.wording import pathway_name
from bot.dashboards.roster import mentor_scope, roster_lines
from bot.models import (
    Delivery,
    Flag,
    Mentee,
    MentorAssignment,
    Milestone,
    Person,
    ReminderOptOut,
)
from bot.reminders.application_notices import compose_application
from bot.reminders.ports import Intent, Notice, NoticeButton
from bot.vocab import DeliveryKind, FlagState, MenteeStatus, MilestoneStatus, plural

K = DeliveryKind


def compose(
    session: Session, delivery: Delivery, recipient: Person, *, now: datetime, ruleset: Ruleset
) -> Notice | None:
    if session.scalar(
        select(ReminderOptOut.kind).where(
            ReminderOptOut.person_id == recipient.id, ReminderOptOut.kind == delivery.kind
        )
    ):
        return None
    if delivery.kind == K.MENTOR_DIGEST:
        return _digest(session, recipient, now=now, ruleset=ruleset)
    mentee = session.get(Mentee, delivery.mentee_id) if delivery.mentee_id else None
    if mentee is None or mentee.status is not MenteeStatus.ACTIVE:
        return None
    is_mentee = mentee.person_id == recipient.id
    match delivery.kind:
        case K.MILESTONE_DUE | K.MILESTONE_OVERDUE:
            return _milestone(session, delivery, mentee, is_mentee, now.date(), ruleset)
        case K.CHECKPOINT_DUE | K.CHECKPOINT_OVERDUE:
            return _checkpoint(session, delivery, mentee, is_mentee, ruleset)
        case K.SEASON:
            return _season(session, delivery, mentee, now.date(), ruleset)
        case K.FLAG_RAISED:
            return _flag(session, delivery, mentee, is_mentee, ruleset)
        case K.SUBMISSION_DAY | K.FEW_INTERVIEWS | K.RANK_DEADLINE | K.SOAP_READY:
            return compose_application(session, delivery, mentee, is_mentee, now.date(), ruleset)
    return None


def _who(mentee: Mentee, is_mentee: bool) -> str:
    return "you" if is_mentee else mentee.person.display_name


def _milestone(
    session: Session, d: Delivery, mentee: Mentee, is_mentee: bool, today: date, ruleset: Ruleset
) -> Notice | None:
    m = session.get(Milestone, d.subject_id) if d.subject_id else None
    if m is None or m.status is not MilestoneStatus.OPEN or m.due_version != d.version:
        return None
    days = (m.due_on - today).days
    when = (
        "due today"
        if days == 0
        else f"due in {plural(days, 'day')}"
        if days > 0
        else f"{plural(-days, 'day')} overdue"
    )
    owner = "Your milestone" if is_mentee else f"{mentee.person.display_name}'s milestone"
    why = (
        ruleset.rules.by_id(m.rule).text
        if m.rule
        else ("Milestones keep the plan moving between check-ins.")
    )
    slack_id = mentee.person.slack_user_id
    return Notice(
        kind=d.kind,
        title=f"{owner} is {when}",
        lines=[f"*{m.title}* (#{m.id}), due {m.due_on}"],
        why=why,
        rule=m.rule,
        buttons=[
            NoticeButton(label="Mark done", intent=Intent.MILESTONE_DONE, subject=m.id),
            NoticeButton(label="Snooze 1 week", intent=Intent.MILESTONE_SNOOZE, subject=m.id),
            NoticeButton(label="Open profile", intent=Intent.OPEN_PROFILE, mentee=slack_id),
        ],
    )


def _checkpoint(
    session: Session, d: Delivery, mentee: Mentee, is_mentee: bool, ruleset: Ruleset
) -> Notice | None:
    if mentee.checkpoint_due_on != d.anchor_date:
        return None  # a check-in (or a new cadence) moved the date since this was planned
    due = d.anchor_date
    rule = ruleset.rules.stag_checkpoint
    slack_id = mentee.person.slack_user_id
    if d.kind == K.CHECKPOINT_DUE:
        title = (
            f"Your mentor check-in is due on {due}"
            if is_mentee
            else f"Check-in with {mentee.person.display_name} is due on {due}"
        )
    else:
        title = f"Check-in with {mentee.person.display_name} is overdue (due {due})"
    lines = ["Ask: given the updated CV, which routes are realistic now?"]
    buttons = [NoticeButton(label="Open profile", intent=Intent.OPEN_PROFILE, mentee=slack_id)]
    if not is_mentee:
        lines.append("And ask how they are doing, not only what they have done (WELLBEING).")
        buttons.insert(
            0, NoticeButton(label="Record check-in", intent=Intent.RECORD_CHECKIN, mentee=slack_id)
        )
    return Notice(
        kind=d.kind,
        title=title,
        lines=lines,
        why=rule.text,
        rule="STAG-CHECKPOINT",
        buttons=buttons,
    )


def _season(
    session: Session, d: Delivery, mentee: Mentee, today: date, ruleset: Ruleset
) -> Notice | None:
    if not mentee.targets:
        return None
    event = d.event or ""
    labels = {
        "eras_opens": "ERAS opens",
        "submission_opens": "Applications can be submitted",
        "review_opens": "Programmes start reviewing",
        "rank_deadline": "Rank lists are due",
        "match_week": "Match Week starts",
    }
    profile = assessed_profiles(session, [mentee])[mentee.id]
    result = assess(profile, ruleset=ruleset, as_of=today)
    primary = result.pathway(result.strategy.primary)
    blocked = result.strategy.blocked
    if blocked is not None:
        head = [f"Every Match route is blocked: {n.text} ({n.rule})" for n in blocked.why]
        todo = [f"{n.text} ({n.rule})" for n in blocked.remedies]
    else:
        head = [
            f"Your primary target: *{pathway_name(primary.pathway)}* "
            f"({primary.verdict.value.replace('_', ' ')})"
        ]
        todo = [f"{s.text} ({s.rule})" for s in result.season.steps[:1]]
        todo += [f"{s.text} ({s.rule})" for s in primary.next_steps[:3]]
    todo += [f"{f.text} ({f.rule})" for f in result.red_flags[:2]]
    return Notice(
        kind=d.kind,
        title=f"{labels.get(event, event)}: {d.anchor_date} ({d.version} season)",
        lines=head
        + (["Still to do:"] + [f"• {g}" for g in todo] if todo else ["Nothing outstanding."]),
        why=ruleset.rules.apply_early.text,
        rule="APPLY-EARLY",
        buttons=[
            NoticeButton(label="Assess", intent=Intent.ASSESS, mentee=mentee.person.slack_user_id)
        ],
    )


def _flag(
    session: Session, d: Delivery, mentee: Mentee, is_mentee: bool, ruleset: Ruleset
) -> Notice | None:
    flag = session.get(Flag, d.subject_id) if d.subject_id else None
    if flag is None or flag.state is not FlagState.OPEN:
        return None
    try:
        why = ruleset.rules.by_id(flag.rule).text
    except KeyError:
        why = "A pattern that tends to cost a cycle."
    slack_id = mentee.person.slack_user_id
    if is_mentee:
        return Notice(
            kind=d.kind,
            title="Something to talk over with your mentor",
            lines=[flag.detail],
            why=why,
            rule=flag.rule,
            buttons=[
                NoticeButton(label="Open profile", intent=Intent.OPEN_PROFILE, mentee=slack_id)
            ],
        )
    return Notice(
        kind=d.kind,
        title=f"Flag on {mentee.person.display_name}: {flag.rule}",
        lines=[flag.detail],
        why=why,
        rule=flag.rule,
        buttons=[
            NoticeButton(label="Snooze 1 week", intent=Intent.FLAG_SNOOZE, subject=flag.id),
            NoticeButton(label="Open profile", intent=Intent.OPEN_PROFILE, mentee=slack_id),
        ],
    )


def _digest(session: Session, mentor: Person, *, now: datetime, ruleset: Ruleset) -> Notice | None:
    today = now.date()
    soon = today + timedelta(days=ruleset.reminders.lead_days)
    mentees = select(MentorAssignment.mentee_id).where(
        MentorAssignment.mentor_id == mentor.id, MentorAssignment.until.is_(None)
    )
    milestones = session.execute(
        select(Person.display_name, Milestone.title, Milestone.due_on)
        .join(Mentee, Mentee.id == Milestone.mentee_id)
        .join(Person, Person.id == Mentee.person_id)
        .where(
            Milestone.mentee_id.in_(mentees),
            Milestone.status == MilestoneStatus.OPEN,
            Milestone.due_on <= soon,
            Mentee.status == MenteeStatus.ACTIVE,
        )
        .order_by(Milestone.due_on)
    ).all()
    flags = session.execute(
        select(Person.display_name, Flag.rule)
        .join(Mentee, Mentee.id == Flag.mentee_id)
        .join(Person, Person.id == Mentee.person_id)
        .where(Flag.mentee_id.in_(mentees), Flag.state == FlagState.OPEN)
        .order_by(Person.display_name)
    ).all()
    late = sorted(
        line.name
        for line in roster_lines(session, mentor_scope(mentor.id), now).values()
        if line.overdue_checkin
    )
    if not milestones and not flags and not late:
        return None
    lines = [
        f"• {name}: {title}, {'overdue since' if due < today else 'due'} {due}"
        for name, title, due in milestones[:15]
    ]
    lines += [f"• {name}: open flag {rule}" for name, rule in flags[:15]]
    lines += [f"• {name}: check-in overdue (STAG-CHECKPOINT)" for name in late[:15]]
    return Notice(
        kind=K.MENTOR_DIGEST,
        title=f"Your mentees this week ({today})",
        lines=lines,
        why="One message instead of many: what is due, overdue or flagged.",
        rule=None,
    )
