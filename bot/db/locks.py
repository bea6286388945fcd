"""Steps that one instance at a time should do: a PostgreSQL advisory lock, tried (never waited
for) and held until the transaction ends, so a crash or a killed session lets it go.

Planning is such a step: it is set-based and idempotent, so two instances planning at once only
do the same work twice, and their inserts of the same rows in different orders can deadlock.
Pruning is another: two instances deleting the same old rows would only wait on each other.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

PLANNING = 0x4D50_504C  # any fixed number, the same in every instance ("MPPL")
PRUNING = 0x4D50_5052  # deleting what is past its retention (bot/retention.py) ("MPPR")


def try_step_lock(session: Session, key: int) -> bool:
    """Whether this transaction now holds the step's lock; False if another one does."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: every write transaction has the database to itself
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))
