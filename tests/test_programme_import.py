"""Programme data in the database: a version per import, all or nothing, unknown kept as NULL,
exported back to the same file; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import Actor
from bot.db.engine import Database
from bot.errors import AccessDenied, InvalidInput, NotFound
from bot.models import AuditEvent
from bot.programmes.files import parse_programmes, render_csv, render_json
from bot.programmes.models import Programme, ProgrammeDataset
from bot.programmes.schema import COLUMNS
from bot.programmes.service import (
    as_input,
    export_programmes,
    import_programmes,
    latest_dataset,
    load_programmes,
)
from bot.programmes.vocab import ProgrammeTrack

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "programmes.csv"


def _import(db: Database, actor: Actor, content: bytes, name: str = "programmes.csv") -> int:
    rows = parse_programmes(content, "csv")
    with db.unit_of_work() as session:
        return import_programmes(
            session, actor=actor, rows=rows, source=name, content=content
        ).version


def _counts(db: Database) -> tuple[int, int]:
    with db.read_only() as session:
        return (
            session.scalar(select(func.count(ProgrammeDataset.id))) or 0,
            session.scalar(select(func.count(Programme.id))) or 0,
        )


def test_each_import_is_a_version_and_exports_back_the_same(
    fresh_db: Database, system: Actor
) -> None:
    content = EXAMPLE.read_bytes()
    parsed = [r.programme for r in parse_programmes(content, "csv")]
    assert _import(fresh_db, system, content) == 1
    assert _import(fresh_db, system, content, "again.csv") == 2
    with fresh_db.unit_of_work() as session:
        first = export_programmes(session, actor=system, version=1)
        latest = export_programmes(session, actor=system)
        assert latest_dataset(session) == latest.dataset
    assert (first.dataset.version, latest.dataset.version) == (1, 2)
    assert latest.dataset.source == "again.csv"
    assert latest.dataset.rows == len(parsed)
    assert latest.dataset.as_of == min(p.as_of for p in parsed)
    rows = [as_input(p) for p in latest.programmes]
    assert rows == parsed  # in the file's order, every fact as it was
    body = EXAMPLE.read_text().split("\n", 3)[3]  # the file without its comment lines
    assert render_csv(rows) == body
    again = parse_programmes(render_json(rows).encode(), "json")
    assert [r.programme for r in again] == parsed
    assert len({p.id for p in first.programmes} | {p.id for p in latest.programmes}) == 2 * len(
        parsed
    )


def test_unknown_facts_are_stored_as_null(fresh_db: Database, system: Actor) -> None:
    content = f"{','.join(COLUMNS)}\nSynthetic A,Synthetic City 1,NY,ty,,,,,,,,,,,s,2026-01-01\n"
    _import(fresh_db, system, content.encode())
    with fresh_db.read_only() as session:
        row = session.execute(
            select(
                Programme.sponsors_j1,
                Programme.sponsors_h1b,
                Programme.img_share,
                Programme.step2_screen,
                Programme.first_attempt_only,
                Programme.max_years_since_graduation,
                Programme.usce_required,
                Programme.setting,
                Programme.positions,
                Programme.unfilled_after_match,
            )
        ).one()
        assert tuple(row) == (None,) * 10
        # NULL, not a JSON null: the database itself says unknown.
        nulls = session.scalar(select(func.count()).where(Programme.unfilled_after_match.is_(None)))
        assert nulls == 1


def test_a_bad_file_writes_nothing(fresh_db: Database, system: Actor) -> None:
    lines = EXAMPLE.read_text().splitlines()
    lines[10] = lines[10].replace(",2026-", ",2062-", 1)  # a typo'd year: as of the future
    content = "\n".join(lines).encode()
    rows = parse_programmes(content, "csv")  # well-formed: the import's own check refuses it
    with pytest.raises(InvalidInput) as refused, fresh_db.unit_of_work() as session:
        import_programmes(session, actor=system, rows=rows, source="x.csv", content=content)
    assert [str(p) for p in refused.value.problems] == [
        f"line 11, as_of: {rows[6].programme.as_of} is in the future"
    ]
    assert _counts(fresh_db) == (0, 0)

    lines = EXAMPLE.read_text().splitlines()
    lines[20] = lines[20].replace("Synthetic", "", 1).replace(",yes,", ",perhaps,", 1)
    with pytest.raises(InvalidInput):
        _import(fresh_db, system, "\n".join(lines).encode())
    assert _counts(fresh_db) == (0, 0)


def test_only_admins_import_and_export(fresh_db: Database, system: Actor) -> None:
    mentor = Actor(slack_user_id="UMENTOR01", person_id=None, is_admin=False, now=system.now)
    content = EXAMPLE.read_bytes()
    rows = parse_programmes(content, "csv")
    with pytest.raises(AccessDenied), fresh_db.unit_of_work() as session:
        import_programmes(session, actor=mentor, rows=rows, source="x.csv", content=content)
    assert _counts(fresh_db) == (0, 0)
    _import(fresh_db, system, content)
    with pytest.raises(AccessDenied), fresh_db.unit_of_work() as session:
        export_programmes(session, actor=mentor)
    with fresh_db.read_only() as session:
        actions = session.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.actor_slack_id).order_by(
                AuditEvent.id
            )
        ).all()
    assert [tuple(a) for a in actions] == [
        ("programmes.import", "denied", "UMENTOR01"),
        ("programmes.import", "ok", "system"),
        ("programmes.export", "denied", "UMENTOR01"),
    ]


def test_loading_a_version_and_some_tracks(fresh_db: Database, system: Actor) -> None:
    with fresh_db.read_only() as session, pytest.raises(NotFound, match="no programme data"):
        load_programmes(session)
    _import(fresh_db, system, EXAMPLE.read_bytes())
    with fresh_db.read_only() as session:
        prelim = load_programmes(session, tracks=[ProgrammeTrack.PRELIMINARY_SURGERY])
        assert prelim.programmes
        assert {p.track for p in prelim.programmes} == {ProgrammeTrack.PRELIMINARY_SURGERY}
        with pytest.raises(NotFound, match="no programme data version 7"):
            load_programmes(session, version=7)


def test_an_import_dated_today_is_accepted(fresh_db: Database, system: Actor) -> None:
    today = system.now.date()
    line = f"Synthetic A,Synthetic City 1,NY,ty,,,,,,,,,,,s,{today}"
    _import(fresh_db, system, f"{','.join(COLUMNS)}\n{line}\n".encode())
    tomorrow = line.replace(str(today), str(today + timedelta(days=1)))
    with pytest.raises(InvalidInput, match="is in the future"):
        _import(fresh_db, system, f"{','.join(COLUMNS)}\n{tomorrow}\n".encode())
    assert _counts(fresh_db) == (1, 1)
