"""The header line of a CSV file a person keeps in a spreadsheet (a roster sheet, programme data,
applications): its cells as column names, or every problem with them at once."""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import InvalidInput, Problem


def read_header(
    header: Sequence[str],
    where: str,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    not_a: str,
) -> list[str]:
    """The header's column names (spaces and dashes as underscores, any case); `InvalidInput`
    naming each unknown, repeated or missing column. `not_a` says what an unknown one is not
    ("a programme column")."""
    names = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in header]
    problems = []
    for n, name in enumerate(names, start=1):
        if name not in columns:
            problems.append(
                Problem(
                    f"{where}, column {n}",
                    f"{header[n - 1].strip()!r} is not {not_a} "
                    f"(the columns are {', '.join(columns)})",
                )
            )
        elif names.index(name) != n - 1:
            problems.append(Problem(f"{where}, column {n}", f"{name} is named twice"))
    for name in required:
        if name not in names:
            problems.append(Problem(where, f"the column {name} is missing (it is required)"))
    if problems:
        raise InvalidInput(problems)
    return names
