"""ids never reused; people forgotten before this revision pseudonymised in the audit

Revision ID: 20261123_0006
Revises: 20261122_0005
Create Date: 2026-11-23 09:00:00

SQLite hands a deleted row's id to the next insert unless the table is AUTOINCREMENT, so a new
mentee could take the id of one who was forgotten and the audit would mix the two. The tables
whose ids audit rows and ledger keys refer to are rebuilt with AUTOINCREMENT, and each table's
counter starts above every id the audit has seen. PostgreSQL's sequences never reuse an id.

Forgetting now pseudonymises the person's audit rows (bot/access.py `pseudonymise_audit`); the
same is done here for every `mentee.forgotten` row written before, and the Slack id that admin
actions kept in `detail.subject` moves to `subject_slack_id` where forgetting can find it.
An index on `audit_event.subject_slack_id` lets forgetting find a person's rows without a scan.
A downgrade rebuilds the tables without AUTOINCREMENT; the audit rows stay pseudonymised.
"""

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '20261123_0006'
down_revision: str | None = '20261122_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("person", "mentee", "milestone", "flag", "audit_event")
# Highest ids the audit has recorded for rows that may be gone now.
SEEN_IN_AUDIT = {
    "mentee": "SELECT max(mentee_id) FROM audit_event",
    "milestone": "SELECT max(CAST(json_extract(detail, '$.milestone') AS INTEGER)) FROM audit_event",
    "flag": "SELECT max(CAST(json_extract(detail, '$.flag') AS INTEGER)) FROM audit_event",
}
ADMIN_ACTIONS = ("mentor.assign", "mentor.unassign", "mentee.forget", "roster.export")
SLACK_ID = re.compile(r"^[UWCG][A-Z0-9]{2,}$")

audit = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("actor_slack_id", sa.String),
    sa.column("mentee_id", sa.Integer),
    sa.column("subject_slack_id", sa.String),
    sa.column("action", sa.String),
    sa.column("detail", sa.JSON),
)
person = sa.table(
    "person",
    sa.column("slack_user_id", sa.String),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # env.py turns foreign keys off around SQLite migrations: dropping the old table would
        # otherwise cascade-delete every row that refers to it.
        for name in TABLES:
            with op.batch_alter_table(
                name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
        for name in TABLES:
            highest = [bind.scalar(sa.text(f"SELECT max(id) FROM {name}"))]  # noqa: S608
            if name in SEEN_IN_AUDIT:
                highest.append(bind.scalar(sa.text(SEEN_IN_AUDIT[name])))
            top = max((n for n in highest if n is not None), default=0)
            bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": name})
            bind.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"),
                {"t": name, "n": top},
            )
    op.create_index('ix_audit_event_subject', 'audit_event', ['subject_slack_id', 'at'])
    _move_admin_subjects(bind)
    _pseudonymise_past_forgets(bind)


def _move_admin_subjects(bind: Any) -> None:
    rows = bind.execute(
        sa.select(audit.c.id, audit.c.detail).where(
            audit.c.action.in_(ADMIN_ACTIONS), audit.c.subject_slack_id.is_(None)
        )
    ).all()
    for row_id, detail in rows:
        detail = dict(detail or {})
        subject = detail.pop("subject", None)
        if isinstance(subject, str):
            bind.execute(
                audit.update()
                .where(audit.c.id == row_id)
                .values(subject_slack_id=subject, detail=detail)
            )


def _pseudonymise_past_forgets(bind: Any) -> None:
    forgets = bind.execute(
        sa.select(audit.c.id, audit.c.at, audit.c.mentee_id, audit.c.subject_slack_id)
        .where(audit.c.action == "mentee.forgotten")
        .order_by(audit.c.id)
    ).all()
    for forgotten_id, at, mentee_id, slack_id in forgets:
        if not slack_id or slack_id.startswith("forgotten-"):
            continue
        pseudonym = f"forgotten-{forgotten_id}"
        # Still here as a mentor or admin since before the forget: their own actions stay theirs.
        kept = bind.scalar(
            sa.select(sa.func.count())
            .select_from(person)
            .where(person.c.slack_user_id == slack_id, person.c.created_at <= at)
        )
        about = sa.or_(audit.c.mentee_id == mentee_id, audit.c.subject_slack_id == slack_id)
        mine = about if kept else sa.or_(about, audit.c.actor_slack_id == slack_id)
        rows = bind.execute(
            sa.select(
                audit.c.id,
                audit.c.actor_slack_id,
                audit.c.mentee_id,
                audit.c.subject_slack_id,
                audit.c.detail,
            ).where(
                audit.c.at <= at,
                mine,
                sa.or_(
                    audit.c.subject_slack_id.is_(None),
                    ~audit.c.subject_slack_id.startswith("forgotten-"),
                ),
            )
        ).all()
        for row_id, actor, row_mentee, subject, detail in rows:
            is_about = row_mentee == mentee_id or subject == slack_id
            bind.execute(
                audit.update()
                .where(audit.c.id == row_id)
                .values(
                    actor_slack_id=pseudonym if actor == slack_id else actor,
                    subject_slack_id=pseudonym if is_about else subject,
                    detail=_scrub(detail or {}, slack_id, pseudonym),
                )
            )


def _scrub(detail: dict[str, Any], slack_id: str, pseudonym: str) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in detail.items():
        if value == slack_id:
            kept[key] = pseudonym
        elif key == "role" or value is None or isinstance(value, bool | int | float):
            kept[key] = value
        elif isinstance(value, str) and SLACK_ID.match(value):
            kept[key] = value
        elif isinstance(value, list) and all(
            isinstance(v, str) and SLACK_ID.match(v) for v in value
        ):
            kept[key] = [pseudonym if v == slack_id else v for v in value]
    return kept


def downgrade() -> None:
    op.drop_index('ix_audit_event_subject', table_name='audit_event')
    if op.get_bind().dialect.name == "sqlite":
        for name in reversed(TABLES):
            with op.batch_alter_table(
                name, recreate="always", table_kwargs={"sqlite_autoincrement": False}
            ):
                pass
