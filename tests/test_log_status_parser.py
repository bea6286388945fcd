"""`log STATUS [@mentee] "Programme name" [YYYY-MM-DD] [--correction]` and `applications
[@mentee] [page]`: what people type comes back as typed, or as a message naming what is wrong."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.applications.vocab import ApplicationStatus as S
from handlers.commands.parse import Command, UsageError, parse
from handlers.commands.status_words import STATUS_WORDS
from handlers.ids import Sub

SLACK_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A programme's name as someone types it between quotes: any printable text but the quote and
# the backslash (shell-like parsing), "@" (which Slack links) and the smart quotes (read as
# straight ones), with single spaces, not starting like a date.
name_chars = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn", "Zs"),
    blacklist_characters='"\\@“”‘’',
)
names = (
    st.lists(st.text(name_chars, min_size=1, max_size=12), min_size=1, max_size=6)
    .map(" ".join)
    .filter(lambda n: not re.match(r"[0-9]{4}-", n) and n.lower() != "--correction")
    .filter(lambda n: len(n) <= 200)
)
status_words = st.sampled_from(sorted(STATUS_WORDS)).flatmap(
    lambda w: st.sampled_from([w, w.upper(), w.capitalize()])
)
mentions = st.one_of(st.none(), st.from_regex(r"U[A-Z0-9]{4,10}", fullmatch=True))
days = st.one_of(st.none(), st.dates(min_value=date(1000, 1, 1)))


def slack_escaped(text: str) -> str:
    return "".join(SLACK_ESCAPES.get(c, c) for c in text)


@given(status_words, mentions, names, days, st.booleans(), st.randoms())
@settings(max_examples=400, deadline=None)
def test_what_is_typed_comes_back(
    word: str,
    mentee: str | None,
    name: str,
    day: date | None,
    correction: bool,
    order: object,
) -> None:
    parts = [f'"{slack_escaped(name)}"']
    if day is not None:
        parts.append(day.isoformat())
    if mentee is not None:
        parts.insert(0, f"<@{mentee}|someone>")
    if correction:
        parts.insert(0, "--correction")
    command = parse(f"log {word} {' '.join(parts)}")
    assert (command.sub, command.verb) == (Sub.LOG, "status")
    assert command.status is STATUS_WORDS[word.lower()]
    assert command.title == name
    assert command.day == day
    assert command.mentee == mentee
    assert command.correction is correction


@given(
    status_words,
    # At most 18 words of 10: the name stays inside its 200 characters.
    st.lists(st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True), min_size=1, max_size=18),
)
@settings(max_examples=200, deadline=None)
def test_an_unquoted_name_is_its_words(word: str, words: list[str]) -> None:
    command = parse(f"log {word}   {'  '.join(words)}")
    assert command.title == " ".join(words)
    assert command.day is None


anything = st.one_of(
    st.sampled_from(["--correction", "—correction", '"x"', "2026-10-02", "2026-1", "<@U12345>"]),
    st.text(max_size=15),
)


@given(status_words, st.lists(anything, max_size=6))
@settings(max_examples=600, deadline=None)
def test_any_text_after_a_status_is_a_command_or_says_what_is_wrong(
    word: str, rest: list[str]
) -> None:
    try:
        command = parse(f"log {word} {' '.join(rest)}")
    except UsageError as exc:
        assert str(exc)
        assert exc.sub in (Sub.LOG, None)  # None: about the text as a whole
        return
    assert command.status is STATUS_WORDS[word.lower()]
    assert command.title
    assert len(command.title) <= 200


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('log invite "X"', S.INTERVIEW_INVITED),
        ('log invited "X"', S.INTERVIEW_INVITED),
        ('log unmatched "X"', S.NOT_MATCHED),
        ('log not-matched "X"', S.NOT_MATCHED),
        ('log withdrawn "X"', S.WITHDRAWN),
        ('log declined "X"', S.DECLINED),
        ('log Applied "X"', S.APPLIED),
    ],
)
def test_the_mentors_words(text: str, status: S) -> None:
    assert parse(text).status is status


def test_a_dash_made_of_the_two_hyphens_still_corrects() -> None:
    for flag in ("--correction", "\u2014correction", "\u2013correction", "--CORRECTION"):
        assert parse(f'log applied "X" {flag}').correction


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('log frobbed <@U12345> "X"', "say what to log: an application's status (planned, applied"),
        ("log invite <@U12345>", 'name the programme: `log invite @mentee "Programme name"`'),
        ('log invite <@U12345> "   "', "name the programme"),
        ("log invite <@U12345> --correction", "name the programme"),
        ('log invite "X" 2026-13-02', "`2026-13-02` is not a date"),
        ('log invite "X" 2026-1-2', "`2026-1-2` is not a date"),
        ('log invite "X" <@U12345> <@U67890>', "one person at most"),
        ('log invite @maya "X"', "mention people with @"),
        (f'log invite "{"x" * 201}"', "at most 200 characters"),
        ('log invite "unclosed', "quote is not closed"),
        ("applications <@U12345> two", "`two` is not a page"),
        ("applications <@U12345> 0", "`0` is not a page"),
        ("applications 1 2", "unexpected `2`"),
    ],
)
def test_bad_input_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=re.escape(words)):
        parse(text)


def test_applications_takes_a_mentee_and_a_page() -> None:
    assert parse("applications") == Command(Sub.APPLICATIONS, number=1)
    assert parse("applications <@U12345> 2") == Command(Sub.APPLICATIONS, mentee="U12345", number=2)
