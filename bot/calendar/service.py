"""A person's calendar feed: issue, reset and switch off its secret token, and the events it
shows to whoever holds the token.

The token is 256 random bits, shown to its person once; the database keeps its SHA-256 only,
so a copy of the database (a backup, a log of queries) opens no feed. What a feed shows is
what its person may see anyway, worked out when it is fetched: a mentee their own open
milestones and next check-in; a mentor those of the mentees they mentor now. Each event names
the mentee and the milestone's title, nothing of the profile (no scores, no visa). Every issue,
reset, switch-off and fetch is audited.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, audit, is_mentor
from bot.calendar.dto import CalendarEvent, Feed, FeedLink
from bot.calendar.models import CalendarFeed
from bot.errors import AccessDenied
from bot.models import Mentee, MentorAssignment, Milestone, Person
from bot.vocab import MenteeStatus, MilestoneStatus

TOKEN_BYTES = 32  # 256 bits: 43 characters of URL-safe base64
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
NOT_FOR_YOU = (
    "Calendar feeds are for mentees and mentors in MatchPath: yours would be empty. "
    "An admin can `enroll` you or `assign` you mentees."
)


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def calendar_link(session: Session, *, actor: Actor) -> FeedLink:
    """A new feed, its token shown this once, if the actor has none; else what is known of
    theirs (when made, when last fetched): its token cannot be shown again."""
    person = _owner(session, actor, "calendar.link")
    feed = _feed_of(session, person)
    if feed is not None:
        return FeedLink(created_at=feed.created_at, last_used_at=feed.last_used_at)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        CalendarFeed(person_id=person.id, token_sha256=fingerprint(token), created_at=actor.now)
    )
    session.flush()
    audit(session, actor, "calendar.issue", subject_slack_id=actor.slack_user_id)
    return FeedLink(token=token, created_at=actor.now)


def reset_calendar(session: Session, *, actor: Actor) -> FeedLink:
    """A new token; the old one opens nothing from now on."""
    person = _owner(session, actor, "calendar.reset")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = _feed_of(session, person)
    if feed is None:
        session.add(
            CalendarFeed(person_id=person.id, token_sha256=fingerprint(token), created_at=actor.now)
        )
    else:
        feed.token_sha256, feed.created_at, feed.last_used_at = fingerprint(token), actor.now, None
    session.flush()
    return FeedLink(token=token, created_at=actor.now)


def revoke_calendar(session: Session, *, actor: Actor) -> bool:
    """Switch the actor's feed off; False if they had none. Anyone may switch theirs off."""
    audit(session, actor, "calendar.revoke", subject_slack_id=actor.slack_user_id)
    person = session.get(Person, actor.person_id) if actor.person_id is not None else None
    feed = _feed_of(session, person) if person is not None else None
    if feed is None:
        return False
    session.delete(feed)
    session.flush()
    return True


def _owner(session: Session, actor: Actor, action: str) -> Person:
    """The actor as the owner of a feed: a mentee or a mentor (audited either way)."""
    person = session.get(Person, actor.person_id) if actor.person_id is not None else None
    mentee = _mentee_of(session, person)
    if person is None or (mentee is None and not is_mentor(session, actor)):
        raise AccessDenied(NOT_FOR_YOU)
    audit(session, actor, action, subject_slack_id=actor.slack_user_id)
    return person


def _feed_of(session: Session, person: Person) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.person_id == person.id))


def _mentee_of(session: Session, person: Person | None) -> Mentee | None:
    if person is None:
        return None
    return session.scalar(select(Mentee).where(Mentee.person_id == person.id))


# -- the feed ------------------------------------------------------------------------------------


def calendar_feed(session: Session, *, token: str, now: datetime) -> Feed | None:
    """The feed this token opens, or None: a token of the wrong shape, never issued, reset or
    switched off (the caller answers each the same, 404)."""
    if not TOKEN.fullmatch(token):
        return None
    feed = session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_sha256 == fingerprint(token))
    )
    person = session.get(Person, feed.person_id) if feed is not None else None
    if feed is None or person is None:
        return None
    feed.last_used_at = now
    own = _mentee_of(session, person)
    mentored = list(
        session.scalars(
            select(Mentee)
            .join(MentorAssignment, MentorAssignment.mentee_id == Mentee.id)
            .where(MentorAssignment.mentor_id == person.id, MentorAssignment.until.is_(None))
            .order_by(Mentee.id)
        )
    )
    events = (_events(session, [own], own=True) if own else []) + _events(session, mentored)
    owner = Actor(slack_user_id=person.slack_user_id, person_id=person.id, is_admin=False, now=now)
    audit(
        session,
        owner,
        "calendar.feed",
        subject_slack_id=person.slack_user_id,
        mentees=len(mentored) + (1 if own else 0),
        events=len(events),
    )
    return Feed(person_id=person.id, events=events)


def _events(session: Session, mentees: list[Mentee], *, own: bool = False) -> list[CalendarEvent]:
    """Open milestones by their due day, and each active mentee's next check-in."""
    if not mentees:
        return []
    names = {m.id: m.person.display_name for m in mentees}
    milestones = session.scalars(
        select(Milestone)
        .where(Milestone.mentee_id.in_(list(names)), Milestone.status == MilestoneStatus.OPEN)
        .order_by(Milestone.due_on, Milestone.id)
    )
    events = [
        CalendarEvent(
            uid=f"milestone-{m.id}",
            day=m.due_on,
            summary=m.title if own else f"{names[m.mentee_id]}: {m.title}",
            description=(
                "A milestone on your MatchPath plan."
                if own
                else f"A milestone of {names[m.mentee_id]}, whom you mentor in MatchPath."
            ),
        )
        for m in milestones
    ]
    for mentee in mentees:
        if mentee.status is MenteeStatus.ACTIVE and mentee.checkpoint_due_on is not None:
            events.append(
                CalendarEvent(
                    uid=f"checkin-{mentee.id}",
                    day=mentee.checkpoint_due_on,
                    summary=(
                        "Check-in with your mentor due"
                        if own
                        else f"Check-in due: {names[mentee.id]}"
                    ),
                    description=(
                        "Your mentor records it in MatchPath."
                        if own
                        else "Record it in Slack with /matchpath checkin."
                    ),
                )
            )
    return events
