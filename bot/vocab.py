"""Vocabularies shared by the whole code base (profile fields, pathways, states).

Values are the strings stored in the database and written in profile and roster files, so renaming
one is a data migration.
"""

from enum import StrEnum


class ApplicantType(StrEnum):
    US_IMG = "us_img"
    NON_US_IMG = "non_us_img"
    US_MD = "us_md"
    US_DO = "us_do"

    @property
    def is_img(self) -> bool:
        return self in (ApplicantType.US_IMG, ApplicantType.NON_US_IMG)


class VisaNeed(StrEnum):
    NONE = "none"
    J1 = "j1"
    H1B = "h1b"
    J1_OR_H1B = "j1_or_h1b"


class EcfmgStatus(StrEnum):
    CERTIFIED = "certified"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"


class Pathway(StrEnum):
    INTEGRATED_PLASTICS = "integrated_plastics"
    INDEPENDENT_PLASTICS = "independent_plastics"
    RESEARCH_YEAR = "research_year"
    GENERAL_SURGERY = "general_surgery"
    PRELIMINARY_SURGERY = "preliminary_surgery"
    TRANSITIONAL_YEAR = "transitional_year"
    PIVOT = "pivot"


class Specialty(StrEnum):
    PLASTIC_SURGERY = "plastic_surgery"
    GENERAL_SURGERY = "general_surgery"
    OTHER_SURGERY = "other_surgery"
    OTHER = "other"

    @property
    def is_surgical(self) -> bool:
        return self is not Specialty.OTHER


class Exam(StrEnum):
    STEP1 = "step1"
    STEP2CK = "step2ck"
    STEP3 = "step3"


class PassFail(StrEnum):
    PASS = "pass"  # noqa: S105  # an exam result, not a password  # nosec B105
    FAIL = "fail"


class PracticeSource(StrEnum):
    NBME = "NBME"
    UWORLD = "UWorld"
    FREE120 = "Free120"
    OTHER = "other"


class UsceKind(StrEnum):
    SUB_INTERNSHIP = "sub_internship"
    ELECTIVE = "elective"
    EXTERNSHIP = "externship"
    OBSERVERSHIP = "observership"
    RESEARCH_FELLOWSHIP = "research_fellowship"
    RESIDENCY = "residency"

    @property
    def is_hands_on(self) -> bool:
        return self in (UsceKind.SUB_INTERNSHIP, UsceKind.ELECTIVE, UsceKind.RESIDENCY)


class ResearchKind(StrEnum):
    ABSTRACT = "abstract"
    POSTER = "poster"
    ORAL_PRESENTATION = "oral_presentation"
    PUBLICATION = "publication"
    MANUSCRIPT_SUBMITTED = "manuscript_submitted"
    CASE_REPORT = "case_report"


class CycleOutcome(StrEnum):
    MATCHED_CATEGORICAL = "matched_categorical"
    MATCHED_PRELIM = "matched_prelim"
    MATCHED_OTHER = "matched_other"
    SOAP = "soap"
    UNMATCHED = "unmatched"
    WITHDREW = "withdrew"
    PENDING = "pending"

    @property
    def is_match(self) -> bool:
        return self in (
            CycleOutcome.MATCHED_CATEGORICAL,
            CycleOutcome.MATCHED_PRELIM,
            CycleOutcome.MATCHED_OTHER,
            CycleOutcome.SOAP,
        )


class MenteeStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"


class MilestoneStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class FlagState(StrEnum):
    OPEN = "open"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


class Verdict(StrEnum):
    """One ordered scale for every pathway; compare with `rank`."""

    BLOCKED = "blocked"
    LONG_SHOT = "long_shot"
    REACH = "reach"
    REALISTIC = "realistic"
    STRONG = "strong"

    @property
    def rank(self) -> int:
        return _VERDICT_ORDER.index(self)

    @classmethod
    def from_rank(cls, rank: int) -> "Verdict":
        return _VERDICT_ORDER[max(0, min(rank, len(_VERDICT_ORDER) - 1))]


_VERDICT_ORDER = [
    Verdict.BLOCKED,
    Verdict.LONG_SHOT,
    Verdict.REACH,
    Verdict.REALISTIC,
    Verdict.STRONG,
]


