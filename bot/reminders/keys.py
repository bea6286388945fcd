"""Each reminder kind's dedupe key, built in one function per kind (bot/outbox/keys.py says
how a key is written). A key names the business event and the recipient, never the tick:
planning the same thing twice, or on two instances at once, plans it once. The strings are
those the ledger has always held, so rows planned before stay valid."""

from __future__ import annotations

from typing import Literal

from bot.outbox.keys import Key, Part, key


def milestone_due_key(milestone: Part, due_version: Part, lead_days: int, person: Part) -> Key:
    return key("ms:", milestone, ":v", due_version, f":due{lead_days}:p", person)


def milestone_overdue_key(milestone: Part, due_version: Part, weeks: Part, person: Part) -> Key:
    return key("ms:", milestone, ":v", due_version, ":over", weeks, ":p", person)


def checkpoint_due_key(mentee: Part, due_on: Part, lead_days: int, person: Part) -> Key:
    return key("cp:", mentee, ":", due_on, f":due{lead_days}:p", person)


def checkpoint_overdue_key(
    mentee: Part, due_on: Part, weeks: Part, person: Part, *, to: Literal["over", "admin"]
) -> Key:
    """`to="admin"`: the escalation of a long-overdue check-in to an admin."""
    return key("cp:", mentee, ":", due_on, f":{to}", weeks, ":p", person)


def season_key(season: Part, event: Part, person: Part) -> Key:
    return key("season:", season, ":", event, ":p", person)


def flag_raised_key(flag: Part, person: Part) -> Key:
    return key("flag:", flag, ":p", person)


def mentor_digest_key(day: Part, person: Part) -> Key:
    return key("digest:", day, ":p", person)


# A season's applications: one of each per mentee, season and recipient.


def submission_day_key(mentee: Part, season: Part, person: Part) -> Key:
    return key("apps:", mentee, ":", season, ":submit:p", person)


def few_interviews_key(mentee: Part, season: Part, person: Part) -> Key:
    return key("apps:", mentee, ":", season, ":few-interviews:p", person)


def rank_deadline_key(mentee: Part, season: Part, person: Part) -> Key:
    return key("apps:", mentee, ":", season, ":rank:p", person)


def soap_ready_key(mentee: Part, season: Part, person: Part) -> Key:
    return key("apps:", mentee, ":", season, ":soap:p", person)
