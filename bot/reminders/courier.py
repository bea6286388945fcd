"""The reminders' courier: a DM to one person, composed at send time from the current data
(bot/reminders/content.py), sent in their waking hours, through the outbox's protocol
(bot/outbox/courier.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset
from bot.models import Delivery, Person
from bot.outbox.courier import Couriers, Decision, Hold, Job, Result, Unsettled
from bot.outbox.crash import crashpoint
from bot.outbox.outcomes import Cancelled, Failure, PostTarget, Sent
from bot.reminders.content import compose
from bot.reminders.ports import DirectMessages, Notice
from bot.reminders.schedule import window_of
from bot.reminders.timing import next_allowed
from bot.vocab import DeliveryKind, ReminderKind

KINDS = frozenset(DeliveryKind(kind) for kind in ReminderKind)


@dataclass(frozen=True, kw_only=True)
class DirectMessage(Job):
    slack_user_id: str
    notice: Notice
    opened: bool = False  # its DM channel was opened for it (to be remembered)


class ReminderCourier:
    def __init__(self, dms: DirectMessages, ruleset: Ruleset) -> None:
        self.dms, self.ruleset = dms, ruleset
        self.opened: dict[str, str] = {}  # DM channels opened in this run, by Slack user id

    def prepare(self, session: Session, row: Delivery, now: datetime) -> DirectMessage | Decision:
        recipient = session.get(Person, row.recipient_id) if row.recipient_id else None
        if recipient is None:
            return Cancelled()
        notice = compose(session, row, recipient, now=now, ruleset=self.ruleset)
        if notice is None:
            return Cancelled()
        # Planned for a good hour, but a sweep may come late (downtime, a retry): the
        # recipient's window is checked again now.
        allowed = next_allowed(now, window_of(recipient), self.ruleset.reminders.send_hour * 60)
        if allowed > now:
            return Hold(allowed)
        channel = recipient.dm_channel_id or self.opened.get(recipient.slack_user_id)
        return DirectMessage(
            key=row.dedupe_key,
            slack_user_id=recipient.slack_user_id,
            notice=notice,
            target=PostTarget(channel) if channel else None,
        )

    def route(self, job: DirectMessage) -> DirectMessage | Failure:
        if job.target is not None:
            return job
        opened = self.dms.open_dm(job.slack_user_id)
        if not isinstance(opened, str):
            return opened
        self.opened[job.slack_user_id] = opened
        return replace(job, target=PostTarget(opened), opened=True)

    def send(self, job: DirectMessage) -> Result:
        assert job.target is not None
        outcome = self.dms.post(job.target.channel, job.notice, job.key)
        crashpoint("after_post")
        return outcome

    def settle(self, session: Session, job: DirectMessage, result: Result, now: datetime) -> None:
        if job.opened and job.target is not None:  # the next DM to them needs no opening
            session.execute(
                update(Person)
                .where(Person.slack_user_id == job.slack_user_id)
                .values(dm_channel_id=job.target.channel)
            )

    def find(self, row: Unsettled) -> str | Failure | None:
        if row.channel_id is None:  # never got as far as its post
            return None
        return self.dms.find_posted(row.channel_id, row.dedupe_key, row.created_at)

    def found(self, session: Session, row: Unsettled, sent: Sent) -> None:
        return None


def register(couriers: Couriers, *, dms: DirectMessages, ruleset: Ruleset) -> None:
    couriers.register(KINDS, ReminderCourier(dms, ruleset))
