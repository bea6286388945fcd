"""One programme against one profile: the screens it fails, the facts to verify, its tier.

Every sentence names the programme's fact and the profile's ("Step 2 CK screen 230 > 226"),
and every one carries the rule it applies. Each screen drops a programme only when both facts
are known; an unknown one keeps it, with a check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bot.assessment.conditions import Condition
from bot.assessment.dto import RuleNote
from bot.assessment.facts import Facts
from bot.assessment.ruleset import Ruleset
from bot.programmes.dto import ProgrammeRead
from bot.programmes.vocab import ProgrammeSetting, Tier
from bot.vocab import Exam, VisaNeed, label


@dataclass(frozen=True)
class Context:
    """What every programme of one list is held against, worked out once."""

    facts: Facts
    ruleset: Ruleset
    recent: tuple[int, ...]  # the Matches that count as recent, latest first
    every_programme: bool  # the track is applied to in full (integrated plastics)

    @classmethod
    def of(cls, facts: Facts, ruleset: Ruleset, *, every_programme: bool) -> Context:
        return cls(facts, ruleset, recent_years(facts, ruleset), every_programme)


@dataclass(frozen=True)
class Screened:
    tier: Tier | None  # None: excluded
    exclusions: list[RuleNote] = field(default_factory=list)
    checks: list[RuleNote] = field(default_factory=list)
    placement: list[RuleNote] = field(default_factory=list)


def screen(p: ProgrammeRead, ctx: Context) -> Screened:
    f = ctx.facts
    out: list[RuleNote] = []
    checks: list[RuleNote] = []
    _visa(p, f, out, checks)
    _step2(p, f, out, checks)
    _attempts(p, f, out, checks)
    _graduation(p, f, out, checks)
    _usce(p, f, out, checks)
    if out:
        return Screened(tier=None, exclusions=out, checks=checks)
    tier, placement = _tier(p, ctx)
    return Screened(tier=tier, checks=checks, placement=placement)


@lru_cache(maxsize=4096)
def _note(rule: str, text: str) -> RuleNote:
    # Frozen, and the same sentences recur across thousands of programmes: built once each.
    return RuleNote(rule=rule, text=text)


def _visa(p: ProgrammeRead, f: Facts, out: list[RuleNote], checks: list[RuleNote]) -> None:
    j1, h1b = p.sponsors_j1, p.sponsors_h1b
    if f.visa is VisaNeed.J1:
        if j1 is False:
            out.append(_note("VISA-FILTER", "no J-1 sponsorship"))
        elif j1 is None:
            checks.append(_note("VISA-FILTER", "J-1 sponsorship unknown — verify"))
    elif f.visa is VisaNeed.H1B:
        if h1b is False:
            out.append(_note("VISA-FILTER", "no H-1B sponsorship"))
        elif h1b is None:
            checks.append(_note("VISA-FILTER", "H-1B sponsorship unknown — verify"))
    elif f.visa is VisaNeed.J1_OR_H1B:
        # An H-1B is usable only with Step 3 passed (STEP3-H1B); a J-1 always is.
        usable_h1b = h1b if f.step3_passed else (False if h1b is not None else None)
        if j1 is True or usable_h1b is True:
            return
        if j1 is False and h1b is False:
            out.append(_note("VISA-FILTER", "sponsors neither J-1 nor H-1B"))
        elif j1 is False and h1b is True:
            out.append(_note("STEP3-H1B", "sponsors only H-1B, which needs Step 3 passed"))
        elif j1 is None and h1b is True:
            checks.append(
                _note("STEP3-H1B", "J-1 sponsorship unknown; its H-1B needs Step 3 passed — verify")
            )
        else:
            checks.append(_note("VISA-FILTER", "visa sponsorship unknown — verify"))


def _step2(p: ProgrammeRead, f: Facts, out: list[RuleNote], checks: list[RuleNote]) -> None:
    if p.step2_screen is None:
        return
    if f.step2 is None:
        checks.append(
            _note("S2-SCREEN", f"Step 2 CK screen {p.step2_screen}; no Step 2 CK on file — verify")
        )
    elif f.step2 < p.step2_screen:
        out.append(_note("S2-SCREEN", f"Step 2 CK screen {p.step2_screen} > {f.step2}"))


def _attempts(p: ProgrammeRead, f: Facts, out: list[RuleNote], checks: list[RuleNote]) -> None:
    if not f.failed_exams or p.first_attempt_only is False:
        return
    exams = " and ".join(label(Exam(e)) for e in f.failed_exams)
    if p.first_attempt_only:
        out.append(_note("ATTEMPTS", f"first-attempt passes only; {exams} took more than one"))
    else:
        checks.append(
            _note("ATTEMPTS", f"attempt policy unknown; {exams} took more than one — verify")
        )


def _graduation(p: ProgrammeRead, f: Facts, out: list[RuleNote], checks: list[RuleNote]) -> None:
    limit = p.max_years_since_graduation
    if limit is None:
        return
    years = f.years_since_graduation
    if years is None:
        checks.append(
            _note(
                "YOG-SCREEN",
                f"graduates of the last {limit} years only; graduation year not on file — verify",
            )
        )
    elif years > limit:
        out.append(
            _note("YOG-SCREEN", f"graduated {years} years ago > the {limit} years it accepts")
        )


def _usce(p: ProgrammeRead, f: Facts, out: list[RuleNote], checks: list[RuleNote]) -> None:
    if f.hands_on_weeks + f.observer_weeks > 0 or p.usce_required is False:
        return
    if p.usce_required:
        out.append(_note("USCE-SURG", "requires US clinical experience; none on file"))
    else:
        checks.append(
            _note("USCE-SURG", "US clinical experience requirement unknown; none on file — verify")
        )


def recent_years(f: Facts, r: Ruleset) -> tuple[int, ...]:
    """The last N Matches held by the day of the list (before the season applied to)."""
    seasons = r.rules.apply_tiers.programmes.unfilled_seasons
    calendar = r.seasons
    last = f.season - 1
    while calendar.match_day(last) > f.as_of:
        last -= 1
    return tuple(last - n for n in range(seasons))


def recent_unfilled(p: ProgrammeRead, recent: tuple[int, ...]) -> int | None:
    """The latest of the recent Matches after which it had unfilled positions, if any."""
    return max((y for y in p.unfilled_after_match or [] if y in recent), default=None)


def _tier(p: ProgrammeRead, ctx: Context) -> tuple[Tier, list[RuleNote]]:
    f = ctx.facts
    limits = ctx.ruleset.rules.apply_tiers.programmes
    img = f.applicant_type.is_img
    share = p.img_share
    share_text = "IMG share unknown" if share is None else f"{share}% IMGs"
    if ctx.every_programme and img:
        return Tier.REACH, [_note("PLASTICS-IMG", f"{p.track.label} for an IMG: a reach at best")]
    reach: list[RuleNote] = []
    if img and share is not None and share < limits.few_imgs:
        reach.append(_note("APPLY-TIERS", f"{share}% IMGs (under {limits.few_imgs}%): reach"))
    elif (
        Condition.IMG_LOW_SCORES in f.conditions
        and p.setting is ProgrammeSetting.ACADEMIC
        and (share is None or share < limits.img_friendly)
    ):
        reach.append(
            _note(
                "P-GS-CAT", f"academic, {share_text}: many rarely rank IMGs with low scores: reach"
            )
        )
    if p.step2_screen is not None and f.step2 is not None:
        margin = f.step2 - p.step2_screen
        if margin < limits.screen_margin:
            how = (
                f"just meets the screen of {p.step2_screen}"
                if margin == 0
                else f"clears the screen of {p.step2_screen} by {margin} "
                f"(under {limits.screen_margin})"
            )
            reach.append(_note("S2-SCREEN", f"Step 2 CK {f.step2} {how}: reach"))
    if reach:
        return Tier.REACH, reach
    unfilled = recent_unfilled(p, ctx.recent)
    friendly = not img or (share is not None and share >= limits.img_friendly)
    if unfilled is not None and friendly:
        lead = f"{share_text}, " if img else ""
        return Tier.SAFETY, [
            _note("APPLY-TIERS", f"{lead}unfilled after the {unfilled} Match: safety")
        ]
    facts = [share_text] if img else []
    if p.setting is not None:
        facts.append(p.setting.value)
    if unfilled is not None:
        facts.append(f"unfilled after the {unfilled} Match")
    elif p.unfilled_after_match is not None:
        facts.append(f"filled after the last {limits.unfilled_seasons} Matches")
    why = ", ".join(facts) or "nothing known against it"
    if unfilled is not None:
        why += (
            " (not a safety: the IMG share is unknown)"
            if share is None
            else f" (not a safety: under {limits.img_friendly}% IMGs)"
        )
    return Tier.CORE, [_note("APPLY-TIERS", f"{why}: core")]
