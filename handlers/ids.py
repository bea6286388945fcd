"""Every Slack id the app defines (action_id, callback_id, block_id), and the subcommand words of
`/matchpath`, in one place."""

from enum import StrEnum


class Action(StrEnum):
    EDIT_PROFILE = "profile.edit"
    OPEN_PROFILE = "profile.open"
    ASSESS = "assess.run"
    SHARE_ASSESSMENT = "assess.share"
    RECORD_CHECKIN = "checkin.open"
    MILESTONE_DONE = "milestone.done"
    MILESTONE_DROP = "milestone.drop"
    MILESTONE_SNOOZE = "milestone.snooze"
    SAVE_PLAN = "plan.save"
    SAVE_LIST = "list.save"
    FLAG_SNOOZE = "flag.snooze"
    FLAG_RESOLVE = "flag.resolve"
    LOG_ITEM = "log.open"
    FORGET_CONFIRM = "forget.confirm"
    OPEN_SETTINGS = "settings.open"
    PICK_MENTEE = "mentee.pick"
    PICK_APPLICATION = "application.pick"
    OPEN_APPLICATIONS = "applications.open"


class View(StrEnum):
    PROFILE = "profile.modal"
    ITEM = "item.modal"
    CHECKIN = "checkin.modal"
    SETTINGS = "settings.modal"
    FLAG_RESOLVE = "flag.resolve.modal"
    LOADING = "loading.modal"
    APPLICATIONS = "applications.modal"


class Block(StrEnum):
    NAME = "name"
    APPLICANT_TYPE = "applicant_type"
    VISA = "visa"
    ECFMG = "ecfmg"
    GRADUATION_YEAR = "graduation_year"
    TARGETS = "targets"
    FLAGS = "flags"
    CADENCE = "checkpoint_cadence_days"
    STATUS = "status"
    NOTES = "notes"
    WELLBEING = "wellbeing_asked"
    TZ = "tz"
    QUIET_START = "quiet_start"
    QUIET_END = "quiet_end"
    QUIET_WEEKENDS = "quiet_weekends"
    OPT_OUTS = "opt_outs"
    REASON = "reason"
    ACTIONS = "actions"
    ON = "on"
    CORRECTION = "correction"
    APPLICATION = "application"  # one per application on the statuses form: "application.<id>"


# Every input element uses this action_id; its block_id says which field it is.
INPUT = "value"


class Sub(StrEnum):
    """The first word of `/matchpath` text: the parser reads it, the help lists it."""

    HELP = "help"
    ENROLL = "enroll"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    PROFILE = "profile"
    ASSESS = "assess"
    LOG = "log"
    MILESTONE = "milestone"
    PLAN = "plan"
    LIST = "list"
    REPORT = "report"
    CHECKIN = "checkin"
    FLAGS = "flags"
    SETTINGS = "settings"
    EXPORT = "export"
    FORGET = "forget"
    DASHBOARD = "dashboard"
    APPLICATIONS = "applications"
    CALENDAR = "calendar"
