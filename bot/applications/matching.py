"""Find a programme among a mentee's applications by the name someone typed
(`log invite @maya "st marys surgery"`).

In order, the first rule that finds anything decides:

1. The name exactly as typed (spaces around it aside).
2. The same name ignoring case, accents, punctuation and a few abbreviations ("St." is
   "Saint", "&" is "and", "Mary's" is "Marys", "017" is "17").
3. Every word typed appears in the name ("regional 17" finds "Synthetic Regional Medical
   Center 017"; "medical center" finds every such centre, and asks which).
4. A close spelling (difflib's ratio over the normalised names, best first) that keeps every
   number typed, when one name stands clearly ahead of the rest; several near-equals ask which.

Otherwise nothing is found, and the closest names are offered. Two programmes of the same
name (a categorical and a preliminary track, say) are always asked about, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.errors import InvalidInput

CLOSE = 0.75  # a ratio from here on is a plausible misspelling
AHEAD = 0.08  # the best must lead the next by this much to be taken without asking
SUGGEST = 0.45  # below this a name is too far off to suggest
MAX_SHOWN = 8

WORDS = re.compile(r"[a-z0-9]+")
APOSTROPHES = re.compile(r"['\u2019\u02bc]")  # "Mary's" is "marys", not "mary s"
ABBREVIATIONS = {
    "st": "saint",
    "mt": "mount",
    "ft": "fort",
    "univ": "university",
    "u": "university",
    "hosp": "hospital",
    "med": "medical",
    "ctr": "center",
    "cntr": "center",
    "centre": "center",
}


class Candidate(BaseModel):
    """One application to choose from: its id, its name, and what tells two of the same name
    apart ("preliminary surgery, Springfield IL")."""

    model_config = ConfigDict(frozen=True)

    key: int
    name: str
    detail: str = ""


class Found(StrEnum):
    ONE = "one"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


class NameMatch(BaseModel):
    """`ONE`: `candidates` holds the one meant. `AMBIGUOUS`: the ones to choose between, best
    first. `NONE`: the closest names, best first (possibly none at all)."""

    model_config = ConfigDict(frozen=True)

    found: Found
    candidates: list[Candidate]
    total: int  # how many matched before the list was cut to MAX_SHOWN

    @property
    def one(self) -> Candidate | None:
        return self.candidates[0] if self.found is Found.ONE else None


def normalise(name: str) -> str:
    """Lower case without accents or punctuation; abbreviations spelt out; numbers without
    leading zeros."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = APOSTROPHES.sub("", plain.replace("&", " and "))
    words = [ABBREVIATIONS.get(w, w) for w in WORDS.findall(plain)]
    return " ".join((w.lstrip("0") or "0") if w.isdigit() else w for w in words)


def match_name(query: str, candidates: Sequence[Candidate]) -> NameMatch:
    typed = query.strip()
    wanted = normalise(typed)
    if not wanted:
        raise InvalidInput.single("programme", "give the programme's name, or part of it")
    exact = [c for c in candidates if c.name.strip() == typed]
    if exact:
        return _decided(exact, Found.ONE)
    names = {c.key: normalise(c.name) for c in candidates}
    same = [c for c in candidates if names[c.key] == wanted]
    if same:
        return _decided(same, Found.ONE)
    scores = {c.key: _ratio(wanted, names[c.key]) for c in candidates}
    ranked = sorted(candidates, key=lambda c: (-scores[c.key], c.name.casefold(), c.key))
    words = set(wanted.split())
    containing = [c for c in ranked if words <= set(names[c.key].split())]
    if containing:
        return _decided(containing, Found.ONE)
    # Numbers name one centre among many of the same name: a close spelling must keep them.
    numbers = {w for w in words if w.isdigit()}
    close = [c for c in ranked if scores[c.key] >= CLOSE and numbers <= set(names[c.key].split())]
    if close:
        best = scores[close[0].key]
        near = [c for c in close if best - scores[c.key] < AHEAD]
        return _decided(near, Found.ONE)
    suggestions = [c for c in ranked if scores[c.key] >= SUGGEST][:3]
    return NameMatch(found=Found.NONE, candidates=suggestions, total=len(suggestions))


def _decided(matches: list[Candidate], single: Found) -> NameMatch:
    if len(matches) == 1:
        return NameMatch(found=single, candidates=matches, total=1)
    return NameMatch(found=Found.AMBIGUOUS, candidates=matches[:MAX_SHOWN], total=len(matches))


def _ratio(a: str, b: str) -> float:
    """The better of the whole names compared and their words compared in sorted order (a
    name typed with its words in another order is still close)."""
    whole = SequenceMatcher(None, a, b, autojunk=False).ratio()
    words = SequenceMatcher(
        None, " ".join(sorted(a.split())), " ".join(sorted(b.split())), autojunk=False
    ).ratio()
    return max(whole, words)
