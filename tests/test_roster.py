"""The JSON roster: export, import into an empty database, export again: identical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.access import Actor
from bot.db.engine import Database
from bot.errors import InvalidInput
from bot.models import Mentee, Person
from bot.roster.service import export_roster, import_roster, parse_roster
from tests.databases import DatabaseFactory

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "roster.json"


def _export(db: Database, system: Actor) -> str:
    with db.unit_of_work() as session:
        return export_roster(session, actor=system).model_dump_json(indent=2)


def _import(db: Database, system: Actor, text: str) -> int:
    with db.unit_of_work() as session:
        return import_roster(session, actor=system, roster=parse_roster(text))


def test_round_trip_is_identical(db_factory: DatabaseFactory, system: Actor) -> None:
    first, second = Database(db_factory.new()), Database(db_factory.new())
    try:
        assert _import(first, system, EXAMPLE.read_text()) == 4
        exported = _export(first, system)
        assert _import(second, system, exported) == 4
        assert _export(second, system) == exported
        data = json.loads(exported)
        tariq = next(m for m in data["mentees"] if m["slack_user_id"] == "UMENTEE02")
        assert tariq["mentors"] == ["UMENTOR02"]
        assert [e["score"] for e in tariq["exams"]] == [213, 230]
        assert tariq["checkins"][0]["at"] == "2026-05-20T09:00:00Z"
    finally:
        first.dispose()
        second.dispose()


def test_bad_roster_is_refused_whole_with_every_problem(fresh_db: Database, system: Actor) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["mentees"][1]["exams"][1]["score"] = 400
    data["mentees"][2]["visa"] = "tourist"
    with pytest.raises(InvalidInput) as refused:
        parse_roster(json.dumps(data))
    wheres = [p.where for p in refused.value.problems]
    assert "mentees[1].exams[1].score" in wheres
    assert "mentees[2].visa" in wheres

    data = json.loads(EXAMPLE.read_text())
    data["mentees"][3]["mentors"] = ["UNKNOWN1"]
    data["mentees"][0]["tz"] = "Mars/Olympus"
    with pytest.raises(InvalidInput) as refused, fresh_db.unit_of_work() as session:
        import_roster(session, actor=system, roster=parse_roster(json.dumps(data)))
    text = str(refused.value)
    assert "mentees[3] (UMENTEE04).mentors: UNKNOWN1 is not in mentors" in text
    assert "mentees[0] (UMENTEE01).tz: 'Mars/Olympus' is not an IANA time zone" in text
    with fresh_db.read_only() as session:
        assert session.scalar(select(func.count(Person.id))) == 0
        assert session.scalar(select(func.count(Mentee.id))) == 0


def test_import_refuses_already_enrolled(fresh_db: Database, system: Actor) -> None:
    _import(fresh_db, system, EXAMPLE.read_text())
    with pytest.raises(InvalidInput, match="already enrolled"):
        _import(fresh_db, system, EXAMPLE.read_text())


def test_a_reimport_names_the_entries_and_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Importing the same roster again: every enrolled entry named, and the way forward."""
    from app.cli import main

    with pytest.MonkeyPatch.context() as env:
        env.setenv("MATCHPATH_DATABASE_URL", f"sqlite:///{tmp_path / 'again.db'}")
        assert main(["import", str(EXAMPLE)]) == 0
        capsys.readouterr()
        assert main(["import", str(EXAMPLE)]) == 2
    refusal = capsys.readouterr().err
    for n, slack_id in enumerate(["UMENTEE01", "UMENTEE02", "UMENTEE03", "UMENTEE04"]):
        assert f"mentees[{n}] ({slack_id}): already enrolled" in refusal
    assert "4 entries are already enrolled" in refusal
    assert "remove them from the file and import again" in refusal
    assert "/matchpath profile @name" in refusal
    assert "import --update" in refusal
    assert "Traceback" not in refusal


def test_export_one_mentee(fresh_db: Database, system: Actor) -> None:
    _import(fresh_db, system, EXAMPLE.read_text())
    with fresh_db.unit_of_work() as session:
        roster = export_roster(session, actor=system, mentee_slack_id="UMENTEE03")
    assert [m.slack_user_id for m in roster.mentees] == ["UMENTEE03"]
    assert [m.slack_user_id for m in roster.mentors] == ["UMENTOR02"]
