"""Parse `/matchpath` text into a typed command, or a usage message naming what is wrong."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.applications.vocab import ApplicationStatus
from bot.inputs import unstorable
from bot.vocab import Exam, PassFail, Pathway, PracticeSource
from handlers.commands.status_words import CORRECTION, STATUS_WORDS
from handlers.ids import Sub

MENTION = re.compile(r"<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>")
# Slack's own markup in command text (the app asks for it with `should_escape`): a broadcast or
# group ("@channel" arrives as <!channel>), a link, and &, <, > as entities.
SPECIAL = re.compile(r"<!(\w+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
MAX_TEXT = 4000
# ASCII only: `str.isdigit()` also accepts "²" and "②", which `int()` then refuses, and `int()`
# accepts "٢" and "２", which nobody means in a score.
NUMBER = re.compile(r"[0-9]{1,10}")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DAY_LIKE = re.compile(r"[0-9]{4}-")  # meant as a date: it must be one


def number(word: str) -> int | None:
    """The word as a whole number written in ASCII digits, or None."""
    return int(word) if NUMBER.fullmatch(word) else None


# The routes a programme list can be asked for (the programme file's tracks; pivot: the pivot
# specialties).
LIST_TRACKS = (
    Pathway.PRELIMINARY_SURGERY,
    Pathway.GENERAL_SURGERY,
    Pathway.TRANSITIONAL_YEAR,
    Pathway.INTEGRATED_PLASTICS,
    Pathway.PIVOT,
)
LOG_KINDS = ("research", "letter", "usce", "exam", "practice", "cycle", "interviews")


class UsageError(Exception):
    """The command text is wrong; the message says what, and `sub` which usage to show."""

    def __init__(self, sub: Sub | None, message: str) -> None:
        super().__init__(message)
        self.sub = sub


@dataclass(frozen=True)
class Command:
    sub: Sub
    mentee: str | None = None
    others: tuple[str, ...] = ()
    verb: str | None = None
    title: str | None = None
    day: date | None = None
    number: int | None = None
    notes: str = ""
    inline: dict[str, object] = field(default_factory=dict)
    channel: str | None = None
    track: Pathway | None = None
    status: ApplicationStatus | None = None
    correction: bool = False


def parse(text: str) -> Command:
    text = (text or "").strip().translate(SMART_QUOTES)
    if len(text) > MAX_TEXT:
        raise UsageError(None, f"that command is too long ({len(text)} characters)")
    bad = unstorable(text, keep="\t\n\r")
    if bad is not None:
        raise UsageError(None, f"the text holds a control character (U+{ord(bad):04X}); remove it")
    if not text:
        return Command(Sub.HELP)
    head, _, rest = text.partition(" ")
    try:
        sub = Sub(head.lower())
    except ValueError:
        raise UsageError(None, f"there is no `{head[:40]}` subcommand") from None
    rest = rest.strip()
    mentions = tuple(MENTION.findall(rest))
    channels = tuple(CHANNEL.findall(rest))
    plain = CHANNEL.sub(" ", MENTION.sub(" ", rest))
    if "@" in plain and sub is not Sub.CHECKIN:
        raise UsageError(sub, "mention people with @ so that Slack links their name")
    try:
        # Check-in notes are free prose (apostrophes and all); everything else is shell-like.
        words = plain.split() if sub is Sub.CHECKIN else shlex.split(plain)
    except ValueError:
        raise UsageError(sub, "a quote is not closed") from None
    words = [as_typed(word) for word in words]
    return PARSERS[sub](Args(sub, mentions, channels, words, as_typed(plain)))


def as_typed(text: str) -> str:
    """Slack's escaping undone: text is stored as the person typed it, and escaped again (once)
    wherever it is shown. A broadcast becomes its words ("@channel"), a link its label and URL."""
    text = SPECIAL.sub(lambda m: m.group(2) or f"@{m.group(1)}", text)
    text = LINK.sub(
        lambda m: (
            f"{m.group(2)} ({m.group(1)})" if m.group(2) not in (None, m.group(1)) else m.group(1)
        ),
        text,
    )
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Args:
    sub: Sub
    mentions: tuple[str, ...]
    channels: tuple[str, ...]
    words: list[str]
    plain: str

    def fail(self, message: str) -> UsageError:
        return UsageError(self.sub, message)

    def at_most_one_mention(self) -> str | None:
        if len(self.mentions) > 1:
            raise self.fail("name one person at most")
        return self.mentions[0] if self.mentions else None

    def exactly_one_mention(self) -> str:
        if len(self.mentions) != 1:
            raise self.fail("name exactly one person, like @name")
        return self.mentions[0]

    def no_words(self) -> None:
        if self.words:
            raise self.fail(f"unexpected `{' '.join(self.words)[:60]}`")


def _plain(args: Args) -> Command:
    args.no_words()
    return Command(args.sub, mentee=args.at_most_one_mention())


def _help(args: Args) -> Command:
    return Command(Sub.HELP)


def _enroll(args: Args) -> Command:
    args.no_words()
    if not args.mentions:
        raise args.fail("name the mentee to enrol, like @name")
    if len(set(args.mentions)) != len(args.mentions):
        raise args.fail("a person is named twice")
    return Command(Sub.ENROLL, mentee=args.mentions[0], others=args.mentions[1:])


def _pair(args: Args) -> Command:
    args.no_words()
    if len(args.mentions) != 2:
        raise args.fail("name the mentee, then the mentor")
    return Command(args.sub, mentee=args.mentions[0], others=args.mentions[1:])


def _one(args: Args) -> Command:
    args.no_words()
    return Command(args.sub, mentee=args.exactly_one_mention())


def _log(args: Args) -> Command:
    if args.words and args.words[0].lower() in STATUS_WORDS:
        return _log_status(args)
    if not args.words or args.words[0].lower() not in LOG_KINDS:
        raise args.fail(
            f"say what to log: an application's status ({', '.join(STATUS_WORDS)}) "
            f"or {', '.join(LOG_KINDS)}"
        )
    kind, rest = args.words[0].lower(), args.words[1:]
    mentee = args.at_most_one_mention()
    if kind == "interviews":
        return Command(Sub.LOG, mentee=mentee, verb=kind, number=_interviews(args, rest))
    if not rest:
        return Command(Sub.LOG, mentee=mentee, verb=kind)
    if kind == "exam":
        return Command(Sub.LOG, mentee=mentee, verb=kind, inline=_inline_exam(args, rest))
    if kind == "practice":
        return Command(Sub.LOG, mentee=mentee, verb=kind, inline=_inline_practice(args, rest))
    raise args.fail(f"`log {kind}` takes no inline values; it opens a form")


def _log_status(args: Args) -> Command:
    """`log STATUS [@mentee] "Programme name" [YYYY-MM-DD] [--correction]`."""
    status = STATUS_WORDS[args.words[0].lower()]
    rest = args.words[1:]
    correction = any(w.lower() in CORRECTION for w in rest)
    rest = [w for w in rest if w.lower() not in CORRECTION]
    day = _day(args, rest.pop()) if rest and DAY_LIKE.match(rest[-1]) else None
    name = " ".join(" ".join(rest).split())
    if not name:
        word = args.words[0].lower()
        raise args.fail(f'name the programme: `log {word} @mentee "Programme name"`')
    if len(name) > 200:
        raise args.fail("a programme's name is at most 200 characters")
    mentee = args.at_most_one_mention()
    return Command(
        Sub.LOG,
        mentee=mentee,
        verb="status",
        status=status,
        title=name,
        day=day,
        correction=correction,
    )


def _interviews(args: Args, rest: list[str]) -> int:
    """`log interviews [@mentee] 3`: the invitations so far on the season under way."""
    count = number(rest[0]) if len(rest) == 1 else None
    if count is None or count > 500:
        raise args.fail("write `log interviews @mentee 3`: the invitations so far, 0 to 500")
    return count


def _exam(args: Args, word: str) -> Exam:
    try:
        return Exam(word.lower().replace(" ", ""))
    except ValueError:
        raise args.fail(f"`{word[:20]}` is not an exam (step1, step2ck, step3)") from None


def _day(args: Args, word: str) -> date:
    """A calendar date written YYYY-MM-DD; whether it suits the field is the field's to say."""
    try:
        if ISO_DAY.fullmatch(word):
            return date.fromisoformat(word)
    except ValueError:
        pass
    raise args.fail(f"`{word[:20]}` is not a date like 2026-10-02")


