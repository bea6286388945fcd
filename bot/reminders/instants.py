"""Send instants as a table the planner and the scheduler join, so that no row is scheduled one
by one.

A reminder's send instant depends only on its local day, its recipient's window (zone, quiet
hours, weekends) and, for its expiry, its kind. Many thousands of rows share a few hundred such
(day, window) pairs: each is computed once, here in Python (`bot/reminders/timing.py`: DST,
quiet hours and weekends), written to a temporary table of this transaction, and joined, so
that the planner inserts each row with its instants already set and the scheduler updates the
rest in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.expression import ColumnElement

from bot.assessment.ruleset import Ruleset
from bot.db.base import UTCDateTime
from bot.db.engine import with_temporary_tables
from bot.db.scope import TEMPORARY
from bot.db.sqldates import add_days
from bot.models import Delivery, Person
from bot.reminders.timing import SendWindow, next_allowed, send_instant
from bot.vocab import ReminderKind

DEFAULT_EXPIRY_DAYS = 3  # kinds outside the reminder table keep their own
OTHER = "other"  # the expiry column of any kind the ruleset has no expiry for
PROBE_FROM = 1_000  # ledger rows from which PostgreSQL probes planned keys (`worth_probing`)
FILLED_FOR = "reminders.send_instant"  # session.info: for whom, in which transaction


def _expires(kind: str) -> str:
    return f"expires_{kind}"


# One row per (local day, window); its due instant, and its expiry for each kind. Temporary:
# private to the connection, emptied at commit on PostgreSQL (and filled afresh by every use).
SEND_INSTANT = Table(
    "send_instant",
    MetaData(),
    Column("day", Date, primary_key=True),
    Column("tz", String(64), primary_key=True),
    Column("quiet_start", Integer, primary_key=True),
    Column("quiet_end", Integer, primary_key=True),
    Column("quiet_weekends", Boolean, primary_key=True),
    Column("due_at", UTCDateTime(), nullable=False),
    *(Column(_expires(k), UTCDateTime(), nullable=False) for k in [*ReminderKind, OTHER]),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
    schema=TEMPORARY,
)

Window = tuple[str, int, int, bool]


def zone_of(person: Any) -> ColumnElement[str]:
    """A person's zone as `Person.effective_tz` says it (their own choice first), in SQL."""
    return func.coalesce(
        func.nullif(person.tz_override, ""), func.nullif(person.tz, ""), literal("UTC")
    )


def window_columns(person: Any) -> list[ColumnElement[Any]]:
    return [
        zone_of(person),
        person.quiet_start_minute,
        person.quiet_end_minute,
        person.quiet_weekends,
    ]


def matches(person: Any, day: ColumnElement[Any]) -> ColumnElement[bool]:
    """The join condition: the instants row of this day in this person's window."""
    si = SEND_INSTANT.c
    return and_(
        si.day == day,
        si.tz == zone_of(person),
        si.quiet_start == person.quiet_start_minute,
        si.quiet_end == person.quiet_end_minute,
        si.quiet_weekends == person.quiet_weekends,
    )


def local_day(anchor: Any, offset: Any) -> ColumnElement[date]:
    return add_days(anchor, offset)


@dataclass(frozen=True)
class Planned:
    """What the ledger held before a plan, as the plan leaves it out of its candidates: looked
    up row by row in the unique index (`probe`), or, on PostgreSQL below PROBE_FROM rows, as
    the list of those rows' keys (`worth_probing`)."""

    probe: bool
    keys: tuple[str, ...] = ()


