"""The words of `log STATUS …`: an application's new status as a mentor says it, and the flag
that makes a change a correction."""

from __future__ import annotations

from bot.applications.vocab import ApplicationStatus as S

STATUS_WORDS = {
    "planned": S.PLANNED,
    "applied": S.APPLIED,
    "invite": S.INTERVIEW_INVITED,
    "invited": S.INTERVIEW_INVITED,
    "interviewed": S.INTERVIEWED,
    "ranked": S.RANKED,
    "matched": S.MATCHED,
    "unmatched": S.NOT_MATCHED,
    "not-matched": S.NOT_MATCHED,
    "withdrawn": S.WITHDRAWN,
    "declined": S.DECLINED,
}
# A mentor's correction; clients that turn "--" into a dash send one of these instead.
CORRECTION = ("--correction", "\u2014correction", "\u2013correction")
