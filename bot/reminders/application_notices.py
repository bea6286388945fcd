"""What a season's application reminders say, composed at send time from the applications as
they stand then: a reminder no longer owed (the programmes were sent, the invitations came,
the rank list was certified, the date has passed) says nothing and is cancelled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.applications.models import Application
from bot.applications.vocab import ApplicationStatus
from bot.assessment.ruleset import Ruleset
from bot.models import Delivery, Mentee
from bot.programmes.vocab import Tier
from bot.reminders.application_standing import Standing, still_owed
from bot.reminders.ports import Intent, Notice, NoticeButton
from bot.vocab import EcfmgStatus, ReminderKind, plural

K = ReminderKind
S = ApplicationStatus
SHOWN = 8  # programmes named in a rank-list reminder; the rest are counted


def compose_application(
    session: Session,
    d: Delivery,
    mentee: Mentee,
    is_mentee: bool,
    today: date,
    ruleset: Ruleset,
) -> Notice | None:
    kind, season = ReminderKind(d.kind), d.version
    if season is None or not _in_time(kind, season, today, ruleset):
        return None
    standing = still_owed(session, kind=kind, mentee_id=mentee.id, season=season, ruleset=ruleset)
    if standing is None:
        return None
    match kind:
        case K.SUBMISSION_DAY:
            return _submission_day(session, d, mentee, season, standing, ruleset)
        case K.FEW_INTERVIEWS:
            return _few_interviews(d, mentee, season, standing, ruleset)
        case K.RANK_DEADLINE:
            return _rank_deadline(session, d, mentee, season, standing, ruleset)
        case K.SOAP_READY:
            return _soap_ready(d, mentee, is_mentee, season, standing, ruleset)
    return None


def _in_time(kind: ReminderKind, season: int, today: date, ruleset: Ruleset) -> bool:
    """Past the date it prepares for, a reminder has nothing left to prepare."""
    calendar = ruleset.seasons
    match kind:
        case K.RANK_DEADLINE:
            return today <= calendar.dates(season).rank_deadline
        case K.SOAP_READY:
            return today <= calendar.match_day(season)
    return True


def _profile_button(mentee: Mentee) -> NoticeButton:
    return NoticeButton(
        label="Open profile", intent=Intent.OPEN_PROFILE, mentee=mentee.person.slack_user_id
    )


def _submission_day(
    session: Session, d: Delivery, mentee: Mentee, season: int, s: Standing, ruleset: Ruleset
) -> Notice:
    dates = ruleset.seasons.dates(season)
    tiers = dict(
        session.execute(
            select(Application.tier, func.count())
            .where(
                Application.mentee_id == mentee.id,
                Application.season == season,
                Application.status == S.PLANNED,
            )
            .group_by(Application.tier)
        ).all()
    )
    by_tier = ", ".join(f"{tier.value} {tiers[tier]}" for tier in Tier if tiers.get(tier))
    lines = [
        f"Still planned: {plural(s.planned, 'programme')}" + (f" ({by_tier})" if by_tier else "")
    ]
    if s.sent:
        lines.append(f"Already sent: {s.sent}")
    lines += [
        f"Programmes start reviewing on {dates.review_opens}: send the whole list, complete, "
        "before then (APPLY-EARLY).",
        "Mark each one applied once it is sent: your mentor follows the list from there.",
    ]
    return Notice(
        kind=d.kind,
        title=f"{season} submissions open {dates.submission_opens}: "
        f"{plural(s.planned, 'programme')} on your list not sent yet",
        lines=lines,
        why=ruleset.rules.apply_early.text,
        rule="APPLY-EARLY",
        buttons=[_profile_button(mentee)],
    )


def _few_interviews(
    d: Delivery, mentee: Mentee, season: int, s: Standing, ruleset: Ruleset
) -> Notice:
    rules = ruleset.rules
    few = rules.cycle_phases.few_interviews
    lines = [
        f"{plural(s.sent, 'application')} sent, {plural(s.invitations, 'invitation')}: "
        f"fewer than {few} by now is a warning (CYCLE-PHASES).",
    ]
    if s.planned:
        lines.append(f"{plural(s.planned, 'programme')} on the list still not sent.")
    lines += [
        f"Widen the list: {rules.apply_tiers.text} (APPLY-TIERS)",
        f"Prepare for SOAP: {rules.soap.text} (SOAP)",
        "And ask how they are doing, not only what they have done (WELLBEING).",
    ]
    slack_id = mentee.person.slack_user_id
    return Notice(
        kind=d.kind,
        title=f"{mentee.person.display_name} has {plural(s.invitations, 'interview invitation')} "
        f"on {d.anchor_date} ({season} season)",
        lines=lines,
        why=rules.cycle_phases.text,
        rule="CYCLE-PHASES",
        buttons=[
            NoticeButton(label="Record check-in", intent=Intent.RECORD_CHECKIN, mentee=slack_id),
            _profile_button(mentee),
        ],
    )


def _rank_deadline(
    session: Session, d: Delivery, mentee: Mentee, season: int, s: Standing, ruleset: Ruleset
) -> Notice:
    rules = ruleset.rules
    waiting = session.execute(
        select(Application.name, Application.track, Application.city, Application.state)
        .where(
            Application.mentee_id == mentee.id,
            Application.season == season,
            Application.status.in_([S.INTERVIEW_INVITED, S.INTERVIEWED]),
        )
        .order_by(Application.name, Application.id)
        .limit(SHOWN)
    ).all()
    verb = "is" if s.unranked == 1 else "are"
    lines = [
        f"{plural(s.unranked, 'programme')} that invited you {verb} not on your rank list yet:"
    ]
    lines += [f"• {name} ({track.label}, {city} {state})" for name, track, city, state in waiting]
    if s.unranked > len(waiting):
        lines.append(f"• and {s.unranked - len(waiting)} more")
    if mentee.applicant_type.is_img and mentee.ecfmg is not EcfmgStatus.CERTIFIED:
        lines.append(f"{rules.ecfmg_path.text} (ECFMG-PATH)")
    lines.append("Mark each programme ranked once your list is certified.")
    return Notice(
        kind=d.kind,
        title=f"Your rank list is due {ruleset.seasons.dates(season).rank_deadline} "
        f"({season} season)",
        lines=lines,
        why=rules.cycle_phases.text,
        rule="CYCLE-PHASES",
        buttons=[_profile_button(mentee)],
    )


def _soap_ready(
    d: Delivery, mentee: Mentee, is_mentee: bool, season: int, s: Standing, ruleset: Ruleset
) -> Notice:
    rules = ruleset.rules
    match_week = ruleset.seasons.dates(season).match_week
    whose = "Your" if is_mentee else f"{mentee.person.display_name}'s"
    lines = [
        f"{whose} {season} season: {plural(s.sent, 'application')} sent, "
        f"{plural(s.invitations, 'interview invitation')}, {plural(s.ranked, 'programme')} ranked."
    ]
    if not s.ranked:
        lines.append("No programme is ranked: SOAP is the way to a position this season (SOAP).")
    lines.append(f"{rules.p_prelim.text} (P-PRELIM)")
    lines.append(
        "Be ready before Match Week: your documents up to date, the programmes to aim at, and "
        "a time with your mentor."
        if is_mentee
        else "Agree the SOAP plan with them before Match Week: documents, the programmes to aim "
        "at, and when to talk."
    )
    title = (
        f"Match Week starts {match_week}: be ready for SOAP"
        if is_mentee
        else f"SOAP readiness for {mentee.person.display_name}: Match Week starts {match_week}"
    )
    return Notice(
        kind=d.kind,
        title=title,
        lines=lines,
        why=rules.soap.text,
        rule="SOAP",
        buttons=[_profile_button(mentee)],
    )
