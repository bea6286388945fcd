"""Named crash points for the crash-safety drills: `MATCHPATH_CRASH_AT=after_claim` makes the
process kill itself (SIGKILL, no clean-up) right there. Unset, they cost one lookup."""

from __future__ import annotations

import os
import signal


def crashpoint(name: str) -> None:
    if os.environ.get("MATCHPATH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
