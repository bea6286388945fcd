"""the ledger's ids in columns: a card row's generation, a season row's calendar event

Revision ID: 20261202_0007
Revises: 20261123_0006
Create Date: 2026-12-02 09:00:00

Couriers used to read these two back out of the dedupe key (`card:<mentee>:g<generation>`,
`season:<season>:<event>:p<person>`). They are columns now, filled here from the keys of the
rows already in the ledger; the keys themselves do not change, so nothing planned before is
planned again. The other ids a courier needs (mentee, subject, version, where a post went)
were columns already.
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '20261202_0007'
down_revision: str | None = '20261123_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

delivery = sa.table(
    "delivery",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("dedupe_key", sa.String),
    sa.column("generation", sa.Integer),
    sa.column("event", sa.String),
)
CARD_KEY = re.compile(r"^card:\d+:g(?P<generation>\d+)$")
SEASON_KEY = re.compile(r"^season:\d+:(?P<event>[^:]+):p\d+$")
CHUNK = 1000


def upgrade() -> None:
    op.add_column('delivery', sa.Column('generation', sa.Integer(), nullable=True))
    op.add_column('delivery', sa.Column('event', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    _backfill(bind, "dashboard_card", CARD_KEY, "generation", int)
    _backfill(bind, "season", SEASON_KEY, "event", str)


def _backfill(bind: Any, kind: str, pattern: re.Pattern[str], column: str, cast: Any) -> None:
    rows = bind.execute(
        sa.select(delivery.c.id, delivery.c.dedupe_key).where(delivery.c.kind == kind)
    ).all()
    changes = []
    for row_id, key in rows:
        match = pattern.match(key)
        if match is not None:
            changes.append({"row_id": row_id, "value": cast(match.group(column))})
    statement = (
        delivery.update()
        .where(delivery.c.id == sa.bindparam("row_id"))
        .values({column: sa.bindparam("value")})
    )
    for start in range(0, len(changes), CHUNK):
        bind.execute(statement, changes[start : start + CHUNK])


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('event')
        batch_op.drop_column('generation')
