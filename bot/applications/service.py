"""Save a built list as a mentee's applications for a season, read them, change their statuses,
and find one by the name someone typed.

Who may do what (bot/access.py's roles): saving a list is planning (mentors and admins); the
mentee, their mentors and admins update statuses; only mentors and admins correct one (see
lifecycle.py for the rules). Every access is audited; a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.access import (
    AccessDeniedAudited,
    Actor,
    Capability,
    Role,
    audit_event,
    mentee_for,
    role_for,
)
from bot.applications.dto import (
    Applications,
    Funnel,
    SavedListRead,
    StatusChange,
    StatusesUpdated,
)
from bot.applications.funnel import funnels
from bot.applications.lifecycle import Change, Progress, apply_change
from bot.applications.matching import Candidate, NameMatch, match_name
from bot.applications.models import Application, ApplicationChange, SavedList
from bot.applications.progress import announce, progress_of, read_application, record_change
from bot.applications.vocab import ApplicationStatus, ChangeVia
from bot.assessment.dto import RuleNote
from bot.errors import InvalidInput, NotFound, Problem
from bot.events import ApplicationsListSaved, emit
from bot.models import Mentee
from bot.programmes.dto import Placement, ProgrammeList
from bot.programmes.models import Programme, ProgrammeDataset
from bot.programmes.vocab import Tier
from bot.vocab import AuditOutcome, plural

TIER_ORDER = {Tier.REACH: 0, Tier.CORE: 1, Tier.SAFETY: 2, None: 3}


def save_list(
    session: Session, *, actor: Actor, slack_user_id: str, programmes: ProgrammeList
) -> SavedListRead:
    """Save the listed programmes (not the reserve, not the excluded) as the mentee's list for
    its season. Saving again keeps every application already under way, adds the new ones as
    planned, and removes planned ones the new list no longer holds (they were never sent)."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.PLAN, "applications.save")
    if programmes.blocked or not programmes.tracks:
        why = "; ".join(n.text for n in programmes.blocked) or "it lists no track"
        raise InvalidInput.single("list", f"there is no list to save: {why}")
    dataset = session.scalar(
        select(ProgrammeDataset).where(ProgrammeDataset.version == programmes.dataset.version)
    )
    if dataset is None:
        raise NotFound(f"there is no programme data version {programmes.dataset.version}")
    placements = [p for track in programmes.tracks for p in track.listed]
    _check_programmes(session, dataset, placements)
    # Two saves for one mentee at once take turns: the second sees the first one's rows
    # instead of adding the same programmes again.
    session.execute(select(Mentee.id).where(Mentee.id == mentee.id).with_for_update())
    season = programmes.season
    saved = SavedList(
        mentee_id=mentee.id,
        season=season,
        dataset_id=dataset.id,
        dataset_version=dataset.version,
        ruleset_version=programmes.ruleset.version[:32],
        tracks=[str(t.pathway) for t in programmes.tracks],
        programmes=len(placements),
        saved_by=actor.slack_user_id[:32],
        saved_at=actor.now,
    )
    session.add(saved)
    session.flush()
    existing = {_key(a): a for a in _applications(session, mentee.id, season)}
    wanted = {_placement_key(p): p for p in placements}
    added = [
        _new_application(mentee.id, season, saved, place, actor)
        for key, place in wanted.items()
        if key not in existing
    ]
    for key, application in existing.items():
        place = wanted.get(key)
        if place is not None and application.status is ApplicationStatus.PLANNED:
            # Not sent yet: it takes the new list's tier and reasons.
            application.saved_list_id = saved.id
            application.programme_id = place.programme.id
            application.tier = place.tier
            application.reasons = _reasons(place.reasons + place.checks)
            application.updated_at = actor.now
    dropped = [
        a.id
        for key, a in existing.items()
        if key not in wanted and a.status is ApplicationStatus.PLANNED
    ]
    if dropped:
        session.execute(
            delete(ApplicationChange).where(ApplicationChange.application_id.in_(dropped))
        )
        session.execute(delete(Application).where(Application.id.in_(dropped)))
    session.flush()
    if added:
        # Plain multi-row INSERTs (no RETURNING, which SQLite would send row by row), then
        # the new ids in one SELECT: a list of 120 stays a handful of statements.
        session.execute(insert(Application), added)
        kept_ids = [a.id for a in existing.values()]
        new_ids = session.scalars(
            select(Application.id).where(
                Application.saved_list_id == saved.id, Application.id.not_in(kept_ids)
            )
        ).all()
        session.execute(
            insert(ApplicationChange),
            [
                {
                    "application_id": app_id,
                    "mentee_id": mentee.id,
                    "at": actor.now,
                    "happened_on": actor.now.date(),
                    "changed_by": actor.slack_user_id[:32],
                    "from_status": None,
                    "to_status": ApplicationStatus.PLANNED,
                    "via": ChangeVia.SAVED,
                    "correction": False,
                }
                for app_id in new_ids
            ],
        )
    session.flush()
    kept = len(wanted) - len(added)
    emit(
        session,
        ApplicationsListSaved(
            mentee_id=mentee.id,
            actor=actor,
            saved_list_id=saved.id,
            season=season,
            added=len(added),
            kept=kept,
            dropped=len(dropped),
        ),
    )
    return _saved_read(saved, added=len(added), kept=kept, dropped=len(dropped))


