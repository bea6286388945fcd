"""The dashboards' outbox: domain events become ledger rows (thread replies, card updates).

The dashboards' event subscriber (bot/dashboards/subscriber.py) calls `record` when
something a mentor should see happens; the outbox posts it through the dashboards' courier
(bot/dashboards/courier.py). Every row has a dedupe key from its event (one function per kind
below), so a retried request or a second instance never posts the same line twice. Nothing is
written when no dashboard channel is configured.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, Date, Integer, String, and_, cast, literal, select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.db.base import UTCDateTime
from bot.db.sqldates import as_text
from bot.db.upsert import insert_for
from bot.models import AppSetting, DashboardCard, Delivery, Mentee, Milestone
from bot.outbox.keys import Key, Part, key
from bot.outbox.ledger import plan_row, plan_rows
from bot.vocab import DeliveryKind, DeliveryState, MenteeStatus, MilestoneStatus

CHANNEL_SETTING = "dashboard_channel"
REPLY = DeliveryKind.DASHBOARD_REPLY
CARD = DeliveryKind.DASHBOARD_CARD  # creates the card (a new parent message)
UPDATE = DeliveryKind.DASHBOARD_UPDATE  # chat.update of the card, coalesced
DELETE = DeliveryKind.DASHBOARD_DELETE
COALESCE = timedelta(seconds=5)  # a burst of edits inside this window makes one update
LIFETIME = timedelta(days=7)


# -- each kind's dedupe key --------------------------------------------------------------------


def card_key(mentee: Part, generation: Part) -> Key:
    return key("card:", mentee, ":g", generation)


def update_key(mentee: Part, version: Part) -> Key:
    return key("card:", mentee, ":v", version)


def reply_key(mentee: Part, *event: Part) -> Key:
    """A line for the thread; `event` names what happened (unique per mentee)."""
    return key("dash:", mentee, ":", *event)


def delete_key(channel: Part, ts: Part) -> Key:
    return key("delete:", channel, ":", ts)


def dashboard_channel(session: Session) -> str | None:
    # Asked once per event; within one unit of work the answer does not change.
    if CHANNEL_SETTING not in session.info:
        setting = session.get(AppSetting, CHANNEL_SETTING)
        session.info[CHANNEL_SETTING] = setting.value if setting else None
    channel: str | None = session.info[CHANNEL_SETTING]
    return channel


def set_dashboard_channel(session: Session, channel_id: str, now: datetime) -> None:
    session.info[CHANNEL_SETTING] = channel_id
    setting = session.get(AppSetting, CHANNEL_SETTING)
    if setting is None:
        session.add(AppSetting(name=CHANNEL_SETTING, value=channel_id, updated_at=now))
    elif setting.value != channel_id:
        setting.value, setting.updated_at = channel_id, now
        # New channel: every card starts again there (its old thread stays where it was).
        for card in session.scalars(select(DashboardCard)):
            card.channel_id, card.previous_ts, card.ts = channel_id, None, None
            card.generation += 1
            queue_card(session, card, now)


def adopt_channel(session: Session, channel_id: str, now: datetime) -> str:
    """The operator's MATCHPATH_MENTORS_CHANNEL becomes the dashboard channel unless one is
    already recorded (an admin's `/matchpath dashboard channel` wins). Returns the channel in
    force. Safe when several processes start at once: the first insert wins, the rest read it."""
    session.execute(
        insert_for(session, AppSetting)
        .values(name=CHANNEL_SETTING, value=channel_id, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    session.info.pop(CHANNEL_SETTING, None)
    channel = dashboard_channel(session)
    assert channel is not None
    return channel


def who(actor: Actor) -> str:
    return (
        "MatchPath"
        if actor.person_id is None and actor.slack_user_id == "system"
        else f"<@{actor.slack_user_id}>"
    )


def record(session: Session, *, mentee_id: int, text: str, key: str, actor: Actor) -> None:
    """A line for the mentee's thread, and an update of their card."""
    if dashboard_channel(session) is None:
        return
    now = actor.now
    card = ensure_card(session, mentee_id, now)
    queue(
        session,
        mentee_id,
        REPLY,
        reply_key(mentee_id, key),
        now,
        now,
        body=f"{text} ({who(actor)})",
    )
    touch(session, card, now)


def touch(session: Session, card: DashboardCard, now: datetime) -> None:
    """The card's content changed: queue one (coalesced) update."""
    card.version += 1
    card.updated_at = now
    queue(
        session,
        card.mentee_id,
        UPDATE,
        update_key(card.mentee_id, card.version),
        now + COALESCE,
        now,
        version=card.version,
    )


def ensure_card(session: Session, mentee_id: int, now: datetime) -> DashboardCard:
    card = session.get(DashboardCard, mentee_id)
    if card is None:
        # Another transaction (a sweep's planning) may be creating it at this moment: then
        # that one's row is the card, and this insert does nothing.
        created = session.scalar(
            insert_for(session, DashboardCard)
            .values(
                mentee_id=mentee_id,
                channel_id=dashboard_channel(session),
                generation=1,
                version=1,
                posted_version=0,
                verdicts={},
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["mentee_id"])
            .returning(DashboardCard.mentee_id)
        )
        card = session.get_one(DashboardCard, mentee_id)
        if created is not None:
            queue_card(session, card, now)
    return card


def queue_card(session: Session, card: DashboardCard, now: datetime) -> None:
    """The creation of the card's current generation (a new parent message)."""
    queue(
        session,
        card.mentee_id,
        CARD,
        card_key(card.mentee_id, card.generation),
        now,
        now,
        generation=card.generation,
    )


def queue(
    session: Session,
    mentee_id: int,
    kind: DeliveryKind,
    dedupe: Key,
    due: datetime,
    now: datetime,
    *,
    body: str | None = None,
    version: int | None = None,
    generation: int | None = None,
) -> None:
    plan_row(
        session,
        dedupe_key=dedupe.text(),
        kind=kind,
        recipient_id=None,
        mentee_id=mentee_id,
        body=body,
        version=version,
        generation=generation,
        anchor_date=now.date(),
        offset_days=0,
        due_at=due,
        expires_at=now + LIFETIME,
        state=DeliveryState.PENDING,
        attempts=0,
        created_at=now,
        updated_at=now,
    )


def plan_dashboards(session: Session, *, now: datetime) -> dict[str, int]:
    """Set-based, each sweep: a card for every active mentee without one, and a thread line
    for every milestone that has just gone overdue."""
    channel = dashboard_channel(session)
    if channel is None:
        return {}
    missing = select(Mentee.id).where(
        Mentee.status == MenteeStatus.ACTIVE,
        ~select(DashboardCard.mentee_id).where(DashboardCard.mentee_id == Mentee.id).exists(),
    )
    stamp = literal(now, UTCDateTime())
    cards = session.execute(
        insert_for(session, DashboardCard)
        .from_select(
            [
                "mentee_id",
                "channel_id",
                "generation",
                "version",
                "posted_version",
                "verdicts",
                "created_at",
                "updated_at",
            ],
            select(
                Mentee.id,
                literal(channel, String),
                literal(1, Integer),
                literal(1, Integer),
                literal(0, Integer),
                cast(literal("{}", String), JSON),
                stamp,
                stamp,
            ).where(Mentee.id.in_(missing)),
        )
        .on_conflict_do_nothing(index_elements=["mentee_id"])
        .returning(DashboardCard.mentee_id)
    )
    created = len(cards.all())
    columns = [
        "dedupe_key",
        "kind",
        "mentee_id",
        "body",
        "generation",
        "anchor_date",
        "offset_days",
        "due_at",
        "expires_at",
        "state",
        "attempts",
        "created_at",
        "updated_at",
    ]
    fixed = [
        literal(now.date(), Date),
        literal(0, Integer),
        stamp,
        literal(now + LIFETIME, UTCDateTime()),
        literal(DeliveryState.PENDING.value, String),
        literal(0, Integer),
        stamp,
        stamp,
    ]
    new_cards = plan_rows(
        session,
        columns,
        select(
            card_key(DashboardCard.mentee_id, DashboardCard.generation).sql(),
            literal(CARD.value, String),
            DashboardCard.mentee_id,
            literal(None, String),
            DashboardCard.generation,
            *fixed,
        ).where(DashboardCard.ts.is_(None)),
    )
    overdue = plan_rows(
        session,
        columns,
        select(
            reply_key(
                Milestone.mentee_id, "ms-over:", Milestone.id, ":v", Milestone.due_version
            ).sql(),
            literal(REPLY.value, String),
            Milestone.mentee_id,
            literal("Milestone overdue: ", String)
            + Milestone.title
            + literal(" (due ", String)
            + as_text(Milestone.due_on)
            + literal(")", String),
            literal(None, Integer),
            *fixed,
        )
        .join(Mentee, and_(Mentee.id == Milestone.mentee_id, Mentee.status == MenteeStatus.ACTIVE))
        .where(
            Milestone.status == MilestoneStatus.OPEN,
            Milestone.due_on < now.date(),
            Milestone.due_on >= now.date() - timedelta(days=7),
        ),
    )
    return {"cards": created, "card_posts": new_cards, "overdue_lines": overdue}


def erase_posts(session: Session, *, mentee_id: int, now: datetime) -> int:
    """Before a mentee is forgotten: queue the deletion of their card and every line of its
    thread from Slack (the rows that remember where they are go with the mentee)."""
    card = session.get(DashboardCard, mentee_id)
    posts: set[tuple[str, str]] = set()
    if card is not None and card.channel_id:
        posts |= {(card.channel_id, ts) for ts in (card.ts, card.previous_ts) if ts}
    for channel, ts in session.execute(
        select(Delivery.channel_id, Delivery.message_ts).where(
            Delivery.mentee_id == mentee_id,
            Delivery.kind.in_([REPLY, CARD]),
            Delivery.state == DeliveryState.SENT,
        )
    ).all():
        if channel and ts:
            posts.add((channel, ts))
    for channel, ts in sorted(posts):
        # The message to delete is kept where a post's target goes (channel, thread_ts).
        plan_row(
            session,
            dedupe_key=delete_key(channel, ts).text(),
            kind=DELETE,
            recipient_id=None,
            mentee_id=None,
            channel_id=channel,
            thread_ts=ts,
            anchor_date=now.date(),
            offset_days=0,
            due_at=now,
            expires_at=now + LIFETIME,
            state=DeliveryState.PENDING,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    return len(posts)
