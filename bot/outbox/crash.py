"""Named points for the crash and freeze drills: `MATCHPATH_CRASH_AT=after_claim` makes the
process kill itself (SIGKILL, no clean-up) right there; `MATCHPATH_FREEZE_AT=holding_rate_bucket`
stops it there (SIGSTOP: it holds whatever it holds until someone sends SIGCONT). Unset, they
cost two lookups."""

from __future__ import annotations

import os
import signal


def crashpoint(name: str) -> None:
    if os.environ.get("MATCHPATH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("MATCHPATH_FREEZE_AT") == name:
        del os.environ["MATCHPATH_FREEZE_AT"]  # once: after SIGCONT the process carries on
        os.kill(os.getpid(), signal.SIGSTOP)
