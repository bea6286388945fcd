"""Domain events travel with the unit of work: services `emit` them into their session, and
they are published to the subscribers inside the same transaction, just before it commits.

Why before commit, in the same session (and not at once, nor after the commit):
- what a subscriber writes (the dashboards' ledger rows) commits or rolls back with what the
  service wrote: no line about a change that never happened, no change without its line, and
  no second transaction per request;
- a service that fails half-way raises, the unit of work rolls back, and its events are
  dropped unpublished (`after_transaction_end` of the outermost transaction);
- every event of a transaction reaches a subscriber in one batch, in the order emitted, so a
  subscriber can do its work once per transaction rather than once per event.
The hook is SQLAlchemy's `before_commit` session event, which runs before the commit's final
flush. It is not `before_flush`: that one does not fire when the session has nothing left to
flush (a service that flushed and then emitted), and it would run the subscribers' own queries
in the middle of a flush. Code that needs the subscribers' work done sooner (a forget, before
the rows they read are deleted) calls `publish` itself.

Subscribers are registered once at start-up by the composition root (see
`bot/subscriptions.py`); this module knows none of them. Emitting events with no subscriber
registered is a wiring mistake and is refused at publish time rather than lost in silence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from bot.events.domain import DomainEvent

Subscriber = Callable[[Session, Sequence[DomainEvent]], None]

PENDING = "matchpath.pending_events"  # the key of the session's events in `Session.info`
MAX_ROUNDS = 10  # a subscriber may emit in turn; a loop between subscribers is a bug

_subscribers: list[Subscriber] = []


class NoSubscribers(RuntimeError):
    """Events were emitted but nothing was wired to receive them."""


def subscribe(subscriber: Subscriber) -> None:
    """Register a subscriber for every event (once; registering it again does nothing)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def subscribers() -> tuple[Subscriber, ...]:
    return tuple(_subscribers)


def emit(session: Session, happened: DomainEvent) -> None:
    """Record that something happened; subscribers see it before the transaction commits."""
    queue: list[DomainEvent] = session.info.setdefault(PENDING, [])
    queue.append(happened)


def pending(session: Session) -> tuple[DomainEvent, ...]:
    """The events emitted in this session's transaction and not published yet."""
    return tuple(session.info.get(PENDING, ()))


def publish(session: Session) -> int:
    """Hand the pending events to every subscriber, in order; returns how many were published."""
    published = 0
    for _ in range(MAX_ROUNDS):
        batch: list[DomainEvent] = session.info.pop(PENDING, [])
        if not batch:
            return published
        if not _subscribers:
            session.info[PENDING] = batch  # dropped with the transaction it belongs to
            raise NoSubscribers(
                f"{len(batch)} domain event(s) emitted with no subscriber registered: the "
                "composition root must call bot.subscriptions.install() at start-up"
            )
        for subscriber in tuple(_subscribers):
            subscriber(session, batch)
        published += len(batch)
    raise RuntimeError(f"domain events still pending after {MAX_ROUNDS} rounds of publishing")


@event.listens_for(Session, "before_commit")
def _publish_before_commit(session: Session) -> None:
    publish(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_with_the_transaction(session: Session, transaction: SessionTransaction) -> None:
    # After a commit nothing is left; after a rollback what is left never happened.
    if transaction.parent is None:
        session.info.pop(PENDING, None)
