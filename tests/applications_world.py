"""Applications to test with: the synthetic programme file imported, and a mentee's list built
by the real list builder and saved through the service. Everything flushes, nothing commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import Actor, find_mentee, resolve_actor
from bot.applications.dto import ApplicationRead, SavedListRead
from bot.applications.imports import import_statuses, parse_status_csv
from bot.applications.models import Application
from bot.applications.service import get_applications, save_list
from bot.assessment.engine import assess
from bot.assessment.ruleset import load_ruleset
from bot.mentees.enrolment import enroll
from bot.profile.store import load_profiles
from bot.programmes.dto import DatasetRead, ProgrammeList
from bot.programmes.files import parse_programmes
from bot.programmes.listing import build_list
from bot.programmes.service import import_programmes, latest_dataset, load_programmes
from tests.factories import Programme, build_programme, profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "programmes.csv"
RULESET = load_ruleset()


def example_programmes(session: Session, system: Actor) -> DatasetRead:
    """The synthetic example file as the latest data version (imported once per session)."""
    found = latest_dataset(session)
    if found is not None:
        return found
    data = EXAMPLE.read_bytes()
    rows = parse_programmes(data, "csv")
    return import_programmes(session, actor=system, rows=rows, source=EXAMPLE.name, content=data)


def built_list(session: Session, system: Actor, slack_user_id: str) -> ProgrammeList:
    mentee = find_mentee(session, slack_user_id)
    assert mentee is not None
    profile = load_profiles(session, [mentee])[mentee.id]
    as_of = system.now.date()
    assessment = assess(profile, ruleset=RULESET, as_of=as_of)
    return build_list(
        profile, assessment=assessment, data=load_programmes(session), ruleset=RULESET
    )


def saved(session: Session, system: Actor, actor: Actor, slack_user_id: str) -> SavedListRead:
    example_programmes(session, system)
    return save_list(
        session,
        actor=actor,
        slack_user_id=slack_user_id,
        programmes=built_list(session, system, slack_user_id),
    )


def application_ids(session: Session, slack_user_id: str) -> list[int]:
    mentee = find_mentee(session, slack_user_id)
    assert mentee is not None
    return list(
        session.scalars(
            select(Application.id)
            .where(Application.mentee_id == mentee.id)
            .order_by(Application.name, Application.id)
        )
    )


# -- a cohort counted by hand -----------------------------------------------------------------

COHORT_SEASON = 2028
MARCH = datetime(2028, 3, 20, 15, 0, tzinfo=UTC)  # after the 2028 Match


@dataclass(frozen=True)
class Cohort:
    """Four mentees: two non-US IMGs (mentors 1 and 2), a US IMG of mentor 1 and another US
    IMG of mentor 1 with no list. Ten applications, each with a known path (see test files)."""

    programme: Programme
    apps: dict[str, ApplicationRead]  # "A1".."A5" (mentee 1), "B1".."B3", "C1", "C2"


# What each application goes through, in order: (status, day).
PATHS: dict[str, list[tuple[str, str]]] = {
    "A1": [
        ("applied", "2027-09-03"),
        ("interview_invited", "2027-10-05"),
        ("interviewed", "2027-11-10"),
        ("ranked", "2028-02-28"),
        ("matched", "2028-03-20"),
    ],
    "A2": [("applied", "2027-09-03"), ("declined", "2027-10-20")],
    "A3": [
        ("applied", "2027-09-04"),
        ("interview_invited", "2027-10-08"),
        ("withdrawn", "2027-10-15"),
    ],
    "A4": [("interview_invited", "2027-10-09")],
    "A5": [],
    "B1": [
        ("applied", "2027-09-05"),
        ("interview_invited", "2027-10-12"),
        ("interviewed", "2027-11-20"),
        ("ranked", "2028-02-27"),
        ("not_matched", "2028-03-20"),
    ],
    "B2": [("withdrawn", "2027-09-01")],
    "B3": [("applied", "2027-09-05"), ("declined", "2027-11-01")],
    "C1": [("applied", "2027-09-10")],
    "C2": [],
}
LISTS = {
    "UMENTEE1": [
        ("A1", "preliminary_surgery"),
        ("A2", "preliminary_surgery"),
        ("A3", "general_surgery"),
        ("A4", "general_surgery"),
        ("A5", "transitional_year"),
    ],
    "UMENTEE2": [
        ("B1", "preliminary_surgery"),
        ("B2", "preliminary_surgery"),
        ("B3", "preliminary_surgery"),
    ],
    "UMENTEE3": [("C1", "transitional_year"), ("C2", "transitional_year")],
}


def cohort(session: Session, system: Actor) -> Cohort:
    p = build_programme(session, system)
    for user_id in ("UMENTEE3", "UMENTEE4"):
        enroll(
            session,
            actor=system,
            slack_user_id=user_id,
            profile=profile(name=f"Mentee {user_id[-1]}", applicant_type="us_img", visa="none"),
            mentor_ids=["UMENTOR1"],
        )
    example_programmes(session, system)
    built = built_list(session, system, "UMENTEE1")
    pool = [pl for t in built.tracks for pl in t.listed]
    taken: set[int] = set()
    apps: dict[str, ApplicationRead] = {}
    for mentee, wanted in LISTS.items():
        chosen = []
        for _, track in wanted:
            place = next(
                pl for pl in pool if pl.programme.track == track and pl.programme.id not in taken
            )
            taken.add(place.programme.id)
            chosen.append(place)
        only = built.model_copy(
            update={
                "tracks": [built.tracks[0].model_copy(update={"listed": chosen})],
            }
        )
        save_list(session, actor=p.admin, slack_user_id=mentee, programmes=only)
        read = get_applications(session, actor=p.admin, slack_user_id=mentee).applications
        by_programme = {(a.name, a.track, a.city): a for a in read}
        for (label, _), place in zip(wanted, chosen, strict=True):
            pr = place.programme
            apps[label] = by_programme[(pr.name, pr.track, pr.city)]
    admin = resolve_actor(session, slack_user_id="UADMIN1", admin_ids=frozenset(), now=MARCH)
    lines = ["mentee,season,programme,track,city,state,status,date"]
    owner = {label: m for m, wanted in LISTS.items() for label, _ in wanted}
    for label, path in PATHS.items():
        a = apps[label]
        for status, day in path:
            lines.append(
                f'{owner[label]},{COHORT_SEASON},"{a.name}",{a.track.value},"{a.city}",'
                f"{a.state},{status},{day}"
            )
    import_statuses(session, actor=admin, rows=parse_status_csv(("\n".join(lines) + "\n").encode()))
    return Cohort(programme=p, apps=apps)
