"""Text as it enters: control characters are refused the same on both databases, in every
input model, before anything reaches SQL; line breaks stay in prose and fold in one-line fields."""

from __future__ import annotations

import importlib
import io
import json
import logging
import pkgutil
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

import bot
from bot.access import Actor
from bot.db.engine import Database
from bot.errors import InvalidInput
from bot.logs import LogHygiene
from bot.mentees.checkins import CheckInCreate
from bot.mentees.milestones import MilestoneCreate
from bot.models import Mentee
from bot.roster.service import import_roster, parse_roster
from handlers.commands.parse import UsageError, parse

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "roster.json"
CONTROLS = [chr(c) for c in [*range(9), 11, 12, *range(14, 32), 127, *range(128, 160)]]
# Lone surrogates arrive from JSON ("\ud800") and PostgreSQL cannot store them either.
UNSTORABLE = [*CONTROLS, "\ud800", "\udfff"]


# The ruleset is the operator's configuration, read at start and never stored.
NOT_USER_INPUT = {"bot.assessment.ruleset", "bot.assessment.rules", "bot.assessment.season"}


def input_models() -> list[type[BaseModel]]:
    """Every pydantic model in bot/ that takes input from outside (they forbid extra fields)."""
    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        importlib.import_module(module.name)
    found: list[type[BaseModel]] = []
    pending = list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        if (
            model.__module__.startswith("bot.")
            and model.__module__ not in NOT_USER_INPUT
            and model.model_config.get("extra") == "forbid"
        ):
            found.append(model)
    return sorted(set(found), key=lambda m: (m.__module__, m.__name__))


def holds_text(annotation: Any) -> bool:
    """Whether a field takes free text (a Slack id, held to a pattern, is not free text)."""
    if annotation is str:
        return True
    if isinstance(annotation, type):
        return False
    if typing.get_origin(annotation) in (list, dict, tuple, set):
        return False  # lists of ids and the like: their items are checked as their own fields
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        return not any(getattr(m, "pattern", None) for m in metadata) and holds_text(base)
    return any(holds_text(a) for a in typing.get_args(annotation))


TEXT_FIELDS = [
    (model, name)
    for model in input_models()
    for name, field in model.model_fields.items()
    if holds_text(field.annotation) and not any(getattr(m, "pattern", None) for m in field.metadata)
]


def test_the_text_fields_were_found() -> None:
    names = {f"{m.__name__}.{n}" for m, n in TEXT_FIELDS}
    assert {
        "ProfileIn.name",
        "LetterIn.writer",
        "ResearchIn.title",
        "UsceIn.institution",
        "MilestoneCreate.title",
        "CheckInCreate.notes",
        "ProfileFields.notes",
        "Resolution.reason",
        "PersonSettings.tz",
        "MenteeRecord.notes",
        "CheckInEntry.notes",
        "MilestoneEntry.title",
    } <= names


@pytest.mark.parametrize(
    ("model", "name"), TEXT_FIELDS, ids=[f"{m.__name__}.{n}" for m, n in TEXT_FIELDS]
)
@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f", "\x9b", "\ud800"], ids=repr)
def test_every_text_field_refuses_what_cannot_be_stored(
    model: type[BaseModel], name: str, bad: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate({name: f"Dr. Kim{bad}note"})
    problems = [e for e in refused.value.errors() if e["loc"][:1] == (name,)]
    assert problems, refused.value.errors()
    assert "control character" in problems[0]["msg"]
    assert f"U+{ord(bad):04X}" in problems[0]["msg"]


@given(st.text(alphabet=st.sampled_from(UNSTORABLE + list("ab \n\t")), max_size=30))
@settings(max_examples=300, deadline=None)
def test_prose_keeps_line_breaks_and_tabs_and_refuses_the_rest(notes: str) -> None:
    try:
        stored = CheckInCreate.model_validate({"notes": notes}).notes
    except ValidationError:
        assert any(c in notes for c in UNSTORABLE)
        return
    assert not any(c in stored for c in UNSTORABLE)
    assert stored == notes.strip()


def test_one_line_fields_fold_line_breaks_prose_keeps_them() -> None:
    title = MilestoneCreate.model_validate(
        {"title": "Book\tStep 3\r\nretake", "due_on": "2027-01-01"}
    )
    assert title.title == "Book Step 3  retake"
    notes = CheckInCreate.model_validate({"notes": "First line\r\n\tSecond line\rthird"})
    assert notes.notes == "First line\n\tSecond line\nthird"


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f"], ids=repr)
def test_command_text_with_a_control_character_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match=f"control character .U\\+{ord(bad):04X}"):
        parse(f'milestone add "Book{bad}Step 3" 2027-01-15')
    assert parse("checkin <@U12345> fine\nthanks\tall").notes == "fine thanks all"


def test_a_roster_with_a_nul_is_refused_naming_entry_and_field(
    fresh_db: Database, system: Actor
) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["mentees"][1]["name"] = "Tariq\x00Haddad"
    data["mentees"][2]["checkins"][0]["notes"] = "fine\x00"
    with pytest.raises(InvalidInput) as refused:
        import_roster_text(fresh_db, system, json.dumps(data))
    wheres = {p.where: p.message for p in refused.value.problems}
    assert "control character (U+0000)" in wheres["mentees[1].name"]
    assert "control character (U+0000)" in wheres["mentees[2].checkins[0].notes"]
    with fresh_db.read_only() as session:
        assert session.scalar(select(func.count(Mentee.id))) == 0


def import_roster_text(db: Database, system: Actor, text_: str) -> int:
    with db.unit_of_work() as session:
        return import_roster(session, actor=system, roster=parse_roster(text_))


def _failed_insert(db: Database) -> IntegrityError:
    """A NOT NULL violation whose statement carries private values."""
    with pytest.raises(IntegrityError) as failed, db.unit_of_work() as session:
        session.execute(
            text("INSERT INTO app_setting (name, value, updated_at) VALUES (:n, :v, NULL)"),
            {"n": "private-name", "v": "private-notes-about-a-mentee"},
        )
    return failed.value


def test_sql_parameters_never_reach_an_error_message(fresh_db: Database) -> None:
    error = _failed_insert(fresh_db)
    assert "app_setting" in str(error)
    assert "[parameters:" not in str(error)
    assert "SQL parameters hidden" in str(error)


def test_a_logged_database_error_keeps_user_data_out(fresh_db: Database) -> None:
    """On PostgreSQL the server's own DETAIL repeats the failing row: the log withholds the
    error's text on both databases, and keeps the traceback, the class and the SQLSTATE."""
    error = _failed_insert(fresh_db)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("matchpath.test.withheld")
    logger.addHandler(handler)
    handler.addFilter(LogHygiene())
    try:
        logger.error("unexpected error (incident %s)", "abc123", exc_info=error)
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "private-notes-about-a-mentee" not in logged
    assert "private-name" not in logged
    assert "IntegrityError" in logged
    assert "_failed_insert" in logged  # where it happened
    assert "23502" in logged or "SQLITE_CONSTRAINT_NOTNULL" in logged