def get_applications(
    session: Session, *, actor: Actor, slack_user_id: str, season: int | None = None
) -> Applications:
    """The mentee's applications for the season (their latest season with a list when None)."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.READ, "applications.read")
    season = season if season is not None else _latest_season(session, mentee)
    rows = _applications(session, mentee.id, season)
    latest = session.scalar(
        select(SavedList)
        .where(SavedList.mentee_id == mentee.id, SavedList.season == season)
        .order_by(SavedList.id.desc())
        .limit(1)
    )
    return Applications(
        mentee_id=mentee.id,
        season=season,
        saved=_saved_read(latest) if latest is not None else None,
        applications=[read_application(a) for a in _in_list_order(rows)],
        funnel=funnels(session, season=season, mentees=[mentee.id]).get(mentee.id, Funnel()),
    )


def update_statuses(
    session: Session,
    *,
    actor: Actor,
    slack_user_id: str,
    season: int | None = None,
    changes: Sequence[StatusChange],
) -> StatusesUpdated:
    """Apply the changes, all or none: every refused change is listed (each naming its
    programme and both statuses) and nothing is written. Asking for the status an application
    already has is no change (a form sent twice changes nothing)."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.LOG_ITEM, "applications.update")
    season = season if season is not None else _latest_season(session, mentee)
    may_correct = role_for(session, actor, mentee) in (Role.ADMIN, Role.MENTOR)
    if any(c.correction for c in changes) and not may_correct:
        raise AccessDeniedAudited(
            audit_event(
                actor, "applications.correct", mentee, None, AuditOutcome.DENIED, {"role": "self"}
            ),
            "Only your mentors (or an admin) can correct a status: ask one of them.",
        )
    rows = {a.id: a for a in _applications(session, mentee.id, season, for_update=True)}
    today = actor.now.date()
    problems: list[Problem] = []
    planned: list[tuple[Application, Progress, StatusChange, date]] = []
    seen: set[int] = set()
    for change in changes:
        application = rows.get(change.application_id)
        if application is None:
            problems.append(
                Problem("application", f"{change.application_id} is not on this {season} list")
            )
            continue
        if change.application_id in seen:
            problems.append(Problem("application", f"{application.name} is changed twice"))
            continue
        seen.add(change.application_id)
        if application.status is change.to and not change.correction:
            continue
        on = change.on or today
        request = Change(
            programme=read_application(application).title,
            to=change.to,
            on=on,
            season=season,
            today=today,
            correction=change.correction,
            may_correct=may_correct,
        )
        try:
            after = apply_change(progress_of(application), request)
        except InvalidInput as exc:
            problems += exc.problems
            continue
        planned.append((application, after, change, on))
    if problems:
        raise InvalidInput(problems)
    recorded = [
        record_change(session, actor, application, after, on, ChangeVia.UPDATE, change.correction)
        for application, after, change, on in planned
    ]
    if recorded:
        mentee.updated_at = actor.now  # the flags' next sweep reads the new counts
    session.flush()
    announce(session, actor, recorded)
    made = [r.read for r in recorded]
    changed = {c.application.id for c in made}
    unchanged = [
        read_application(rows[c.application_id]) for c in changes if c.application_id not in changed
    ]
    funnel = funnels(session, season=season, mentees=[mentee.id]).get(mentee.id, Funnel())
    return StatusesUpdated(changes=made, unchanged=unchanged, funnel=funnel)