def with_instants(candidates: Select[Any], kind: str, *, planned: Planned) -> Select[Any]:
    """The planner's candidate rows with their `due_at` and `expires_at` from the instants
    table (None where it has no row for them: the scheduler sets those), leaving out the rows
    planned already before joining anything to them, so that a limit on the rows counts only
    new ones.

    With `probe`, the key is looked up row by row in the ledger's unique index (a scalar
    subquery, which both databases run as one index probe per candidate): PostgreSQL would
    otherwise turn a NOT EXISTS into an anti-join over the whole ledger."""
    c = candidates.subquery("candidate")
    recipient = Person.__table__.alias("recipient_person")
    query = select(
        *c.c,
        SEND_INSTANT.c.due_at.label("due_at"),
        expires_column(kind).label("expires_at"),
    ).select_from(
        c.join(recipient, recipient.c.id == c.c.recipient_id).outerjoin(
            SEND_INSTANT, matches(recipient.c, local_day(c.c.anchor_date, c.c.offset_days))
        )
    )
    if not planned.probe:
        return query.where(c.c.dedupe_key.not_in(planned.keys)) if planned.keys else query
    ledger = Delivery.__table__.alias("planned")
    already = (
        select(literal(1)).where(ledger.c.dedupe_key == c.c.dedupe_key).limit(1).scalar_subquery()
    )
    return query.where(already.is_(None))


def worth_probing(session: Session) -> Planned:
    """How a plan skips what the ledger holds: always by probing on SQLite (an index probe);
    on PostgreSQL only once the ledger holds PROBE_FROM rows, and below that by the list of
    their keys (one statement, a few hundred keys at most). Below it the planner, seeing a
    ledger of a few pages (or the statistics of an empty one, right after an import), would
    scan the table for each candidate instead of probing its index, while the statement
    itself grows it: 1.9 s of a first sweep's 2.5 s first statement at 100,000 mentees,
    quadratic in the mentees."""
    if session.get_bind().dialect.name == "sqlite":
        return Planned(probe=True)
    keys = tuple(session.scalars(select(Delivery.dedupe_key).limit(PROBE_FROM)))
    return Planned(probe=len(keys) >= PROBE_FROM, keys=() if len(keys) >= PROBE_FROM else keys)


def expires_column(kind: str) -> ColumnElement[Any]:
    name = _expires(kind)
    return SEND_INSTANT.c[name if name in SEND_INSTANT.c else _expires(OTHER)]


def every_window(session: Session) -> list[Window]:
    """Every window someone has (one statement; a few dozen rows for any programme)."""
    rows = session.execute(select(*window_columns(Person)).distinct()).all()
    return [(tz, start, end, bool(weekends)) for tz, start, end, weekends in rows]


def fill(
    session: Session,
    pairs: Iterable[tuple[date, Window]],
    *,
    now: datetime,
    ruleset: Ruleset,
    label: str,
) -> int:
    """(Re)fill this transaction's instants table with these (day, window) pairs; `label` says
    for whom, so that a caller fills it once per transaction (`filled`)."""
    rules = ruleset.reminders
    send_minute = rules.send_hour * 60
    expiry = {str(kind): timedelta(days=days) for kind, days in rules.expiry_days.items()}
    expiries = {
        _expires(kind): expiry.get(kind, timedelta(days=DEFAULT_EXPIRY_DAYS))
        for kind in [*ReminderKind, OTHER]
    }
    catch_up: dict[SendWindow, datetime] = {}
    rows = []
    for day, (tz, start, end, weekends) in set(pairs):
        window = SendWindow(tz, start, end, weekends)
        planned = send_instant(day, window, send_minute)
        if planned >= now:
            due = planned
        else:  # late: at the next moment the window allows (the same for every late day)
            if window not in catch_up:
                catch_up[window] = next_allowed(now, window, send_minute)
            due = catch_up[window]
        row: dict[str, Any] = {
            "day": day,
            "tz": tz,
            "quiet_start": start,
            "quiet_end": end,
            "quiet_weekends": weekends,
            "due_at": due,
        }
        row.update({name: planned + after for name, after in expiries.items()})
        rows.append(row)
    with_temporary_tables(session)
    session.execute(CreateTable(SEND_INSTANT, if_not_exists=True))
    session.execute(delete(SEND_INSTANT))
    if rows:
        session.execute(insert(SEND_INSTANT), rows)
    session.info[FILLED_FOR] = (label, session.get_transaction())
    return len(rows)


def filled(session: Session, label: str) -> bool:
    """Whether this transaction's table holds what `fill` put there for `label`: a session
    outlives its transactions, and PostgreSQL empties the table at each commit."""
    return session.info.get(FILLED_FOR) == (label, session.get_transaction())