def _score(args: Args, word: str) -> int:
    score = number(word)
    if score is None or not 1 <= score <= 300:
        raise args.fail(f"`{word[:20]}` is not a score between 1 and 300")
    return score


def _inline_exam(args: Args, rest: list[str]) -> dict[str, Any]:
    """`log exam step2ck 236 2026-10-02 [attempt 2]` or `log exam step1 pass 2024-06-01`."""
    if len(rest) not in (3, 5):
        raise args.fail("write `log exam step2ck 236 2026-10-02` (add `attempt 2` for a retake)")
    exam = _exam(args, rest[0])
    values: dict[str, object] = {"exam": exam, "taken_on": _day(args, rest[2])}
    if rest[1].lower() in (PassFail.PASS, PassFail.FAIL):
        values["result"] = PassFail(rest[1].lower())
    else:
        values["score"] = _score(args, rest[1])
    if len(rest) == 5:
        attempt = number(rest[4])
        if rest[3].lower() != "attempt" or attempt is None or not 1 <= attempt <= 9:
            raise args.fail("end with `attempt N`, N from 1 to 9")
        values["attempt"] = attempt
    return values


def _inline_practice(args: Args, rest: list[str]) -> dict[str, Any]:
    """`log practice step2ck 221 2026-10-01 [NBME|UWorld|Free120|other]`."""
    if len(rest) not in (3, 4):
        raise args.fail("write `log practice step2ck 221 2026-10-01 NBME`")
    values: dict[str, object] = {
        "exam": _exam(args, rest[0]),
        "score": _score(args, rest[1]),
        "taken_on": _day(args, rest[2]),
    }
    if len(rest) == 4:
        sources = {s.value.lower(): s for s in PracticeSource}
        if rest[3].lower() not in sources:
            raise args.fail(f"the source is one of {', '.join(s.value for s in PracticeSource)}")
        values["source"] = sources[rest[3].lower()]
    return values


