"""Delivering dashboard rows from the ledger: create a card, update it (coalesced), or add a line
to its thread. Runs inside the dispatcher, under the same claims, leases and outcomes as DMs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy.orm import Session

from bot.dashboards.card import CardView, build_card
from bot.dashboards.outbox import CARD, DELETE, REPLY, UPDATE, dashboard_channel, queue
from bot.models import DashboardCard, Delivery, Mentee
from bot.reminders.crash import crashpoint
from bot.reminders.ports import Outcome, Permanent, PostTarget, RetryLater, Sent, Uncertain
from bot.vocab import DeliveryState

if TYPE_CHECKING:
    from bot.reminders.dispatcher import Claim, Dispatcher, DispatchReport

log = logging.getLogger("matchpath.dashboards")
KINDS = frozenset({CARD, UPDATE, REPLY, DELETE})
# Doing these twice is harmless (chat.update, chat.delete): when their outcome is unknown they
# are simply done again, with no need to look for them first.
REPEATABLE = frozenset({UPDATE, DELETE})
REPLY_WAIT_SECONDS = 10  # a line waits for its card to exist


@dataclass(frozen=True)
class Job:
    action: Literal["create", "update", "reply"]
    channel: str
    view: CardView | None = None
    ts: str | None = None
    text: str | None = None
    version: int = 0
    card_key: str = ""


class DashboardCourier:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.d = dispatcher
        self.private: dict[str, bool] = {}

    def deliver(self, claim: Claim, report: DispatchReport) -> None:
        if claim.kind == DELETE:
            self._erase(claim, report)
            return
        job = self._prepare(claim, report)
        if job is None:
            return
        refusal = self._check_private(job.channel)
        if refusal is not None:
            self.d._record(claim, refusal, report)
            return
        thread = job.ts if job.action == "reply" else None
        if not self.d._wait_for_token(claim, PostTarget(job.channel, thread)):
            report.lost += 1
            return
        notifier = self.d.notifier
        if job.action == "reply":
            assert job.ts is not None
            assert job.text is not None
            outcome = notifier.post_line(job.channel, job.ts, job.text, claim.dedupe_key)
            crashpoint("after_line_post")
            self.d._record(claim, outcome, report)
        elif job.action == "create":
            assert job.view is not None
            outcome = notifier.post_card(job.channel, job.view, claim.dedupe_key)
            crashpoint("after_card_post")
            self.d._record(claim, outcome, report, on_sent=self._created(claim, job))
        else:
            assert job.view is not None
            assert job.ts is not None
            outcome = notifier.update_card(job.channel, job.ts, job.view)
            if isinstance(outcome, Permanent) and outcome.error == "message_not_found":
                self._recreate(claim, report)
                return
            if isinstance(outcome, Uncertain):  # an update is idempotent: just do it again
                outcome = RetryLater(after_seconds=10, reason=outcome.reason)
            self.d._record(claim, outcome, report, on_sent=self._updated(claim, job))

    def _erase(self, claim: Claim, report: DispatchReport) -> None:
        """Delete a forgotten mentee's post; one already gone counts as deleted."""
        with self.d.db.unit_of_work() as session:
            delivery = self.d._renew(session, claim)
            where = (delivery.channel_id, delivery.thread_ts) if delivery else (None, None)
        channel, ts = where
        if channel is None or ts is None:
            report.lost += 1
            return
        outcome = self.d.notifier.delete_message(channel, ts)
        crashpoint("after_delete")
        if isinstance(outcome, Permanent) and outcome.error == "message_not_found":
            outcome = Sent(channel=channel, ts=ts)
        if isinstance(outcome, Uncertain):  # deleting twice is harmless: just do it again
            outcome = RetryLater(after_seconds=10, reason=outcome.reason)
        self.d._record(claim, outcome, report)

    def _check_private(self, channel: str) -> Outcome | None:
        if channel not in self.private:
            answer = self.d.notifier.channel_is_private(channel)
            if not isinstance(answer, bool):
                return answer
            self.private[channel] = answer
        if not self.private[channel]:
            log.error("dashboard channel %s is public: refusing to post mentee data there", channel)
            return Permanent(error="public channel: dashboards need a private channel")
        return None

    def _prepare(self, claim: Claim, report: DispatchReport) -> Job | None:
        d = self.d
        with d.db.unit_of_work() as session:
            delivery = d._renew(session, claim)
            if delivery is None:
                report.lost += 1
                return None
            card = session.get(DashboardCard, delivery.mentee_id) if delivery.mentee_id else None
            mentee = session.get(Mentee, delivery.mentee_id) if delivery.mentee_id else None
            channel = (card.channel_id if card else None) or dashboard_channel(session)
            job = self._job(session, delivery, card, mentee, channel)
            if job == "wait":
                delivery.state, delivery.claim_token = DeliveryState.RETRY_WAIT, None
                delivery.next_attempt_at = d.clock.now() + timedelta(seconds=REPLY_WAIT_SECONDS)
                return None
            if job is None:
                delivery.state, delivery.claim_token = DeliveryState.CANCELLED, None
                delivery.updated_at = d.clock.now()
                report.cancelled += 1
            return job

    def _job(
        self,
        session: Session,
        delivery: Delivery,
        card: DashboardCard | None,
        mentee: Mentee | None,
        channel: str | None,
    ) -> Job | Literal["wait"] | None:
        if card is None or mentee is None or channel is None:
            return None
        if delivery.kind == REPLY:
            if card.ts is None:
                return "wait"
            return Job("reply", channel, ts=card.ts, text=delivery.body or "")
        current = f"card:{card.mentee_id}:g{card.generation}"
        if delivery.kind == CARD and (card.ts is not None or delivery.dedupe_key != current):
            return None  # this generation's card exists, or a newer one replaced it
        if delivery.kind == UPDATE and (
            card.ts is None or card.posted_version >= (delivery.version or 0)
        ):
            return None  # coalesced into a later update, or the creation will show it all
        view = build_card(session, mentee, ruleset=self.d.ruleset, now=self.d.clock.now())
        self._verdict_lines(session, card, view)
        if card.previous_ts:
            view = view.model_copy(update={"previous_thread": card.previous_ts})
        action: Literal["create", "update"] = "create" if delivery.kind == CARD else "update"
        return Job(action, channel, view=view, ts=card.ts, version=card.version)

    def _verdict_lines(self, session: Session, card: DashboardCard, view: CardView) -> None:
        old, new = dict(card.verdicts or {}), view.verdicts
        now = self.d.clock.now()
        for pathway, verdict in new.items():
            before = old.get(pathway)
            if old and before and before != verdict:
                queue(
                    session,
                    card.mentee_id,
                    REPLY,
                    f"dash:{card.mentee_id}:verdict:{pathway}:{before}>{verdict}:v{card.version}",
                    now,
                    now,
                    body=f"{pathway}: {before} → {verdict} (assessment)",
                )
        card.verdicts = dict(new)

    def _created(self, claim: Claim, job: Job) -> Callable[[Session, Sent], None]:
        def on_sent(session: Session, sent: Sent) -> None:
            _card_posted(session, claim.dedupe_key, sent, version=job.version)

        return on_sent

    def _updated(self, claim: Claim, job: Job) -> Callable[[Session, Sent], None]:
        def on_sent(session: Session, sent: Sent) -> None:
            card = session.get(DashboardCard, _mentee_of(claim.dedupe_key))
            if card is not None:
                card.posted_version = max(card.posted_version, job.version)

        return on_sent

    def _recreate(self, claim: Claim, report: DispatchReport) -> None:
        """The card was deleted: a new parent, linking the old thread."""
        now = self.d.clock.now()
        mentee_id = _mentee_of(claim.dedupe_key)
        with self.d.db.unit_of_work() as session:
            card = session.get(DashboardCard, mentee_id)
            if card is not None and card.ts is not None:
                card.previous_ts, card.ts = card.ts, None
                card.generation += 1
                queue(session, mentee_id, CARD, f"card:{mentee_id}:g{card.generation}", now, now)
        self.d._cancel(claim, report, "card deleted; re-created")


def found_posted(session: Session, *, kind: str, dedupe_key: str, sent: Sent) -> None:
    """The reaper found a row in Slack that was posted before its outcome could be recorded:
    what recording it would have done besides the ledger (a card's message) is done now."""
    if kind == CARD:
        _card_posted(session, dedupe_key, sent)


def _card_posted(session: Session, dedupe_key: str, sent: Sent, *, version: int = 0) -> None:
    """The mentee's card is this message, while the row is still the card's current one."""
    card = session.get(DashboardCard, _mentee_of(dedupe_key))
    if card is None or dedupe_key != f"card:{card.mentee_id}:g{card.generation}":
        return
    card.ts, card.channel_id = sent.ts, sent.channel
    card.posted_version = max(card.posted_version, version)


def _mentee_of(key: str) -> int:
    return int(key.split(":")[1])
