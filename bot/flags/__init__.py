"""Stagnation and risk flags, all in one place: the rules read from a profile (`rules.py`,
which the assessment shows too), what holds for a mentee now (`evaluation.py`), a flag's
episodes (`lifecycle.py`), the sweep's batch step (`sweep.py`), and what mentors do with
flags: list, snooze, resolve (`service.py`)."""
