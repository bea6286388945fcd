"""The cohort report against a cohort counted by hand (tests/applications_world.py: four
mentees, ten applications, each path written out), its CSV, its chart, and who may see it."""

from __future__ import annotations

import csv
import io
import struct

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.access import AccessDeniedAudited, Actor
from bot.applications.chart import render_chart
from bot.applications.report import CSV_COLUMNS, CohortReport, cohort_report, report_csv
from bot.errors import NotFound
from bot.programmes.vocab import ProgrammeTrack as T
from bot.vocab import ApplicantType as A
from tests.applications_world import COHORT_SEASON, Cohort, cohort

PRELIM, GS, TY = T.PRELIMINARY_SURGERY, T.GENERAL_SURGERY, T.TRANSITIONAL_YEAR
NON_US, US = A.NON_US_IMG, A.US_IMG

# Applications: listed, applied, invited, interviewed, ranked, matched, not matched,
# withdrawn, declined, open. Counted from PATHS by hand:
#   A1 prelim matched, A2 prelim applied→declined, A3 GS applied→invited→withdrawn,
#   A4 GS invited (a jump), A5 TY planned; B1 prelim not matched, B2 prelim withdrawn unsent,
#   B3 prelim applied→declined; C1 TY applied, C2 TY planned.
APPLICATIONS = {
    (None, None): (10, 7, 4, 2, 2, 1, 1, 2, 2, 4),
    (PRELIM, None): (5, 4, 2, 2, 2, 1, 1, 1, 2, 0),
    (GS, None): (2, 2, 2, 0, 0, 0, 0, 1, 0, 1),
    (TY, None): (3, 1, 0, 0, 0, 0, 0, 0, 0, 3),
    (None, NON_US): (8, 6, 4, 2, 2, 1, 1, 2, 2, 2),
    (None, US): (2, 1, 0, 0, 0, 0, 0, 0, 0, 2),
    (PRELIM, NON_US): (5, 4, 2, 2, 2, 1, 1, 1, 2, 0),
    (GS, NON_US): (2, 2, 2, 0, 0, 0, 0, 1, 0, 1),
    (TY, NON_US): (1, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    (TY, US): (2, 1, 0, 0, 0, 0, 0, 0, 0, 2),
}
# Mentees: in scope, with a list, with one applied / invited / interviewed / ranked, matched,
# every application closed unmatched, still under way. Mentee 1 matched (A1); mentee 2 closed
# unmatched; mentee 3 under way; mentee 4 has no list. On a track row, how it ended there.
MENTEES = {
    (None, None): (4, 3, 3, 2, 2, 2, 1, 1, 1),
    (None, NON_US): (2, 2, 2, 2, 2, 2, 1, 1, 0),
    (None, US): (2, 1, 1, 0, 0, 0, 0, 0, 1),
    (PRELIM, None): (None, 2, 2, 2, 2, 2, 1, 1, 0),
    (GS, None): (None, 1, 1, 1, 0, 0, 0, 0, 1),
    (TY, None): (None, 2, 1, 0, 0, 0, 0, 0, 2),
    (PRELIM, NON_US): (None, 2, 2, 2, 2, 2, 1, 1, 0),
    (GS, NON_US): (None, 1, 1, 1, 0, 0, 0, 0, 1),
    (TY, NON_US): (None, 1, 0, 0, 0, 0, 0, 0, 1),
    (TY, US): (None, 1, 1, 0, 0, 0, 0, 0, 1),
}


@pytest.fixture
def world(session: Session, system: Actor) -> Cohort:
    return cohort(session, system)


def application_counts(report: CohortReport) -> dict[tuple[T | None, A | None], tuple[int, ...]]:
    return {
        (r.track, r.applicant_type): (
            r.listed,
            r.applied,
            r.invited,
            r.interviewed,
            r.ranked,
            r.matched,
            r.not_matched,
            r.withdrawn or 0,
            r.declined or 0,
            r.open,
        )
        for r in report.rows
        if r.count_of == "applications"
    }


def mentee_counts(report: CohortReport) -> dict[tuple[T | None, A | None], tuple[int | None, ...]]:
    return {
        (r.track, r.applicant_type): (
            r.mentees,
            r.listed,
            r.applied,
            r.invited,
            r.interviewed,
            r.ranked,
            r.matched,
            r.not_matched,
            r.open,
        )
        for r in report.rows
        if r.count_of == "mentees"
    }


def test_an_admin_sees_every_mentee_counted_as_by_hand(session: Session, world: Cohort) -> None:
    report = cohort_report(session, actor=world.programme.admin, season=COHORT_SEASON)
    assert report.scope == "every mentee"
    assert application_counts(report) == APPLICATIONS
    assert mentee_counts(report) == MENTEES
    # Rows come totals first, then by track, by type, and by both, in a fixed order.
    assert [(r.track, r.applicant_type) for r in report.rows[:4]] == [
        (None, None),
        (GS, None),
        (PRELIM, None),
        (TY, None),
    ]


def test_a_mentor_sees_their_own_mentees_only(session: Session, world: Cohort) -> None:
    """Mentor 1 mentors mentees 1, 3 and 4 (A1-A5, C1, C2)."""
    report = cohort_report(session, actor=world.programme.mentor, season=COHORT_SEASON)
    assert report.scope == "your mentees"
    assert application_counts(report)[(None, None)] == (7, 5, 3, 1, 1, 1, 0, 1, 1, 4)
    assert mentee_counts(report)[(None, None)] == (3, 2, 2, 1, 1, 1, 1, 0, 1)
    assert (PRELIM, NON_US) in application_counts(report)
    other = cohort_report(session, actor=world.programme.other_mentor, season=COHORT_SEASON)
    assert application_counts(other)[(None, None)] == (3, 2, 1, 1, 1, 0, 1, 1, 1, 0)


@pytest.mark.parametrize("role", ["mentee", "stranger"])
def test_mentees_and_strangers_see_no_report(session: Session, world: Cohort, role: str) -> None:
    with pytest.raises(AccessDeniedAudited, match="mentors and admins") as refused:
        cohort_report(session, actor=world.programme.as_role(role), season=COHORT_SEASON)
    (record,) = refused.value.after_rollback
    assert record.action == "report.read"  # type: ignore[attr-defined]


def test_a_season_without_applications_says_which_seasons_have_some(
    session: Session, world: Cohort
) -> None:
    with pytest.raises(
        NotFound, match="the 2027 season among every mentee; seasons with applications: 2028"
    ):
        cohort_report(session, actor=world.programme.admin, season=2027)


def statements(session: Session, actor: Actor) -> int:
    seen: list[str] = []
    connection = session.connection()

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", count)
    try:
        cohort_report(session, actor=actor, season=COHORT_SEASON)
        session.flush()
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def test_the_report_takes_a_fixed_number_of_statements(session: Session, world: Cohort) -> None:
    """Two reads and the audit row for an admin; a mentor's scope is looked up first. The
    bench (bench/cohort_report.py) shows the same counts at 200 and 2,000 mentees."""
    assert statements(session, world.programme.admin) == 3
    assert statements(session, world.programme.mentor) == 4


def test_the_csv_holds_every_row_and_reads_back(session: Session, world: Cohort) -> None:
    report = cohort_report(session, actor=world.programme.admin, season=COHORT_SEASON)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(report.rows)
    total = next(
        r
        for r in rows
        if (r["count_of"], r["track"], r["applicant_type"]) == ("applications", "all", "all")
    )
    assert [int(total[c]) for c in CSV_COLUMNS[4:]] == list(APPLICATIONS[(None, None)])
    people = next(
        r
        for r in rows
        if (r["count_of"], r["track"], r["applicant_type"])
        == ("mentees", "preliminary_surgery", "non_us_img")
    )
    assert (people["mentees"], people["withdrawn"], people["matched"]) == ("", "", "1")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_chart_is_a_phone_sized_png(session: Session, world: Cohort) -> None:
    report = cohort_report(session, actor=world.programme.admin, season=COHORT_SEASON)
    data = render_chart(report)
    assert png_size(data) == (900, 1200)
    assert len(data) > 20_000  # bars, labels and counts drawn, not a blank canvas
    empty = report.model_copy(
        update={
            "rows": [
                r.model_copy(
                    update={"applied": 0, "invited": 0, "interviewed": 0, "ranked": 0, "matched": 0}
                )
                for r in report.rows
            ]
        }
    )
    assert render_chart(empty) != data  # the bars are what the numbers say
