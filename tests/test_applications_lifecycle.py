"""The lifecycle's rules on their own (no database): any sequence of requested changes keeps
an application consistent, and what is refused changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.applications.lifecycle import DECLINABLE, Change, Progress, apply_change
from bot.applications.vocab import CLOSED_EARLY, OUTCOMES, STAGES
from bot.applications.vocab import ApplicationStatus as S
from bot.errors import AccessDenied, InvalidInput

SEASON = 2028
START = date(2027, 9, 1)
TODAY = date(2028, 12, 30)  # every day the steps reach is in the past and in the season


def request(to: S, on: date, correction: bool = False, may_correct: bool = True) -> Change:
    return Change(
        programme="Synthetic Valley Hospital (preliminary surgery, Synthetic City 001 OH)",
        to=to,
        on=on,
        season=SEASON,
        today=TODAY,
        correction=correction,
        may_correct=may_correct,
    )


steps = st.lists(
    st.tuples(st.sampled_from(list(S)), st.integers(min_value=0, max_value=40)), max_size=12
)


@settings(max_examples=500, deadline=None)
@given(steps)
def test_any_sequence_of_plain_changes_stays_consistent(asked: list[tuple[S, int]]) -> None:
    progress, day = Progress(), START
    for to, gap in asked:
        day += timedelta(days=gap)
        if to is progress.status:
            continue
        try:
            after = apply_change(progress, request(to, day))
        except InvalidInput as refused:
            # A refusal names both statuses (or the date) and leaves the application as it was.
            text = str(refused)
            assert "Synthetic Valley Hospital" in text
            assert f"from {progress.status.label} to {to.label}" in text or "before" in text
            assert (
                not progress.status.is_open
                or to.stage <= progress.status.stage
                or (to is S.DECLINED and progress.status not in DECLINABLE)
            )
            continue
        # Allowed: from an open status only; forward, or a withdrawal or a decline.
        assert progress.status.is_open
        assert to.stage > progress.status.stage or to in CLOSED_EARLY
        # How far it got never shrinks, and always covers where it stands.
        assert after.furthest.stage >= progress.furthest.stage
        if after.status.is_open:
            assert after.furthest is after.status
        if after.status in OUTCOMES:
            assert after.furthest is S.RANKED
        # The step's own day is recorded; the days of reached steps run in order.
        assert after.day_of(to) == day
        reached = [after.day_of(s) for s in (*STAGES[1:], *OUTCOMES)]
        known = [d for d in reached if d is not None]
        assert known == sorted(known)
        progress = after


@pytest.mark.parametrize("start", [S.MATCHED, S.NOT_MATCHED, S.WITHDRAWN, S.DECLINED])
@pytest.mark.parametrize("to", list(S))
def test_a_final_status_changes_only_by_correction(start: S, to: S) -> None:
    if to is start:
        return
    final = Progress(status=start, furthest=S.RANKED)
    with pytest.raises(InvalidInput, match=f"{start.label} is final"):
        apply_change(final, request(to, START))
    corrected = apply_change(final, request(to, START, correction=True))
    assert corrected.status is to


def test_only_those_who_may_correct_do() -> None:
    with pytest.raises(AccessDenied, match="ask your mentor"):
        apply_change(
            Progress(status=S.INTERVIEWED, furthest=S.INTERVIEWED),
            request(S.APPLIED, START, correction=True, may_correct=False),
        )


def test_a_correction_to_a_withdrawal_keeps_how_far_it_got() -> None:
    matched = Progress(status=S.MATCHED, furthest=S.RANKED, outcome_on=date(2028, 3, 17))
    after = apply_change(matched, request(S.WITHDRAWN, date(2028, 3, 18), correction=True))
    assert (after.status, after.furthest, after.outcome_on, after.closed_on) == (
        S.WITHDRAWN,
        S.RANKED,
        None,
        date(2028, 3, 18),
    )