def _milestone(args: Args) -> Command:
    verb = args.words[0].lower() if args.words else ""
    rest = args.words[1:]
    if verb == "add":
        if len(rest) != 2:
            raise args.fail('write `milestone add @mentee "Book Step 3" 2027-01-15`')
        title = rest[0].strip()
        if not 1 <= len(title) <= 200:
            raise args.fail("the title needs 1 to 200 characters")
        return Command(
            Sub.MILESTONE,
            mentee=args.at_most_one_mention(),
            verb=verb,
            title=title,
            day=_day(args, rest[1]),
        )
    if verb in ("done", "drop"):
        milestone = number(rest[0]) if len(rest) == 1 else None
        if milestone is None or not 1 <= milestone < 2**31:
            raise args.fail(f"write `milestone {verb} ID` with the number from `milestone list`")
        if args.mentions:
            raise args.fail("the milestone number is enough; no @name needed")
        return Command(Sub.MILESTONE, verb=verb, number=milestone)
    if verb == "list":
        if rest:
            raise args.fail(f"unexpected `{' '.join(rest)[:60]}`")
        return Command(Sub.MILESTONE, mentee=args.at_most_one_mention(), verb=verb)
    raise args.fail("say add, done, drop or list")


def _checkin(args: Args) -> Command:
    mentee = args.exactly_one_mention()
    notes = " ".join(args.plain.split()).strip()
    if len(notes) > 3000:
        raise args.fail("notes are limited to 3000 characters")
    return Command(Sub.CHECKIN, mentee=mentee, notes=notes)


