"""20261202_0007: a card row's generation and a season row's event move from the dedupe key
into columns, filled for the rows already there; the keys stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.db.engine import make_engine
from bot.db.migrate import downgrade, upgrade
from tests.databases import DatabaseFactory

BEFORE = "20261123_0006"
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROWS = [
    ("card:7:g3", "dashboard_card"),
    ("card:7:v12", "dashboard_update"),
    ("dash:7:enrolled", "dashboard_reply"),
    ("season:2027:eras_opens:p4", "season"),
    ("ms:5:v1:due0:p4", "milestone_due"),
]


def test_generation_and_event_filled_from_the_keys(db_factory: DatabaseFactory) -> None:
    url = db_factory.empty()
    upgrade(url, BEFORE)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for key, kind in ROWS:
                conn.execute(
                    text(
                        "INSERT INTO delivery (dedupe_key, kind, anchor_date, offset_days, state,"
                        " attempts, created_at, updated_at) VALUES (:key, :kind, :day, 0,"
                        " 'pending', 0, :at, :at)"
                    ),
                    {"key": key, "kind": kind, "day": AT.date(), "at": AT},
                )
        upgrade(url)
        with engine.connect() as conn:
            got = {
                key: (generation, event)
                for key, generation, event in conn.execute(
                    text("SELECT dedupe_key, generation, event FROM delivery")
                )
            }
        assert got == {
            "card:7:g3": (3, None),
            "card:7:v12": (None, None),
            "dash:7:enrolled": (None, None),
            "season:2027:eras_opens:p4": (None, "eras_opens"),
            "ms:5:v1:due0:p4": (None, None),
        }
        downgrade(url, BEFORE)
        with engine.connect() as conn:
            keys = set(conn.execute(text("SELECT dedupe_key FROM delivery")).scalars())
        assert keys == {key for key, _ in ROWS}
    finally:
        engine.dispose()
