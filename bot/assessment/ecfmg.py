"""ECFMG certification: what is left, how long it typically takes, and whether it can be in place
for a season (ECFMG-PATH, ECFMG-CLEAR).

The exams run one after another (Step 1, then Step 2 CK) after the USMLE ID; OET and the school's
verification of the diploma run beside them. NRMP needs the exams and the communication
requirement by the rank-list deadline; training needs the certificate itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.assessment.rules import EcfmgPath, EcfmgStepKey
from bot.vocab import EcfmgStatus

StepState = Literal["done", "to do", "confirm"]


@dataclass(frozen=True)
class EcfmgStepView:
    key: EcfmgStepKey
    title: str
    state: StepState
    weeks: int


@dataclass(frozen=True)
class EcfmgTiming:
    status: EcfmgStatus
    steps: tuple[EcfmgStepView, ...]
    match_ready_on: date  # exams and the communication requirement, as NRMP needs them
    step2_ready_on: date  # a Step 2 CK result in hand
    certified_on: date  # the certificate itself

    def weeks_left(self, *keys: EcfmgStepKey) -> int:
        return sum(s.weeks for s in self.steps if s.key in keys and s.state == "to do")


def ecfmg_timing(
    path: EcfmgPath,
    *,
    status: EcfmgStatus,
    passed: dict[str, bool],
    anything_on_file: bool,
    as_of: date,
) -> EcfmgTiming:
    """`passed` says which of step1 / step2ck are passed; an exam on file means the ID exists."""
    steps = tuple(
        EcfmgStepView(
            key=step.key,
            title=step.title,
            state=_state(step.key, status, passed, anything_on_file),
            weeks=step.weeks,
        )
        for step in path.steps
    )
    timing = EcfmgTiming(
        status=status, steps=steps, match_ready_on=as_of, step2_ready_on=as_of, certified_on=as_of
    )
    left = timing.weeks_left
    exams = left("usmle_id") + left("step1", "step2ck")
    communication = left("usmle_id") + left("oet")
    credentials = left("usmle_id") + left("graduation")
    match_ready = max(exams, communication)
    return EcfmgTiming(
        status=status,
        steps=steps,
        match_ready_on=as_of + timedelta(weeks=match_ready),
        step2_ready_on=as_of + timedelta(weeks=exams),
        certified_on=as_of + timedelta(weeks=max(match_ready, credentials)),
    )


def _state(
    key: EcfmgStepKey, status: EcfmgStatus, passed: dict[str, bool], on_file: bool
) -> StepState:
    if status is EcfmgStatus.CERTIFIED:
        return "done"
    if key in ("step1", "step2ck"):
        return "done" if passed.get(key) else "to do"
    if key == "usmle_id":
        return "done" if status is EcfmgStatus.IN_PROGRESS or on_file else "to do"
    # OET and the diploma leave no trace in the profile: in progress means "ask".
    return "confirm" if status is EcfmgStatus.IN_PROGRESS else "to do"
