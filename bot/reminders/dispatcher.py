"""Dispatch: claim due deliveries with a lease, re-check, send outside any transaction, and
record the outcome fenced on the claim.

A row is only ever sent by the holder of its claim token while its lease is fresh (the lease is
renewed just before the post, and the post's timeout is shorter than the lease), so a crashed
or slow instance can lose a row to the reaper but can never send it alongside another instance.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.assessment.ruleset import Ruleset
from bot.clock import Clock, SystemClock
from bot.dashboards.courier import KINDS as DASHBOARD_KINDS
from bot.dashboards.courier import DashboardCourier
from bot.db.engine import Database, contention
from bot.db.upsert import insert_for
from bot.models import Delivery, Person, WorkspacePause
from bot.reminders import ratelimit
from bot.reminders.content import compose
from bot.reminders.crash import crashpoint
from bot.reminders.ports import (
    Notice,
    Notifier,
    Outcome,
    Permanent,
    PostTarget,
    RetryLater,
    Sent,
    Uncertain,
    WorkspaceDown,
)
from bot.reminders.schedule import window_of
from bot.reminders.timing import next_allowed
from bot.vocab import DeliveryState

log = logging.getLogger("matchpath.reminders")
WORKSPACE = "workspace"
RESUME_CHECK = timedelta(minutes=5)


@dataclass(frozen=True)
class DispatchConfig:
    batch: int = 20
    lease_seconds: float = 90.0
    send_rate: float = 5.0  # messages per second, workspace-wide
    burst: float = 5.0
    max_rows: int = 10_000  # per run; the next tick carries on


class Stopping(Exception):
    """The process is stopping: the claim in hand goes back unsent, with the rest of its batch."""


@dataclass
class DispatchReport:
    sent: int = 0
    cancelled: int = 0
    retry: int = 0
    unknown: int = 0
    failed: int = 0
    lost: int = 0
    held: int = 0  # quiet hours or a weekend for the recipient: due again when they end
    expired: int = 0  # held past their expiry
    put_back: int = 0  # claimed, then the database was busy: back to the queue, not attempted
    unrecorded: int = 0  # an outcome the database was too busy to record: the reaper settles it
    released: int = 0  # claimed, then handed back unsent because the process is stopping
    paused: bool = False
    busy: str | None = None  # why this run stopped early, when the database turned it away
    sent_keys: list[str] = field(default_factory=list)

    def tally(self, outcome: Outcome, dedupe_key: str) -> None:
        match outcome:
            case Sent():
                self.sent += 1
                self.sent_keys.append(dedupe_key)
            case RetryLater():
                self.retry += 1
            case Uncertain():
                self.unknown += 1
            case Permanent():
                self.failed += 1


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    dedupe_key: str
    kind: str


class Dispatcher:
    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        clock: Clock,
        ruleset: Ruleset,
        config: DispatchConfig | None = None,
        *,
        wall: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.db, self.notifier, self.clock, self.ruleset = db, notifier, clock, ruleset
        self.config = config or DispatchConfig()
        self.wall = wall or SystemClock()
        self.sleep = sleep
        # A stopping process finishes the send in progress and hands back the rest of its claim.
        self.stop_requested = stop_requested
        self.dashboards = DashboardCourier(self)

    def run(self) -> DispatchReport:
        report = DispatchReport()
        try:
            self._run(report)
        except DBAPIError as exc:
            # A race the database settled against this run: stop, and the next sweep goes on.
            report.busy = contention(exc)
            if report.busy is None:
                raise
            log.warning("dispatch stopped for now: %s", report.busy)
        return report

    def _run(self, report: DispatchReport) -> None:
        if self._paused(report):
            return
        while report.sent + report.retry + report.unknown + report.failed < self.config.max_rows:
            if self.stop_requested():
                return
            claims = self._claim()
            if not claims:
                break
            crashpoint("after_claim")
            for i, claim in enumerate(claims):
                try:
                    if self.stop_requested():
                        raise Stopping
                    self._deliver(claim, report)
                except Stopping:
                    self._put_back(claims[i:], report, "the process is stopping", stopping=True)
                    return
                except DBAPIError as exc:
                    # Before any post (after one, `_record` copes on its own): this claim and
                    # the rest of the batch go back to the queue.
                    reason = contention(exc)
                    if reason is not None:
                        self._put_back(claims[i:], report, reason)
                    raise
                if report.paused:
                    return

    # -- claiming ------------------------------------------------------------------------

    def _claim(self) -> list[Claim]:
        now = self.clock.now()
        token = uuid.uuid4().hex
        ready = or_(
            (Delivery.state == DeliveryState.PENDING) & (Delivery.due_at <= now),
            (Delivery.state == DeliveryState.RETRY_WAIT) & (Delivery.next_attempt_at <= now),
        )
        due = (
            select(Delivery.id)
            .where(ready, or_(Delivery.expires_at.is_(None), Delivery.expires_at > now))
            .order_by(Delivery.due_at, Delivery.id)
            .limit(self.config.batch)
            .with_for_update(skip_locked=True)
        )
        with self.db.unit_of_work() as session:
            rows = session.execute(
                update(Delivery)
                .where(Delivery.id.in_(due.scalar_subquery()))
                .values(
                    state=DeliveryState.CLAIMED,
                    claim_token=token,
                    lease_until=now + timedelta(seconds=self.config.lease_seconds),
                    attempts=Delivery.attempts + 1,
                    updated_at=now,
                )
                .returning(Delivery.id, Delivery.dedupe_key, Delivery.kind)
            ).all()
            crashpoint("mid_claim")
        return [Claim(id=i, token=token, dedupe_key=k, kind=kind) for i, k, kind in sorted(rows)]

    def _renew(
        self, session: Session, claim: Claim, *, post_to: PostTarget | None = None
    ) -> Delivery | None:
        """Renew the lease, fenced on the token; None when the claim was lost. With `post_to`,
        also store where the row is about to be posted, for the reaper to look if the process
        dies before the outcome is recorded."""
        now = self.clock.now()
        values: dict[str, object] = {
            "lease_until": now + timedelta(seconds=self.config.lease_seconds)
        }
        if post_to is not None:
            values.update(channel_id=post_to.channel, thread_ts=post_to.thread_ts)
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.id == claim.id,
                Delivery.claim_token == claim.token,
                Delivery.state == DeliveryState.CLAIMED,
            )
            .values(**values)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return session.get(Delivery, claim.id)

    # -- one delivery ----------------------------------------------------------------------

    def _deliver(self, claim: Claim, report: DispatchReport) -> None:
        if claim.kind in DASHBOARD_KINDS:
            self.dashboards.deliver(claim, report)
            return
        prepared = self._prepare(claim, report)
        if prepared is None:
            return
        slack_id, channel, notice = prepared
        if channel is None:
            opened = self.notifier.open_dm(slack_id)
            if not isinstance(opened, str):
                self._record(claim, opened, report)
                return
            channel = opened
            self._remember_dm(slack_id, channel)
        if not self._wait_for_token(claim, PostTarget(channel)):
            report.lost += 1
            return
        outcome = self.notifier.post(channel, notice, claim.dedupe_key)
        crashpoint("after_post")
        self._record(claim, outcome, report)

    def _prepare(
        self, claim: Claim, report: DispatchReport
    ) -> tuple[str, str | None, Notice] | None:
        with self.db.unit_of_work() as session:
            delivery = self._renew(session, claim)
            if delivery is None:
                report.lost += 1
                return None
            recipient = session.get(Person, delivery.recipient_id)
            notice = (
                None
                if recipient is None
                else compose(
                    session, delivery, recipient, now=self.clock.now(), ruleset=self.ruleset
                )
            )
            if recipient is None or notice is None:
                delivery.state = DeliveryState.CANCELLED
                delivery.claim_token = None
                delivery.updated_at = self.clock.now()
                report.cancelled += 1
                return None
            # Planned for a good hour, but a sweep may come late (downtime, a retry): the
            # recipient's window is checked again now.
            now = self.clock.now()
            allowed = next_allowed(now, window_of(recipient), self.ruleset.reminders.send_hour * 60)
            if allowed > now:
                self._hold(delivery, allowed, report)
                return None
            return recipient.slack_user_id, recipient.dm_channel_id, notice

    def _hold(self, delivery: Delivery, until: datetime, report: DispatchReport) -> None:
        """Back to the queue until `until`, not counted as an attempt; or expired (and counted)
        when that is past the row's expiry."""
        delivery.claim_token = None
        delivery.lease_until = None
        delivery.attempts -= 1
        delivery.updated_at = self.clock.now()
        if delivery.expires_at is not None and until >= delivery.expires_at:
            delivery.state = DeliveryState.EXPIRED
            report.expired += 1
        else:
            delivery.state, delivery.due_at = DeliveryState.PENDING, until
            report.held += 1

    def _remember_dm(self, slack_id: str, channel: str) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(Person).where(Person.slack_user_id == slack_id).values(dm_channel_id=channel)
            )

    def _wait_for_token(self, claim: Claim, post_to: PostTarget) -> bool:
        """Wait for the shared send rate, then renew the lease so the post happens inside it,
        and store where the post goes."""
        patience = time.monotonic() + self.config.lease_seconds / 2
        while True:
            if self.stop_requested():
                raise Stopping  # before the post: the claim goes back unsent
            try:
                wait = self._take_token()
            except DBAPIError as exc:
                # The bucket is every instance's: a lock timeout here means its holder is
                # stuck, and the server ends a stuck transaction soon (idle timeout).
                if contention(exc) is None or time.monotonic() > patience:
                    raise
                log.warning("send-rate bucket busy (%s); waiting", contention(exc))
                wait = 1.0
            if wait <= 0:
                break
            self.sleep(min(wait, 5.0))
        with self.db.unit_of_work() as session:
            return self._renew(session, claim, post_to=post_to) is not None

    def _put_back(
        self, claims: list[Claim], report: DispatchReport, reason: str, *, stopping: bool = False
    ) -> None:
        """Unsent claims back to the queue at once, not counted as attempts."""
        now = self.clock.now()
        try:
            with self.db.unit_of_work() as session:
                result = session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id.in_([c.id for c in claims]),
                        Delivery.claim_token == claims[0].token,
                        Delivery.state == DeliveryState.CLAIMED,
                    )
                    .values(
                        state=DeliveryState.RETRY_WAIT,
                        next_attempt_at=now,
                        claim_token=None,
                        lease_until=None,
                        attempts=Delivery.attempts - 1,
                        last_error=f"put back: {reason}"[:200],
                        updated_at=now,
                    )
                )
            count = int(getattr(result, "rowcount", 0) or 0)
            if stopping:
                report.released += count
            else:
                report.put_back += count
        except DBAPIError as exc:
            if contention(exc) is None:
                raise
            log.warning("claims left to their leases: %s", contention(exc))

    def _take_token(self) -> float:
        with self.db.unit_of_work() as session:
            wait = ratelimit.take(
                session,
                name=ratelimit.SLACK_POSTS,
                rate=self.config.send_rate,
                burst=self.config.burst,
                wall=self.wall.now(),
            )
            crashpoint("holding_rate_bucket")
            return wait

    def _cancel(self, claim: Claim, report: DispatchReport, reason: str) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == claim.id, Delivery.claim_token == claim.token)
                .values(
                    state=DeliveryState.CANCELLED,
                    claim_token=None,
                    lease_until=None,
                    last_error=reason[:200],
                    updated_at=self.clock.now(),
                )
            )
        report.cancelled += 1

    def _record(
        self,
        claim: Claim,
        outcome: Outcome,
        report: DispatchReport,
        *,
        on_sent: Callable[[Session, Sent], None] | None = None,
    ) -> None:
        now = self.clock.now()
        values = self._outcome_values(outcome, now)
        if isinstance(outcome, WorkspaceDown):
            report.paused = True
        try:
            with self.db.unit_of_work() as session:
                result = session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id == claim.id,
                        Delivery.claim_token == claim.token,
                        Delivery.state == DeliveryState.CLAIMED,
                    )
                    .values(**values)
                )
                recorded = bool(getattr(result, "rowcount", 0))
                if recorded and isinstance(outcome, Sent) and on_sent is not None:
                    on_sent(session, outcome)
                if isinstance(outcome, RetryLater) and "rate" in outcome.reason:
                    ratelimit.block(
                        session,
                        name=ratelimit.SLACK_POSTS,
                        seconds=outcome.after_seconds,
                        wall=self.wall.now(),
                    )
                if isinstance(outcome, WorkspaceDown):
                    self._pause(session, outcome.error, now)
        except DBAPIError as exc:
            reason = contention(exc)
            if reason is None:
                raise
            # Posted or not, the row stays claimed: when its lease runs out the reaper looks
            # for it in Slack, so it is neither lost nor sent twice.
            log.warning("delivery %s: outcome not recorded yet (%s)", claim.id, reason)
            report.unrecorded += 1
            return
        if recorded:
            report.tally(outcome, claim.dedupe_key)
        else:
            log.warning("delivery %s: claim lost before its outcome was recorded", claim.id)
            report.lost += 1

    @staticmethod
    def _outcome_values(outcome: Outcome, now: datetime) -> dict[str, object]:
        values: dict[str, object] = {
            "updated_at": now,
            "claim_token": None,  # a lease token column, not a password  # nosec B105
            "lease_until": None,
        }
        match outcome:
            case Sent():
                values.update(
                    state=DeliveryState.SENT,
                    channel_id=outcome.channel,
                    message_ts=outcome.ts,
                    last_error=None,
                )
            case RetryLater():
                values.update(
                    state=DeliveryState.RETRY_WAIT,
                    last_error=outcome.reason[:200],
                    next_attempt_at=now + timedelta(seconds=outcome.after_seconds),
                )
            case Uncertain():  # where it may have landed was stored before the post
                values.update(state=DeliveryState.UNKNOWN, last_error=outcome.reason[:200])
            case Permanent():
                values.update(state=DeliveryState.FAILED, last_error=outcome.error[:200])
            case WorkspaceDown():
                # Not attempted in any useful sense: back to the queue, and stop everything.
                values.update(
                    state=DeliveryState.PENDING,
                    last_error=outcome.error[:200],
                    attempts=Delivery.attempts - 1,
                )
        return values

    # -- workspace pause -----------------------------------------------------------------

    def _pause(self, session: Session, error: str, now: datetime) -> None:
        # Every instance sending at that moment meets the same refusal: the first one pauses.
        session.execute(
            insert_for(session, WorkspacePause)
            .values(name=WORKSPACE, reason=error[:200], paused_at=now, checked_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        log.critical(
            "Slack refused the app's token (%s): sending is paused for the workspace "
            "until it works again. Admins: reinstall the app or fix SLACK_BOT_TOKEN.",
            error,
        )

    def _paused(self, report: DispatchReport) -> bool:
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            pause = session.get(WorkspacePause, WORKSPACE)
            if pause is None:
                return False
            if now - pause.checked_at < RESUME_CHECK:
                report.paused = True
                return True
            pause.checked_at = now
        if self.notifier.auth_ok():
            with self.db.unit_of_work() as session:
                session.execute(delete(WorkspacePause).where(WorkspacePause.name == WORKSPACE))
            log.warning("Slack accepts the token again: sending resumes")
            return False
        report.paused = True
        return True
