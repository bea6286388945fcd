"""The dashboards' courier: create a mentee's card, update it (coalesced), add a line to its
thread, or delete a forgotten mentee's post, through the outbox's protocol
(bot/outbox/courier.py), under the same claims, leases and outcomes as every other row."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset
from bot.dashboards.card import CardView, build_card
from bot.dashboards.outbox import (
    CARD,
    DELETE,
    REPLY,
    UPDATE,
    dashboard_channel,
    queue,
    queue_card,
    reply_key,
)
from bot.dashboards.ports import ChannelPosts
from bot.models import DashboardCard, Delivery, Mentee
from bot.outbox.courier import Couriers, Decision, Job, NotYet, Result, Unsettled
from bot.outbox.crash import crashpoint
from bot.outbox.outcomes import (
    Cancelled,
    Failure,
    Permanent,
    PostTarget,
    RetryLater,
    Sent,
    Uncertain,
)

log = logging.getLogger("matchpath.dashboards")
KINDS = frozenset({CARD, UPDATE, REPLY, DELETE})
# Doing these twice is harmless (chat.update, chat.delete): when their outcome is unknown they
# are simply done again, with no need to look for them first.
REPEATABLE = frozenset({UPDATE, DELETE})
REPLY_WAIT_SECONDS = 10  # a line waits for its card to exist
RECREATED = "card deleted; re-created"
UPDATING = "dashboard_updates_in_batch"


@dataclass(frozen=True, kw_only=True)
class Post(Job):
    action: Literal["create", "update", "reply", "delete"]
    mentee_id: int | None = None
    generation: int | None = None  # the card generation a creation is for
    channel: str = ""
    view: CardView | None = None
    ts: str | None = None  # the card's message (update, reply), or the message to delete
    text: str | None = None
    version: int = 0  # the card's content version this post shows


class DashboardCourier:
    def __init__(self, channels: ChannelPosts, ruleset: Ruleset) -> None:
        self.channels, self.ruleset = channels, ruleset
        self.private: dict[str, bool] = {}

    # -- prepare, route, send, settle ------------------------------------------------------

    def prepare(self, session: Session, row: Delivery, now: datetime) -> Post | Decision:
        if row.kind == DELETE:
            if row.channel_id is None or row.thread_ts is None:
                return Cancelled("nothing to delete")
            # Not paced: deletions are few, and chat.delete is not chat.postMessage.
            target = PostTarget(row.channel_id, row.thread_ts)
            return Post(key=row.dedupe_key, action="delete", target=target, paced=False)
        card = session.get(DashboardCard, row.mentee_id) if row.mentee_id else None
        mentee = session.get(Mentee, row.mentee_id) if row.mentee_id else None
        channel = (card.channel_id if card else None) or dashboard_channel(session)
        if card is None or mentee is None or channel is None:
            return Cancelled()
        if row.kind == REPLY:
            if card.ts is None:
                return NotYet(REPLY_WAIT_SECONDS)
            return Post(
                key=row.dedupe_key,
                action="reply",
                mentee_id=card.mentee_id,
                channel=channel,
                ts=card.ts,
                text=row.body or "",
            )
        if row.kind == CARD and (card.ts is not None or row.generation != card.generation):
            return Cancelled()  # this generation's card exists, or a newer one replaced it
        # Updates in one batch are prepared together: the first shows the latest version, and
        # the others are coalesced into it (per prepare transaction: the session's info).
        updating: dict[int, int] = session.info.setdefault(UPDATING, {})
        if row.kind == UPDATE and (
            card.ts is None
            or max(card.posted_version, updating.get(card.mentee_id, 0)) >= (row.version or 0)
        ):
            return Cancelled()  # coalesced into a later update, or the creation will show it all
        if row.kind == UPDATE:
            updating[card.mentee_id] = card.version
        view = build_card(session, mentee, ruleset=self.ruleset, now=now)
        self._verdict_lines(session, card, view, now)
        if card.previous_ts:
            view = view.model_copy(update={"previous_thread": card.previous_ts})
        return Post(
            key=row.dedupe_key,
            action="create" if row.kind == CARD else "update",
            mentee_id=card.mentee_id,
            generation=row.generation,
            channel=channel,
            view=view,
            ts=card.ts,
            version=card.version,
        )

    def route(self, job: Post) -> Post | Failure:
        if job.action == "delete":
            return job
        refusal = self._check_private(job.channel)
        if refusal is not None:
            return refusal
        thread = job.ts if job.action == "reply" else None
        return replace(job, target=PostTarget(job.channel, thread))

    def send(self, job: Post) -> Result:
        match job.action:
            case "reply":
                assert job.ts is not None
                assert job.text is not None
                outcome = self.channels.post_line(job.channel, job.ts, job.text, job.key)
                crashpoint("after_line_post")
                return outcome
            case "create":
                assert job.view is not None
                outcome = self.channels.post_card(job.channel, job.view, job.key)
                crashpoint("after_card_post")
                return outcome
            case "update":
                assert job.view is not None
                assert job.ts is not None
                outcome = self.channels.update_card(job.channel, job.ts, job.view)
                if isinstance(outcome, Permanent) and outcome.error == "message_not_found":
                    return Cancelled(RECREATED)
                return _again_if_uncertain(outcome)
        assert job.target is not None
        assert job.target.thread_ts is not None
        channel, ts = job.target.channel, job.target.thread_ts
        outcome = self.channels.delete_message(channel, ts)
        crashpoint("after_delete")
        if isinstance(outcome, Permanent) and outcome.error == "message_not_found":
            return Sent(channel=channel, ts=ts)  # already gone counts as deleted
        return _again_if_uncertain(outcome)

    def settle(self, session: Session, job: Post, result: Result, now: datetime) -> None:
        if job.mentee_id is None:
            return
        if job.action == "create" and isinstance(result, Sent):
            _card_posted(session, job.mentee_id, job.generation, result, version=job.version)
        elif job.action == "update" and isinstance(result, Sent):
            card = session.get(DashboardCard, job.mentee_id)
            if card is not None:
                card.posted_version = max(card.posted_version, job.version)
        elif job.action == "update" and result == Cancelled(RECREATED):
            _recreate(session, job.mentee_id, now)

    # -- reconciliation --------------------------------------------------------------------

    def find(self, row: Unsettled) -> str | Failure | None:
        if row.kind in REPEATABLE or row.channel_id is None:
            return None
        return self.channels.find_posted(
            row.channel_id, row.dedupe_key, row.created_at, row.thread_ts
        )

    def found(self, session: Session, row: Unsettled, sent: Sent) -> None:
        """Posted before its outcome could be recorded: a card's message is recorded now."""
        if row.kind == CARD and row.mentee_id is not None:
            _card_posted(session, row.mentee_id, row.generation, sent)

    # -- helpers ---------------------------------------------------------------------------

    def _check_private(self, channel: str) -> Failure | None:
        if channel not in self.private:
            answer = self.channels.channel_is_private(channel)
            if not isinstance(answer, bool):
                return answer
            self.private[channel] = answer
        if not self.private[channel]:
            log.error("dashboard channel %s is public: refusing to post mentee data there", channel)
            return Permanent(error="public channel: dashboards need a private channel")
        return None

    def _verdict_lines(
        self, session: Session, card: DashboardCard, view: CardView, now: datetime
    ) -> None:
        old, new = dict(card.verdicts or {}), view.verdicts
        for pathway, verdict in new.items():
            before = old.get(pathway)
            if old and before and before != verdict:
                queue(
                    session,
                    card.mentee_id,
                    REPLY,
                    reply_key(
                        card.mentee_id, f"verdict:{pathway}:{before}>{verdict}:v{card.version}"
                    ),
                    now,
                    now,
                    body=f"{pathway}: {before} → {verdict} (assessment)",
                )
        card.verdicts = dict(new)


def _again_if_uncertain(outcome: Result) -> Result:
    # An update or a deletion is harmless to repeat: when its outcome is unknown, do it again.
    if isinstance(outcome, Uncertain):
        return RetryLater(after_seconds=10, reason=outcome.reason)
    return outcome


def _card_posted(
    session: Session, mentee_id: int, generation: int | None, sent: Sent, *, version: int = 0
) -> None:
    """The mentee's card is this message, while the row is still the card's current one."""
    card = session.get(DashboardCard, mentee_id)
    if card is None or generation != card.generation:
        return
    card.ts, card.channel_id = sent.ts, sent.channel
    card.posted_version = max(card.posted_version, version)


def _recreate(session: Session, mentee_id: int, now: datetime) -> None:
    """The card was deleted: a new parent, linking the old thread."""
    card = session.get(DashboardCard, mentee_id)
    if card is not None and card.ts is not None:
        card.previous_ts, card.ts = card.ts, None
        card.generation += 1
        queue_card(session, card, now)


def register(couriers: Couriers, *, channels: ChannelPosts, ruleset: Ruleset) -> None:
    couriers.register(KINDS, DashboardCourier(channels, ruleset))
