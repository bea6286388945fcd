"""The outbox's smaller promises: keys spelled the same in Python and in SQL, a batch's
reserved tokens never beyond the rate, every kind with its courier, and no import from the
outbox into the packages that plug into it."""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from sqlalchemy import Date, Integer, String, literal, select

from bot.assessment.ruleset import load_ruleset
from bot.db.engine import Database
from bot.outbox.keys import Part, key
from bot.outbox.ratelimit import reserve
from bot.reminders.sweep import couriers_for
from bot.vocab import DeliveryKind, ReminderKind
from handlers.notifier import SlackNotifier

ROOT = Path(__file__).resolve().parents[1]
WALL = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIXTURE = [HealthCheck.function_scoped_fixture]

text_parts = st.text(alphabet="abcxyz:-_>0123456789", max_size=8)
parts = st.lists(
    st.one_of(
        text_parts,
        st.integers(min_value=0, max_value=10**9),
        st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE)
@given(values=parts, as_columns=st.lists(st.booleans(), min_size=6, max_size=6))
def test_a_key_reads_the_same_in_python_and_in_sql(
    shared_db: Database, values: list[str | int | date], as_columns: list[bool]
) -> None:
    """Whether a part is a value or a column, the database spells the key as Python does."""
    sql_parts: list[Part] = []
    for value, column in zip(values, as_columns, strict=False):
        if not column:
            sql_parts.append(value)
        elif isinstance(value, date):  # bound as each database binds a DATE column's value
            sql_parts.append(literal(value, Date))
        elif isinstance(value, int):
            sql_parts.append(literal(value, Integer))
        else:
            sql_parts.append(literal(value, String))
    with shared_db.read_only() as session:
        spelled = session.scalar(select(key(*sql_parts).sql()))
    assert spelled == key(*values).text()


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE)
@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=0.5), st.integers(min_value=1, max_value=30)),
        min_size=1,
        max_size=25,
    ),
    rate=st.sampled_from([5.0, 50.0, 240.0]),
    ahead=st.sampled_from([0.0, 0.2, 1.0]),
)
def test_reserved_slots_never_beat_the_rate(
    shared_db: Database, steps: list[tuple[float, int]], rate: float, ahead: float
) -> None:
    """However batches ask, the moments reserved keep to the bucket: in any stretch of time,
    at most `burst` plus what the rate refills in it."""
    name, burst = f"test-{uuid.uuid4().hex[:12]}", rate
    wall, moments = WALL, []
    for wait, count in steps:
        wall += timedelta(seconds=wait)
        with shared_db.unit_of_work() as session:
            slots = reserve(
                session,
                name=name,
                rate=rate,
                burst=burst,
                wall=wall,
                count=count,
                ahead=ahead,
            )
        assert slots.granted <= count
        assert all(slots.due(i) <= ahead + 1e-6 for i in range(slots.granted))
        start = (wall - WALL).total_seconds()
        moments += [start + slots.due(i) for i in range(slots.granted)]
    moments.sort()
    for i in range(len(moments)):
        for j in range(i, len(moments)):
            assert j - i + 1 <= burst + rate * (moments[j] - moments[i]) + 1e-6


def test_every_kind_has_its_courier() -> None:
    client = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    couriers = couriers_for(SlackNotifier(client), load_ruleset())
    assert couriers.kinds == sorted(DeliveryKind)
    assert {str(k) for k in ReminderKind} <= {str(k) for k in DeliveryKind}


def imports_in(source: str) -> set[str]:
    """Every module a source imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_outbox_imports_none_of_its_couriers() -> None:
    """Reminders and dashboards import the outbox, never the other way round (read from the
    source, so an import inside a function counts too)."""
    files = sorted((ROOT / "bot" / "outbox").glob("*.py"))
    assert len(files) >= 8
    forbidden = ("bot.reminders", "bot.dashboards", "handlers", "sandbox", "slack_sdk")
    wrong: dict[str, Any] = {}
    for path in files:
        bad = sorted(m for m in imports_in(path.read_text()) if m.startswith(forbidden))
        if bad:
            wrong[path.name] = bad
    assert wrong == {}
    # The check itself sees an import made inside a function.
    assert "bot.reminders.sweep" in imports_in("def f():\n    from bot.reminders import sweep\n")