class Effect(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


class ReminderKind(StrEnum):
    CHECKPOINT_DUE = "checkpoint_due"
    CHECKPOINT_OVERDUE = "checkpoint_overdue"
    MILESTONE_DUE = "milestone_due"
    MILESTONE_OVERDUE = "milestone_overdue"
    SEASON = "season"
    FLAG_RAISED = "flag_raised"
    MENTOR_DIGEST = "mentor_digest"
    # A season's applications (bot/reminders/application_plan.py).
    SUBMISSION_DAY = "submission_day"
    FEW_INTERVIEWS = "few_interviews"
    RANK_DEADLINE = "rank_deadline"
    SOAP_READY = "soap_ready"


class DeliveryKind(StrEnum):
    """What a ledger row delivers. Each kind has one courier (bot/outbox/courier.py) and one
    function that builds its dedupe key. Stored by value in a plain string column (no CHECK
    constraint), so adding a kind is one member here and one courier, with no migration; the
    values are the ones rows already carry."""

    # A person's DM (bot/reminders/courier.py); the same values as ReminderKind, which lists
    # the kinds a person can opt out of.
    CHECKPOINT_DUE = "checkpoint_due"
    CHECKPOINT_OVERDUE = "checkpoint_overdue"
    MILESTONE_DUE = "milestone_due"
    MILESTONE_OVERDUE = "milestone_overdue"
    SEASON = "season"
    FLAG_RAISED = "flag_raised"
    MENTOR_DIGEST = "mentor_digest"
    SUBMISSION_DAY = "submission_day"  # submissions open; programmes on the list not sent
    FEW_INTERVIEWS = "few_interviews"  # mid-season, few invitations: to the mentors
    RANK_DEADLINE = "rank_deadline"  # the rank list is due; interviews not ranked yet
    SOAP_READY = "soap_ready"  # before Match Week: be ready for SOAP
    # The mentors channel (bot/dashboards/courier.py).
    DASHBOARD_CARD = "dashboard_card"  # creates a mentee's card (a new parent message)
    DASHBOARD_UPDATE = "dashboard_update"  # chat.update of the card, coalesced
    DASHBOARD_REPLY = "dashboard_reply"  # a line in the card's thread
    DASHBOARD_DELETE = "dashboard_delete"  # a forgotten mentee's post, deleted


class AuditOutcome(StrEnum):
    OK = "ok"
    DENIED = "denied"


class DeliveryState(StrEnum):
    """The delivery ledger's states; see bot/reminders/ for the transitions."""

    PENDING = "pending"  # planned; waiting for its send time
    CLAIMED = "claimed"  # a dispatcher holds a lease and is sending
    SENT = "sent"
    RETRY_WAIT = "retry_wait"  # not delivered; try again at next_attempt_at
    UNKNOWN = "unknown"  # may have landed (timeout, 5xx, lost lease): reconcile before retrying
    FAILED = "failed"  # permanent error; never retried
    EXPIRED = "expired"  # past its expiry before it could go
    CANCELLED = "cancelled"  # its reason went away (milestone done, opted out, ...)


# The words people see for each value: forms, cards, the profile, assessments, reminders and
# confirmations all take them from here. Mid-sentence forms: lower case but for names and
# acronyms, so "Non-US IMG, J-1 visa" and "verdict: long shot" both read right.
LABELS: dict[type[StrEnum], dict[str, str]] = {
    ApplicantType: {
        "us_img": "US-citizen IMG",
        "non_us_img": "Non-US IMG",
        "us_md": "US MD",
        "us_do": "US DO",
    },
    VisaNeed: {
        "none": "no visa needed",
        "j1": "J-1 visa",
        "h1b": "H-1B visa only",
        "j1_or_h1b": "J-1 or H-1B visa",
    },
    EcfmgStatus: {
        "certified": "certified",
        "in_progress": "in progress",
        "not_started": "not started",
    },
    Pathway: {
        "integrated_plastics": "integrated plastics",
        "independent_plastics": "independent plastics",
        "research_year": "research year",
        "general_surgery": "general surgery",
        "preliminary_surgery": "preliminary surgery",
        "transitional_year": "transitional year",
        "pivot": "pivot",
    },
    Specialty: {
        "plastic_surgery": "plastic surgery",
        "general_surgery": "general surgery",
        "other_surgery": "other surgery",
        "other": "other",
    },
    Exam: {"step1": "Step 1", "step2ck": "Step 2 CK", "step3": "Step 3"},
    PassFail: {"pass": "pass", "fail": "fail"},  # an exam result, not a password  # nosec B105
    PracticeSource: {"NBME": "NBME", "UWorld": "UWorld", "Free120": "Free 120", "other": "other"},
    UsceKind: {
        "sub_internship": "sub-internship",
        "elective": "elective",
        "externship": "externship",
        "observership": "observership",
        "research_fellowship": "research fellowship",
        "residency": "residency",
    },
    ResearchKind: {
        "abstract": "abstract",
        "poster": "poster",
        "oral_presentation": "oral presentation",
        "publication": "publication",
        "manuscript_submitted": "manuscript submitted",
        "case_report": "case report",
    },
    CycleOutcome: {
        "matched_categorical": "matched (categorical)",
        "matched_prelim": "matched (preliminary)",
        "matched_other": "matched (other)",
        "soap": "matched in SOAP",
        "unmatched": "unmatched",
        "withdrew": "withdrew",
        "pending": "pending",
    },
    MenteeStatus: {
        "active": "active",
        "paused": "paused",
        "matched": "matched",
        "withdrawn": "withdrawn",
    },
    MilestoneStatus: {"open": "open", "done": "done", "dropped": "dropped"},
    FlagState: {"open": "open", "snoozed": "snoozed", "resolved": "resolved"},
    Verdict: {
        "blocked": "blocked",
        "long_shot": "long shot",
        "reach": "reach",
        "realistic": "realistic",
        "strong": "strong",
    },
    ReminderKind: {
        "checkpoint_due": "check-in coming up",
        "checkpoint_overdue": "check-in overdue",
        "milestone_due": "milestone coming up",
        "milestone_overdue": "milestone overdue",
        "season": "season dates (ERAS, Match)",
        "flag_raised": "flag raised",
        "mentor_digest": "weekly mentor digest",
        "submission_day": "submission day: programmes not sent yet",
        "few_interviews": "few interview invitations (mentors)",
        "rank_deadline": "rank-list deadline",
        "soap_ready": "SOAP readiness before Match Week",
    },
}


def label(value: StrEnum) -> str:
    """What people see for a vocabulary value."""
    return LABELS[type(value)][value.value]


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 mentee`, `2 mentees`; `many` for words that do not just take an s."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"