def find_programme(
    session: Session, *, actor: Actor, slack_user_id: str, text: str, season: int | None = None
) -> NameMatch:
    """The application a typed name means, among the mentee's for the season: one, the ones
    to choose between, or none with the closest names (`Candidate.key` is the application id)."""
    mentee = mentee_for(session, actor, slack_user_id, Capability.READ, "applications.find")
    season = season if season is not None else _latest_season(session, mentee)
    candidates = [
        Candidate(
            key=a.id, name=a.name, detail=f"{a.track.label}, {a.city} {a.state}, {a.status.label}"
        )
        for a in _in_list_order(_applications(session, mentee.id, season))
    ]
    return match_name(text, candidates)


# -- helpers ----------------------------------------------------------------------------------


def _applications(
    session: Session, mentee_id: int, season: int, *, for_update: bool = False
) -> list[Application]:
    query = select(Application).where(
        Application.mentee_id == mentee_id, Application.season == season
    )
    if for_update:
        # Two people changing the same list at once take turns (PostgreSQL; SQLite's writers
        # already do), so each change starts from the status the other one left.
        query = query.with_for_update()
    return list(session.scalars(query))


def _latest_season(session: Session, mentee: Mentee) -> int:
    season = session.scalar(
        select(func.max(SavedList.season)).where(SavedList.mentee_id == mentee.id)
    )
    if season is None:
        raise NotFound(
            f"{mentee.person.display_name} has no saved programme list yet: build one with "
            "`/matchpath list @mentee` and save it"
        )
    return int(season)


def _in_list_order(rows: Sequence[Application]) -> list[Application]:
    return sorted(rows, key=lambda a: (TIER_ORDER[a.tier], a.name.casefold(), a.track, a.id))


def _check_programmes(
    session: Session, dataset: ProgrammeDataset, placements: Sequence[Placement]
) -> None:
    ids = {p.programme.id for p in placements}
    known = set(
        session.scalars(
            select(Programme.id).where(Programme.dataset_id == dataset.id, Programme.id.in_(ids))
        )
    )
    missing = sorted(ids - known)
    if missing:
        raise InvalidInput.single(
            "list",
            f"{plural(len(missing), 'programme')} on the list "
            f"{'is' if len(missing) == 1 else 'are'} not in data version {dataset.version}: "
            "build the list again",
        )


def _key(a: Application) -> tuple[str, str, str, str]:
    return (str(a.track), a.name, a.state, a.city)


def _placement_key(p: Placement) -> tuple[str, str, str, str]:
    return (str(p.programme.track), p.programme.name, p.programme.state, p.programme.city)


def _new_application(
    mentee_id: int, season: int, saved: SavedList, place: Placement, actor: Actor
) -> dict[str, Any]:
    p = place.programme
    return {
        "mentee_id": mentee_id,
        "season": season,
        "saved_list_id": saved.id,
        "programme_id": p.id,
        "name": p.name,
        "city": p.city,
        "state": p.state,
        "track": p.track,
        "tier": place.tier,
        "reasons": _reasons(place.reasons + place.checks),
        "status": ApplicationStatus.PLANNED,
        "furthest": ApplicationStatus.PLANNED,
        "created_at": actor.now,
        "updated_at": actor.now,
    }


def _reasons(notes: Sequence[RuleNote]) -> list[dict[str, str]]:
    return [{"rule": n.rule, "text": n.text} for n in notes]


def _saved_read(
    saved: SavedList, *, added: int = 0, kept: int = 0, dropped: int = 0
) -> SavedListRead:
    return SavedListRead(
        id=saved.id,
        season=saved.season,
        dataset_version=saved.dataset_version,
        ruleset_version=saved.ruleset_version,
        saved_by=saved.saved_by,
        saved_at=saved.saved_at,
        added=added,
        kept=kept,
        dropped=dropped,
    )
