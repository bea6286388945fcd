"""Where an entry of a roster stands in the file it came from, for the problems that name it.

A JSON roster names an entry by its index and field (`mentees[3] (UMENTEE04).mentors`); a CSV
roster by file, line and column (`mentees.csv line 5, mentors`). The checks that need the
database (bot/roster/service.py) ask these places, so that a problem found there reads like
one found while the file was parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.roster.schema import Roster


class Places:
    """The JSON roster's places."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster

    def mentor(self, index: int, column: str | None = None) -> str:
        where = f"mentors[{index}] ({self.roster.mentors[index].slack_user_id})"
        return f"{where}.{column}" if column else where

    def mentee(self, index: int, column: str | None = None) -> str:
        slack_id = self.roster.mentees[index].slack_user_id
        if slack_id is None:
            return f"mentees[{index}].slack_user_id"
        where = f"mentees[{index}] ({slack_id})"
        return f"{where}.{column}" if column else where

    def check_in(self, index: int, number: int, column: str) -> str:
        return f"{self.mentee(index)}.checkins[{number}].{column}"


@dataclass(frozen=True)
class SheetLines:
    """The line each entry of a CSV roster started on, per sheet."""

    mentors: list[int] = field(default_factory=list)  # people.csv, per mentor
    mentees: list[int] = field(default_factory=list)  # mentees.csv, per mentee
    check_ins: list[list[int]] = field(default_factory=list)  # checkins.csv, per mentee


class CsvPlaces(Places):
    def __init__(self, roster: Roster, lines: SheetLines) -> None:
        super().__init__(roster)
        self.lines = lines

    def mentor(self, index: int, column: str | None = None) -> str:
        return _at("people.csv", self.lines.mentors[index], column)

    def mentee(self, index: int, column: str | None = None) -> str:
        where = _at("mentees.csv", self.lines.mentees[index], column)
        return where if column else f"{where} ({self.roster.mentees[index].slack_user_id})"

    def check_in(self, index: int, number: int, column: str) -> str:
        return _at("checkins.csv", self.lines.check_ins[index][number], column)


def _at(sheet: str, line: int, column: str | None) -> str:
    where = f"{sheet} line {line}"
    return f"{where}, {column}" if column else where


@dataclass(frozen=True)
class ParsedRoster:
    roster: Roster
    places: Places
