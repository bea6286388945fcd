"""Bad input, generated: modal submissions, button values and private_metadata (tampered and
oversized), roster imports and profile files. Every input ends in a clear refusal or a valid
result; none raises anything else, and a refused import writes nothing."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.db.base import Base
from bot.errors import InvalidInput
from bot.flags.service import Resolution
from bot.mentees.checkins import CheckInCreate
from bot.mentees.dto import ProfileFields
from bot.people import PersonSettings
from bot.roster.schema import MenteeRecord
from bot.roster.service import import_roster, parse_roster
from handlers.blocks.forms import Form
from handlers.blocks.modals import (
    CHECKIN_FORM,
    ITEM_FORMS,
    PROFILE_FORM,
    RESOLVE_FORM,
    SETTINGS_FORM,
    FormErrors,
    parse_form,
)
from handlers.ids import INPUT
from handlers.payloads import (
    FlagRef,
    ItemForm,
    MenteeRef,
    MilestoneRef,
    Origin,
    ProfileForm,
    load_state,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "examples" / "roster.json").read_text())
FORMS: list[tuple[str, Form, type[BaseModel]]] = [
    ("profile", PROFILE_FORM, ProfileFields),
    ("checkin", CHECKIN_FORM, CheckInCreate),
    ("settings", SETTINGS_FORM, PersonSettings),
    ("resolve", RESOLVE_FORM, Resolution),
    *[(kind, form, model) for kind, (form, model, _) in ITEM_FORMS.items()],
]
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=50),
    st.text(min_size=3000, max_size=5000),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text()),
)
words = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "236",
            "-5",
            "400",
            "2026-02-30",
            "1999-01-01",
            "UTC",
            "Mars/Olympus",
            "20:00",
            "25:61",
            "step2ck",
            "non_us_img",
            "j1",
            "pivot",
            "strong",
            "us",
            "first_author",
            "pass",
            "",
        ]
    ),
)


def element(kind: str) -> st.SearchStrategy[Any]:
    option = st.fixed_dictionaries({"value": words})
    shapes = {
        "text": st.fixed_dictionaries({"value": words}),
        "long_text": st.fixed_dictionaries({"value": words}),
        "number": st.fixed_dictionaries({"value": words}),
        "select": st.fixed_dictionaries({"selected_option": st.one_of(st.none(), option)}),
        "multi": st.fixed_dictionaries({"selected_options": st.lists(option, max_size=4)}),
        "checks": st.fixed_dictionaries({"selected_options": st.lists(option, max_size=4)}),
        "date": st.fixed_dictionaries({"selected_date": words}),
        "time": st.fixed_dictionaries({"selected_time": words}),
    }
    return st.one_of(shapes[kind], junk)


@st.composite
def submissions(draw: st.DrawFn) -> tuple[str, Form, type[BaseModel], dict[str, Any]]:
    name, form, model = draw(st.sampled_from(FORMS))
    values: dict[str, Any] = {}
    for f in form.fields:
        if draw(st.booleans()) or not f.optional:
            state = draw(element(f.kind))
            values[f.name] = {INPUT: state} if draw(st.integers(0, 9)) else state
    return name, form, model, values


@given(submissions())
@settings(max_examples=3000, deadline=None)
def test_modal_submissions(case: tuple[str, Form, type[BaseModel], dict[str, Any]]) -> None:
    _, form, model, values = case
    blocks = {f.name for f in form.fields}
    try:
        parsed = parse_form(form, model, values)
    except FormErrors as refused:
        assert refused.errors
        assert set(refused.errors) <= blocks, "an error must sit beside a field of the form"
        assert all(0 < len(text) <= 150 for text in refused.errors.values())
    except (AttributeError, TypeError) as bug:  # pragma: no cover - the failure we look for
        raise AssertionError(f"unhandled {type(bug).__name__}: {bug}") from bug
    else:
        assert isinstance(parsed, model)


STATES = [MenteeRef, ItemForm, ProfileForm, MilestoneRef, FlagRef, Origin]
raw_state = st.one_of(
    st.text(max_size=200),
    st.text(min_size=2001, max_size=4000),
    st.builds(json.dumps, junk),
    st.builds(
        lambda d: json.dumps(d),
        st.dictionaries(
            st.sampled_from(
                [
                    "mentee",
                    "kind",
                    "channel",
                    "milestone",
                    "flag",
                    "enroll",
                    "mentors",
                    "admin",
                    "x",
                ]
            ),
            st.one_of(junk, st.sampled_from(["U12345", "UADMIN01", "C0GENERAL", "exam", "-1"])),
            max_size=5,
        ),
    ),
)


@given(st.sampled_from(STATES), raw_state)
@settings(max_examples=3000, deadline=None)
def test_button_values_and_metadata(model: type[Any], raw: str) -> None:
    try:
        state = load_state(model, raw)
    except InvalidInput as refused:
        assert "out of date" in str(refused)
    else:
        assert isinstance(state, model)
        assert len(state.dump()) <= 2000


def _mutate(data: Any, path: list[int], value: Any, delete: bool) -> Any:
    """Replace (or delete) the node a path of indexes leads to."""
    if not path or not isinstance(data, dict | list) or not data:
        return value
    keys = list(data.keys()) if isinstance(data, dict) else list(range(len(data)))
    key = keys[path[0] % len(keys)]
    if len(path) == 1 and delete:
        if isinstance(data, dict):
            del data[key]
        else:
            data.pop(key)
        return data
    data[key] = _mutate(data[key], path[1:], value, delete)
    return data


mutations = st.lists(
    st.tuples(st.lists(st.integers(0, 40), min_size=1, max_size=6), junk, st.booleans()),
    min_size=1,
    max_size=4,
)


def _counts(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
    }


@given(mutations)
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_roster_imports_are_all_or_nothing(
    session: Session, system: Actor, changes: list[tuple[list[int], Any, bool]]
) -> None:
    data = copy.deepcopy(EXAMPLE)
    for path, value, delete in changes:
        data = _mutate(data, path, value, delete)
    text = json.dumps(data)
    before = _counts(session)
    try:
        # A savepoint stands in for the unit of work: if the import committed anything part
        # way, rolling back to it could not undo that.
        with session.begin_nested():
            import_roster(session, actor=system, roster=parse_roster(text))
            session.flush()
            raise _Imported
    except InvalidInput as refused:
        assert refused.problems
    except _Imported:
        pass
    assert _counts(session) == before, "a refused or rolled-back import left rows behind"


class _Imported(Exception):
    """The import succeeded; roll it back so the next example starts from the same data."""


@given(mutations)
@settings(max_examples=1500, deadline=None)
def test_profile_files(changes: list[tuple[list[int], Any, bool]]) -> None:
    data: Any = copy.deepcopy(EXAMPLE["mentees"][1])
    for path, value, delete in changes:
        data = _mutate(data, path, value, delete)
    try:
        record = MenteeRecord.model_validate_json(json.dumps(data))
    except ValidationError as refused:
        assert InvalidInput.from_validation(refused).problems
        return
    result = assess(record.profile(), ruleset=load_ruleset(), as_of=date(2026, 11, 22))
    assert len(result.pathways) == 7
