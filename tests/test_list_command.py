"""`list` and `report` as typed in Slack, and saving the list a mentor was shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor
from bot.applications.models import SavedList
from bot.applications.season_list import list_for_mentee, save_shown_list
from bot.assessment.ruleset import load_ruleset
from bot.errors import AccessDenied
from bot.programmes.files import parse_programmes
from bot.programmes.service import import_programmes
from bot.vocab import Pathway
from handlers.commands.parse import Command, UsageError, parse
from handlers.ids import Sub
from tests.factories import build_programme
from tests.programme_data import EXAMPLE

RULESET = load_ruleset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list <@UMENTEE1>", Command(Sub.LIST, mentee="UMENTEE1")),
        (
            "list <@UMENTEE1|maya> preliminary_surgery",
            Command(Sub.LIST, mentee="UMENTEE1", track=Pathway.PRELIMINARY_SURGERY),
        ),
        (
            "LIST <@UMENTEE1> General-Surgery",
            Command(Sub.LIST, mentee="UMENTEE1", track=Pathway.GENERAL_SURGERY),
        ),
        ("report", Command(Sub.REPORT)),
        ("report 2027", Command(Sub.REPORT, number=2027)),
    ],
)
def test_list_and_report_parse(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("list", "name exactly one person"),
        ("list <@UMENTEE1> <@UMENTEE2>", "name exactly one person"),
        ("list <@UMENTEE1> dermatology", "`dermatology` is not a track; say one of"),
        ("list <@UMENTEE1> pivot extra", "unexpected `extra`"),
        ("list <@UMENTEE1> research_year", "is not a track"),
        ("report 27", "`27` is not a season"),
        ("report ２０２７", "is not a season"),
        ("report 2027 2028", "unexpected `2028`"),
        ("report <@UMENTEE1>", "name nobody"),
    ],
)
def test_list_and_report_usage_errors(text: str, words: str) -> None:
    with pytest.raises(UsageError) as wrong:
        parse(text)
    assert words in str(wrong.value)
    assert wrong.value.sub in (Sub.LIST, Sub.REPORT)


def _import(session: Session, system: Actor, content: bytes) -> int:
    return import_programmes(
        session,
        actor=system,
        rows=parse_programmes(content, "csv"),
        source="programmes.csv",
        content=content,
    ).version


def test_the_list_saved_is_the_one_shown(session: Session, system: Actor) -> None:
    """Newer data imported between showing the list and clicking save changes nothing: the
    button names the version the mentor read."""
    people = build_programme(session, system)
    content = EXAMPLE.read_bytes()
    shown_version = _import(session, system, content)
    shown = list_for_mentee(session, actor=people.mentor, slack_user_id="UMENTEE1", ruleset=RULESET)
    # A newer version where every programme of the mentee's tracks is gone but one.
    lines = content.decode().splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    newer = "".join(lines[: header + 2]).encode()
    assert _import(session, system, newer) == shown_version + 1
    for actor in (people.mentee, people.other_mentor, people.stranger):
        with pytest.raises(AccessDenied):
            save_shown_list(
                session,
                actor=actor,
                slack_user_id="UMENTEE1",
                ruleset=RULESET,
                version=shown_version,
                as_of=shown.as_of,
            )
    saved = save_shown_list(
        session,
        actor=people.mentor,
        slack_user_id="UMENTEE1",
        ruleset=RULESET,
        version=shown_version,
        as_of=shown.as_of,
    )
    assert saved.dataset_version == shown_version
    assert saved.added == sum(len(t.listed) for t in shown.tracks) > 1
    assert session.scalars(select(SavedList.dataset_version)).all() == [shown_version]