def _settings(args: Args) -> Command:
    args.no_words()
    return Command(Sub.SETTINGS)


def _dashboard(args: Args) -> Command:
    if args.words and args.words[0].lower() == "channel":
        if len(args.channels) != 1 or len(args.words) != 1:
            raise args.fail("write `dashboard channel #private-channel`")
        return Command(Sub.DASHBOARD, verb="channel", channel=args.channels[0])
    args.no_words()
    return Command(Sub.DASHBOARD, mentee=args.at_most_one_mention())


def _list(args: Args) -> Command:
    """`list @mentee [track]`: the mentee's screened, tiered programme list."""
    mentee = args.exactly_one_mention()
    if len(args.words) > 1:
        raise args.fail(f"unexpected `{' '.join(args.words[1:])[:60]}`")
    if not args.words:
        return Command(Sub.LIST, mentee=mentee)
    word = args.words[0].lower().replace("-", "_")
    track = next((t for t in LIST_TRACKS if t.value == word), None)
    if track is None:
        names = ", ".join(t.value for t in LIST_TRACKS)
        raise args.fail(f"`{args.words[0][:40]}` is not a track; say one of {names}")
    return Command(Sub.LIST, mentee=mentee, track=track)


def _applications(args: Args) -> Command:
    """`applications [@mentee] [page]`: the season's statuses in a form, a page at a time."""
    mentee = args.at_most_one_mention()
    if len(args.words) > 1:
        raise args.fail(f"unexpected `{' '.join(args.words[1:])[:60]}`")
    page = number(args.words[0]) if args.words else 1
    if page is None or not 1 <= page <= 100:
        raise args.fail(f"`{args.words[0][:20]}` is not a page; write a number like 2")
    return Command(Sub.APPLICATIONS, mentee=mentee, number=page)


def _report(args: Args) -> Command:
    """`report [season]`: the cohort report, for the season under way unless one is named."""
    if args.mentions:
        raise args.fail("the report covers your mentees (admins: everyone); name nobody")
    if len(args.words) > 1:
        raise args.fail(f"unexpected `{' '.join(args.words[1:])[:60]}`")
    if not args.words:
        return Command(Sub.REPORT)
    season = number(args.words[0])
    if season is None or not 2000 <= season <= 2100:
        raise args.fail(f"`{args.words[0][:20]}` is not a season; write a Match year like 2027")
    return Command(Sub.REPORT, number=season)


def _calendar(args: Args) -> Command:
    """`calendar [reset|off]`: your own feed's link, a new one, or none."""
    verb = " ".join(args.words).lower()
    if args.mentions or verb not in ("", "reset", "off"):
        raise args.fail("write `calendar`, `calendar reset` or `calendar off` (it is your own)")
    return Command(Sub.CALENDAR, verb=verb or None)


PARSERS = {
    Sub.HELP: _help,
    Sub.ENROLL: _enroll,
    Sub.ASSIGN: _pair,
    Sub.UNASSIGN: _pair,
    Sub.PROFILE: _plain,
    Sub.ASSESS: _plain,
    Sub.LOG: _log,
    Sub.MILESTONE: _milestone,
    Sub.PLAN: _plain,
    Sub.CHECKIN: _checkin,
    Sub.FLAGS: _plain,
    Sub.SETTINGS: _settings,
    Sub.EXPORT: _one,
    Sub.FORGET: _one,
    Sub.DASHBOARD: _dashboard,
    Sub.LIST: _list,
    Sub.REPORT: _report,
    Sub.APPLICATIONS: _applications,
    Sub.CALENDAR: _calendar,
}
