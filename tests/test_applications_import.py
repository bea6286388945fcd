"""An admin's CSV of application statuses: applied whole, or refused whole with every problem
named by line and column and nothing written."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import Actor, resolve_actor
from bot.applications.dto import ApplicationRead
from bot.applications.imports import StatusImport, import_statuses, parse_status_csv
from bot.applications.models import ApplicationChange
from bot.applications.service import get_applications
from bot.applications.vocab import ApplicationStatus as S
from bot.applications.vocab import ChangeVia
from bot.errors import AccessDenied, InvalidInput
from bot.models import AuditEvent
from tests.applications_world import saved
from tests.factories import Programme, build_programme

OCTOBER = datetime(2027, 10, 20, 15, 0, tzinfo=UTC)
HEADER = "mentee,season,programme,track,status,date,correction\n"


@pytest.fixture
def world(session: Session, system: Actor) -> Programme:
    p = build_programme(session, system)
    saved(session, system, p.mentor, "UMENTEE1")
    saved(session, system, p.other_mentor, "UMENTEE2")
    return p


def admin(session: Session, world: Programme) -> Actor:
    return resolve_actor(session, slack_user_id="UADMIN1", admin_ids=frozenset(), now=OCTOBER)


def listed(session: Session, world: Programme, who: str = "UMENTEE1") -> list[ApplicationRead]:
    return get_applications(session, actor=world.admin, slack_user_id=who).applications


def unique_and_namesake(apps: list[ApplicationRead]) -> tuple[ApplicationRead, ApplicationRead]:
    counts = Counter(a.name for a in apps)
    unique = next(a for a in apps if counts[a.name] == 1)
    namesake = next(a for a in apps if counts[a.name] > 1)
    return unique, namesake


def run(session: Session, world: Programme, text: str) -> StatusImport:
    rows = parse_status_csv(text.encode())
    return import_statuses(session, actor=admin(session, world), rows=rows)


def imported_changes(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(ApplicationChange.id)).where(
                ApplicationChange.via == ChangeVia.IMPORT
            )
        )
        or 0
    )


def test_a_good_file_applies_in_order_and_is_audited(session: Session, world: Programme) -> None:
    one, namesake = unique_and_namesake(listed(session, world))
    other = listed(session, world, "UMENTEE2")[0]
    text = HEADER + (
        f"UMENTEE1,2028,{one.name.upper()},,applied,2027-09-03,\n"
        f"UMENTEE1,2028,{one.name},,interview invited,2027-10-02,\n"
        f'UMENTEE1,2028,"{namesake.name}",{namesake.track.label},applied,2027-09-04,\n'
        f"UMENTEE2,2028,{other.name},{other.track.value},withdrawn,2027-09-30,no\n"
    )
    result = run(session, world, text)
    assert result == StatusImport(rows=4, changed=4, unchanged=0, mentees=2)
    after = {a.id: a for a in listed(session, world)}
    assert (after[one.id].status, after[one.id].applied_on, after[one.id].invited_on) == (
        S.INTERVIEW_INVITED,
        date(2027, 9, 3),
        date(2027, 10, 2),
    )
    assert after[namesake.id].status is S.APPLIED
    assert {a.status for a in listed(session, world, "UMENTEE2") if a.id == other.id} == {
        S.WITHDRAWN
    }
    assert imported_changes(session) == 4
    audited = session.scalars(
        select(AuditEvent.mentee_id).where(AuditEvent.action == "applications.import")
    ).all()
    assert len([m for m in audited if m is not None]) == 2


def test_the_same_file_twice_changes_nothing_the_second_time(
    session: Session, world: Programme
) -> None:
    one = listed(session, world)[0]
    text = HEADER + f'UMENTEE1,2028,"{one.name}",{one.track.value},applied,2027-09-03,\n'
    run(session, world, text)
    again = run(session, world, text)
    assert (again.changed, again.unchanged) == (0, 1)
    assert imported_changes(session) == 1


def test_every_problem_is_named_by_line_and_column_and_nothing_is_written(
    session: Session, world: Programme
) -> None:
    one, namesake = unique_and_namesake(listed(session, world))
    text = HEADER + (
        f'UMENTEE1,2028,"{one.name}",,applied,2027-09-03,\n'  # 2: fine on its own
        f'UNOBODY,2028,"{one.name}",,applied,,\n'  # 3
        f'UMENTEE1,20x8,"{one.name}",,applied,,\n'  # 4
        f'UMENTEE1,2028,"{one.name}",,shortlisted,,\n'  # 5
        f'UMENTEE1,2028,"{one.name}",,applied,3 Sept,\n'  # 6
        f"UMENTEE1,2028,{one.name.replace('Synthetic', 'Synthetc')},,applied,,\n"  # 7
        f'UMENTEE1,2028,"{namesake.name}",,applied,,\n'  # 8
        f'UMENTEE1,2028,"{one.name}",,planned,2027-09-05,\n'  # 9: a step back
        f'UMENTEE1,2027,"{one.name}",,applied,,\n'  # 10: no list that season
        f'UMENTEE1,2028,"{one.name}",,applied,,maybe\n'  # 11
    )
    with pytest.raises(InvalidInput) as refused:
        run(session, world, text)
    where = [p.where for p in refused.value.problems]
    assert where == [
        "line 4, season",
        "line 5, status",
        "line 6, date",
        "line 11, correction",
    ]
    # The file's own cells are read first; the rows that need the database come once they
    # are all well-formed.
    fixed = "\n".join(text.splitlines()[i] for i in (0, 1, 2, 6, 7, 8, 9)) + "\n"
    with pytest.raises(InvalidInput) as refused:
        run(session, world, fixed)
    problems = {p.where: p.message for p in refused.value.problems}
    assert list(problems) == [
        "line 3, mentee",
        "line 4, programme",
        "line 5, programme",
        "line 6, status",
        "line 7, season",
    ]
    assert "UNOBODY is not enrolled" in problems["line 3, mentee"]
    assert f"the closest: {one.name}" in problems["line 4, programme"]  # the best first
    assert "add a track, city or state" in problems["line 5, programme"]
    assert "from applied to planned" in problems["line 6, status"]
    assert one.name in problems["line 6, status"]
    assert "no saved list for the 2027 season" in problems["line 7, season"]
    assert imported_changes(session) == 0
    assert {a.status for a in listed(session, world)} == {S.PLANNED}


def test_a_correction_row_steps_back(session: Session, world: Programme) -> None:
    one = listed(session, world)[0]
    run(
        session,
        world,
        HEADER + f'UMENTEE1,2028,"{one.name}",{one.track.value},interviewed,2027-10-01,\n',
    )
    run(
        session,
        world,
        HEADER + f'UMENTEE1,2028,"{one.name}",{one.track.value},applied,2027-09-20,yes\n',
    )
    now = next(a for a in listed(session, world) if a.id == one.id)
    assert (now.status, now.interviewed_on, now.applied_on) == (S.APPLIED, None, date(2027, 9, 20))


@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_only_admins_import(session: Session, world: Programme, role: str) -> None:
    one = listed(session, world)[0]
    rows = parse_status_csv(
        (HEADER + f'UMENTEE1,2028,"{one.name}",{one.track.value},applied,,\n').encode()
    )
    with pytest.raises(AccessDenied):
        import_statuses(session, actor=world.as_role(role), rows=rows)
    assert imported_changes(session) == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"mentee,season,programme,stage\n", "'stage' is not a column here"),
        (b"mentee,season,status\n", "the column programme is missing"),
        (b"mentee,mentee,season,programme,status\n", "mentee is named twice"),
        (b"", "holds no header line"),
        (HEADER.encode(), "holds no rows"),
        (b"\xff\xfe" + HEADER.encode(), "not UTF-8"),
        (HEADER.encode() + b"UMENTEE1,2028,X,,applied,,,extra\n", "8 cells but the header names 7"),
        (HEADER.encode() + b'UMENTEE1,2028,"X\n', "not readable as CSV"),
    ],
)
def test_a_malformed_file_is_refused_before_any_row(data: bytes, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        parse_status_csv(data)


def test_comment_lines_and_blank_lines_are_skipped() -> None:
    rows = parse_status_csv(
        b"# statuses from the programme's spreadsheet\n\n"
        + HEADER.encode()
        + b"UMENTEE1,2028,Synthetic X,,Interview-Invited,2027-10-01,\n\n"
    )
    assert [(r.line, r.status, r.on) for r in rows] == [(4, S.INTERVIEW_INVITED, date(2027, 10, 1))]
