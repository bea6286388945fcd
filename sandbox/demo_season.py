"""The demo's season under way: the synthetic programme file loaded, and Maya's list saved with
her applications moved along as far as today allows, so that `/matchpath list @maya` answers
and her profile and card show a funnel.

Everything goes through the same services a mentor's commands use (import, list, save,
status changes), dated from the day of seeding; between seasons (after Match Day, before ERAS
opens) the list is saved and every application stays planned.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bot.access import Actor
from bot.applications.dto import StatusChange
from bot.applications.season_list import list_for_mentee
from bot.applications.service import get_applications, save_list, update_statuses
from bot.applications.vocab import ApplicationStatus
from bot.assessment.ruleset import Ruleset
from bot.programmes.files import parse_programmes
from bot.programmes.service import import_programmes

PROGRAMMES = Path(__file__).resolve().parent.parent / "examples" / "programmes.csv"
MID_SEASON_MENTEE = "UMENTEE01"  # Maya
# How far her applications have gone by the interview season: sent to most of the list, a
# few invitations, one interview done; enough for every stage of the funnel to show.
SENT_SHARE = 0.8
INVITED = 4
INTERVIEWED = 1


def seed_season(session: Session, *, now: datetime, ruleset: Ruleset) -> int:
    """Load the programmes and move Maya's season along; returns how many applications she has."""
    actor = Actor.system(now)
    content = PROGRAMMES.read_bytes()
    rows = parse_programmes(content, "csv")
    import_programmes(session, actor=actor, rows=rows, source=PROGRAMMES.name, content=content)
    programmes = list_for_mentee(
        session, actor=actor, slack_user_id=MID_SEASON_MENTEE, ruleset=ruleset
    )
    if programmes.blocked or not programmes.tracks:
        return 0
    save_list(session, actor=actor, slack_user_id=MID_SEASON_MENTEE, programmes=programmes)
    held = get_applications(
        session, actor=actor, slack_user_id=MID_SEASON_MENTEE, season=programmes.season
    )
    ids = [a.id for a in held.applications]
    steps = _progress(ids, today=now.date(), season=programmes.season, ruleset=ruleset)
    for changes in steps:  # one step after the other, as a mentor would log them
        update_statuses(
            session,
            actor=actor,
            slack_user_id=MID_SEASON_MENTEE,
            season=programmes.season,
            changes=changes,
        )
    return len(ids)


def _progress(
    ids: list[int], *, today: date, season: int, ruleset: Ruleset
) -> list[list[StatusChange]]:
    """Sent on the first day programmes receive applications, invitations through the review
    weeks, the interview a fortnight after the first invitation: only what has happened by
    today, one list of changes per step."""
    dates = ruleset.seasons.dates(season)
    if today < dates.submission_opens or today > ruleset.seasons.match_day(season):
        return []
    sent = ids[: max(1, int(len(ids) * SENT_SHARE))]
    invited_on = [dates.review_opens + timedelta(days=7 * (n + 1)) for n in range(INVITED)]
    interview_day = invited_on[0] + timedelta(days=14)
    steps = [
        [(i, ApplicationStatus.APPLIED, dates.submission_opens) for i in sent],
        list(zip(sent, [ApplicationStatus.INTERVIEW_INVITED] * INVITED, invited_on, strict=False)),
        [(i, ApplicationStatus.INTERVIEWED, interview_day) for i in sent[:INTERVIEWED]],
    ]
    return [
        [StatusChange(application_id=i, to=to, on=on) for i, to, on in step if on <= today]
        for step in steps
        if any(on <= today for _, _, on in step)
    ]
