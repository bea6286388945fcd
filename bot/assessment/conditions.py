"""The named conditions a ruleset may test, and which way each one points.

The polarity is what keeps the engine monotone: a ruleset may only raise a verdict on a strength
and only lower, cap or block it on a weakness, so a better profile can never read worse.
"""

from __future__ import annotations

from enum import StrEnum


class Condition(StrEnum):
    # strengths: they only become true as a profile improves
    PLASTICS_PREREQUISITES = "plastics_prerequisites"
    SURGICAL_READINESS = "surgical_readiness"
    CLINICAL_READINESS = "clinical_readiness"
    RESEARCH_TRACK_RECORD = "research_track_record"
    MENTOR_ADVOCATE = "mentor_advocate"
    US_GRADUATE = "us_graduate"
    # weaknesses: they only become false as a profile improves
    FAILED_ATTEMPT = "failed_attempt"
    STEP1_CONCERN_UNANSWERED = "step1_concern_unanswered"
    H1B_ONLY = "h1b_only"
    H1B_WITHOUT_STEP3 = "h1b_without_step3"
    NON_US_IMG = "non_us_img"
    IMG = "img"
    IMG_LOW_SCORES = "img_low_scores"
    IMG_LOW_SCORES_WITHOUT_PREREQUISITES = "img_low_scores_without_prerequisites"
    NO_PLASTICS_PREREQUISITES = "no_plastics_prerequisites"
    IMG_WITHOUT_PLASTICS_PREREQUISITES = "img_without_plastics_prerequisites"
    NO_EXAMS_ON_FILE = "no_exams_on_file"
    NOTHING_ON_FILE = "nothing_on_file"
    ECFMG_EXAMS_LATE = "ecfmg_exams_late"
    ECFMG_STEP2_LATE = "ecfmg_step2_late"
    ATTEMPT_LIMIT_REACHED = "attempt_limit_reached"
    YOG_SCREENED = "yog_screened"
    IMG_BELOW_AVERAGE = "img_below_average"
    ALWAYS = "always"

    @property
    def is_strength(self) -> bool:
        return self in STRENGTHS


STRENGTHS = frozenset(
    {
        Condition.PLASTICS_PREREQUISITES,
        Condition.SURGICAL_READINESS,
        Condition.CLINICAL_READINESS,
        Condition.RESEARCH_TRACK_RECORD,
        Condition.MENTOR_ADVOCATE,
        Condition.US_GRADUATE,
    }
)
