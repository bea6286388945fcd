"""The `/matchpath` parser: every input gives a command or a usage error, never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.commands.parse import LOG_KINDS, Command, UsageError, parse
from handlers.ids import Sub

mentions = st.from_regex(r"<@U[A-Z0-9]{4,10}(\|[a-z .]{0,12})?>", fullmatch=True)
# Characters `str.isdigit()` accepts but `int()` refuses (superscripts, circled digits), digits
# `int()` accepts but nobody types in a score (fullwidth, Arabic-Indic, Devanagari), and dates at
# and beyond the ends of what each field allows.
ODD_DIGITS = "²³¹⁰⁹①②⑨０１２９٠١٢٩०१२"
odd_numbers = st.text(alphabet=ODD_DIGITS + "0123456789", min_size=1, max_size=4)
extreme_dates = st.one_of(
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "1949-12-31",
            "1989-12-31",
            "2101-01-01",
            "20261002",
            "2026-W40-1",
            "２０２６-10-02",
            "2026-1０-02",
        ]
    ),
    st.dates().map(date.isoformat),
)
words = st.one_of(
    st.sampled_from(
        [s.value for s in Sub]
        + list(LOG_KINDS)
        + [
            "step2ck",
            "236",
            "2026-10-02",
            "attempt",
            "2",
            '"title"',
            "add",
            "done",
            "list",
            "pass",
            "NBME",
            "channel",
            "<#C123|x>",
            "@bob",
            "“x”",
        ]
    ),
    mentions,
    st.text(max_size=12),
    odd_numbers,
    extreme_dates,
)
# Commands shaped like real ones, with a number or a date from the odd alphabets in each slot.
SHAPES = [
    "milestone done {n}",
    "milestone drop {n}",
    "log exam step2ck {n} {d}",
    "log exam step1 pass {d} attempt {n}",
    "log practice step2ck {n} {d} NBME",
    'milestone add "Book Step 3" {d}',
]
shaped = st.builds(
    lambda shape, n, d: shape.format(n=n, d=d), st.sampled_from(SHAPES), odd_numbers, extreme_dates
)
texts = st.one_of(st.lists(words, max_size=8).map(" ".join), shaped)


@given(texts)
@settings(max_examples=1500, deadline=None)
def test_parse_is_total(text: str) -> None:
    result = _outcome(text)
    if isinstance(result, UsageError):
        assert str(result), "a usage error must say what is wrong"
        return
    assert result.sub in Sub
    if result.mentee is not None:
        assert result.mentee[:1] in "UW"


def _outcome(text: str) -> Command | UsageError:
    try:
        return parse(text)
    except UsageError as exc:
        return exc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (Sub.HELP, None)),
        ("ASSESS <@U12345|maya>", (Sub.ASSESS, "U12345")),
        ("log exam <@U12345> step2ck 236 2026-10-02", (Sub.LOG, "U12345")),
        ("milestone add “Book Step 3” 2027-01-15", (Sub.MILESTONE, None)),
        ('checkin <@U12345> didn\'t sleep; "stressed"', (Sub.CHECKIN, "U12345")),
    ],
)
def test_parses(text: str, expected: tuple[Sub, str | None]) -> None:
    command = parse(text)
    assert (command.sub, command.mentee) == expected


def test_inline_values() -> None:
    command = parse("log exam step1 pass 2024-06-01 attempt 2")
    assert command.inline == {
        "exam": "step1",
        "result": "pass",
        "taken_on": date(2024, 6, 1),
        "attempt": 2,
    }
    assert parse('milestone add "Book" 2027-01-15').title == "Book"
    assert parse("checkin <@U12345> didn't go well").notes == "didn't go well"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("frobnicate", "no `frobnicate` subcommand"),
        ("assess @maya", "mention people with @"),
        ("assess <@U12345> <@U67890>", "one person at most"),
        ("log exam step2ck 400 2026-10-02", "score between 1 and 300"),
        ("log exam step9 236 2026-10-02", "not an exam"),
        ("log exam step2ck 236 2026-13-02", "not a date"),
        ("log letter extra words", "opens a form"),
        ('milestone add "unclosed 2027-01-01', "quote is not closed"),
        ("milestone done twelve", "milestone done ID"),
        ("assign <@U12345>", "the mentee, then the mentor"),
        ("x" * 5000, "too long"),
        ("milestone done ²", "milestone done ID"),
        ("milestone drop ０１", "milestone drop ID"),
        ("milestone done ١٢", "milestone done ID"),
        ("log exam step2ck ② 2026-10-02", "score between 1 and 300"),
        ("log exam step2ck ２４１ 2026-10-02", "score between 1 and 300"),
        ("log practice step2ck ²³¹ 2026-10-02", "score between 1 and 300"),
        ("log exam step2ck 241 2026-10-02 attempt ²", "attempt N"),
        ("log exam step2ck 241 ２０２６-10-02", "not a date"),
        ("log exam step2ck 241 20261002", "not a date"),
        ("log exam step2ck 241 2026-W40-1", "not a date"),
    ],
)
def test_usage_errors_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        parse(text)


def test_slack_escaping_is_undone_so_text_is_stored_as_typed() -> None:
    """With `should_escape`, Slack sends "<" as "&lt;", "@channel" as "<!channel>" and a link
    as "<https://…|label>": what is stored is what the person typed, in words."""
    title = parse(
        'milestone add "&lt;b&gt; &amp; co <!channel> <!here> <https://x.example|click me>" '
        "2027-01-15"
    ).title
    assert title == "<b> & co @channel @here click me (https://x.example)"
    notes = parse("checkin <@U12345> R&amp;D &lt;3 <!subteam^S1|@surgeons> <https://y.example>")
    assert notes.notes == "R&D <3 @surgeons https://y.example"
