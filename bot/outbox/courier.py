"""The courier protocol: how one kind of ledger row reaches Slack, and the registry of couriers.

The outbox owns every row's life (plan, claim, lease, record, reap) and never looks at a kind;
a courier knows one or more kinds' content and Slack calls, and never touches the ledger's
bookkeeping (states, tokens, leases, attempts). For each row it claims, the outbox calls:

1. `prepare(session, row, now)`, inside the claim's transaction: read what the post needs and
   decide. Returns a `Job` (what to post, and where when already known) or a decision:
   `Cancelled` (its reason went away), `Hold(until)` (not now, for instance quiet hours; not an
   attempt, and expired if `until` is past the row's expiry) or `NotYet(seconds)` (it waits on
   another row, such as a card before its thread lines: tried again once the rest of its batch
   is done, else after `seconds`). The row is read-only here; other tables may be written.
2. `route(job)`, outside any transaction: the Slack look-ups that say where the post goes (open
   a DM, check that a channel is private). Returns the job with its `target`, or a failure.
3. The outbox stores the target on the row and renews the lease (so the reaper knows where to
   look if the process dies during the post) and, for a `paced` job, takes a token from the
   shared send rate.
4. `send(job)`, outside any transaction: the one Slack call that may land. Returns an outcome
   (`bot/outbox/outcomes.py`) or `Cancelled`.
5. `settle(session, job, result, now)`, in the transaction that records the result, and only if the
   claim still held: what else the result changes (a card's message, a person's DM channel).

Reconciliation (the reaper) asks two more of a courier, for a row whose post may have landed
before its outcome was recorded: `find(row)` looks for it in Slack (the ts, None when it is
not there, or None without looking when the action is harmless to repeat) and, when found,
`found(session, row, sent)` does what `settle` would have done.

Adding a kind: a `DeliveryKind` member (bot/vocab.py), one function that builds its dedupe key,
and a courier registered for it (`Couriers.register`) where the sweep builds its couriers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.models import Delivery
from bot.outbox.outcomes import Cancelled, Failure, Outcome, PostTarget, Sent
from bot.vocab import DeliveryKind


@dataclass(frozen=True, kw_only=True)
class Job:
    """What a courier will post. Couriers extend it with their own fields."""

    key: str  # the row's dedupe key: the post carries it, for reconciliation
    target: PostTarget | None = None  # where it goes; None until `route` knows
    paced: bool = True  # takes a token from the workspace-wide send rate


@dataclass(frozen=True)
class Hold:
    """Not now: back to the queue until `until`, not counted as an attempt."""

    until: datetime


@dataclass(frozen=True)
class NotYet:
    """Waits on another row that may go in the same batch; if not, tried after `seconds`."""

    seconds: float


Decision = Cancelled | Hold | NotYet
Result = Outcome | Cancelled


@dataclass(frozen=True)
class Unsettled:
    """A row the reaper is reconciling: what a courier may need to look for its post."""

    id: int
    kind: DeliveryKind
    dedupe_key: str
    channel_id: str | None
    thread_ts: str | None
    created_at: datetime
    mentee_id: int | None
    generation: int | None


J = TypeVar("J", bound=Job)


class Courier(Protocol[J]):
    def prepare(self, session: Session, row: Delivery, now: datetime) -> J | Decision: ...

    def route(self, job: J) -> J | Failure: ...

    def send(self, job: J) -> Result: ...

    def settle(self, session: Session, job: J, result: Result, now: datetime) -> None: ...

    def find(self, row: Unsettled) -> str | Failure | None: ...

    def found(self, session: Session, row: Unsettled, sent: Sent) -> None: ...


class Couriers:
    """The registry: one courier per kind. A dispatcher only claims the kinds registered here."""

    def __init__(self) -> None:
        self._by_kind: dict[DeliveryKind, Courier[Any]] = {}

    def register(self, kinds: Iterable[DeliveryKind], courier: Courier[Any]) -> None:
        """All of these kinds to this courier, or none (a kind already taken is refused)."""
        wanted = [DeliveryKind(kind) for kind in kinds]
        taken = sorted(set(wanted) & set(self._by_kind))
        if taken:
            raise ValueError(f"a courier is already registered for {', '.join(taken)}")
        self._by_kind.update(dict.fromkeys(wanted, courier))

    def __getitem__(self, kind: DeliveryKind) -> Courier[Any]:
        return self._by_kind[kind]

    @property
    def kinds(self) -> list[DeliveryKind]:
        return sorted(self._by_kind)
