"""Profiles read back in one query: the same items, in each table's order, as a plain query per
table reads them, for any profile and for many mentees at once (across the query's chunks)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.mentees.enrolment import enroll
from bot.models import Mentee
from bot.profile import store
from bot.profile.schema import ProfileIn
from bot.profile.store import ITEM_TABLES, load_profiles
from tests.strategies import profiles


def per_table(session: Session, mentee: Mentee) -> dict[str, list[Any]]:
    """The oracle: each item table on its own, through the ORM, in the table's order."""
    out: dict[str, list[Any]] = {}
    for table in ITEM_TABLES:
        model: Any = table.model
        rows = session.scalars(
            select(model)
            .where(model.mentee_id == mentee.id)
            .order_by(*(getattr(model, name) for name in table.order))
        )
        fields = list(table.item.model_fields)
        out[table.field] = [
            table.item.model_validate({name: getattr(row, name) for name in fields}) for row in rows
        ]
    return out


def enrolled(session: Session, system: Actor, user: str, profile: ProfileIn) -> Mentee:
    read = enroll(session, actor=system, slack_user_id=user, profile=profile)
    mentee = session.get(Mentee, read.id)
    assert mentee is not None
    return mentee


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=profiles(), second=profiles())
def test_one_query_reads_what_each_table_holds(
    session: Session, system: Actor, first: ProfileIn, second: ProfileIn
) -> None:
    nested = session.begin_nested()
    try:
        mentees = [
            enrolled(session, system, "UPROFILE1", first),
            enrolled(session, system, "UPROFILE2", second),
        ]
        session.flush()
        loaded = load_profiles(session, mentees)
        for mentee, given_profile in zip(mentees, (first, second), strict=True):
            expected = per_table(session, mentee)
            got = loaded[mentee.id]
            for table in ITEM_TABLES:
                assert getattr(got, table.field) == expected[table.field], table.field
                # and nothing lost or invented on the way in and out
                assert sorted(map(repr, getattr(got, table.field))) == sorted(
                    map(repr, getattr(given_profile, table.field))
                )
            assert got.applicant_type == given_profile.applicant_type
            assert got.targets == given_profile.targets
    finally:
        nested.rollback()


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk=st.integers(1, 3))
def test_many_mentees_across_chunks(
    session: Session, system: Actor, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """More mentees than one query takes: every one gets their own items, none another's."""
    monkeypatch.setattr(store, "CHUNK", chunk)
    nested = session.begin_nested()
    try:
        mentees = []
        for n in range(7):
            profile = ProfileIn(
                name=f"Chunked {n}",
                applicant_type="non_us_img",
                exams=[{"exam": "step1", "score": 200 + n, "taken_on": "2022-01-03"}],
                letters=[
                    {
                        "writer": f"Dr. {m}",
                        "specialty": "general_surgery",
                        "us": True,
                        "strong": m % 2 == 0,
                        "received_on": f"2024-0{m + 1}-01",
                    }
                    for m in range(n % 3)
                ],
            )
            mentees.append(enrolled(session, system, f"UCHUNK{n}", profile))
        session.flush()
        loaded = load_profiles(session, mentees)
        for n, mentee in enumerate(mentees):
            assert [e.score for e in loaded[mentee.id].exams] == [200 + n]
            assert [x.writer for x in loaded[mentee.id].letters] == [
                f"Dr. {m}" for m in range(n % 3)
            ]
    finally:
        nested.rollback()
