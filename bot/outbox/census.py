"""The ledger at a glance, for GET /metrics: its rows by kind and state in one GROUP BY, and the
workspace pause. Read when Prometheus scrapes, never on a command's path."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Delivery, WorkspacePause
from bot.outbox.pause import WORKSPACE
from bot.vocab import DeliveryKind, DeliveryState


@dataclass(frozen=True)
class Census:
    rows: dict[tuple[DeliveryKind, DeliveryState], int]  # every kind and state, 0 included
    paused: bool

    def plus(self, other: Census) -> Census:
        """Two workspaces' ledgers together: their counts added, paused if either is."""
        rows = {key: count + other.rows.get(key, 0) for key, count in self.rows.items()}
        return Census(rows=rows, paused=self.paused or other.paused)


def empty_census() -> Census:
    """No workspace installed yet: every kind and state at 0."""
    return Census(rows=_zeros(), paused=False)


def _zeros() -> dict[tuple[DeliveryKind, DeliveryState], int]:
    return {(kind, state): 0 for kind in DeliveryKind for state in DeliveryState}


def take_census(session: Session) -> Census:
    counted = session.execute(
        select(Delivery.kind, Delivery.state, func.count()).group_by(Delivery.kind, Delivery.state)
    ).all()
    rows = _zeros()
    for kind, state, count in counted:
        rows[(kind, state)] = count
    return Census(rows=rows, paused=session.get(WorkspacePause, WORKSPACE) is not None)
