"""Import programme files as a new version (all or nothing), export a version, load one.

An import never changes an earlier version: lists saved from it keep meaning what they said.
Programme data is the mentoring programme's own (or licensed to it), so only admins import and
export it, and both are audited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.access import Actor, require_admin
from bot.errors import InvalidInput, NotFound, Problem
from bot.inputs import UNSTORABLE
from bot.programmes.dto import DatasetRead, ProgrammeData, ProgrammeRead
from bot.programmes.files import ParsedRow
from bot.programmes.models import Programme, ProgrammeDataset
from bot.programmes.schema import COLUMNS, ProgrammeIn
from bot.programmes.vocab import ProgrammeTrack

NO_DATA = (
    "no programme data yet: an admin imports a file with `matchpath programs import FILE` "
    "(examples/programmes.csv is a synthetic one to try)"
)


def import_programmes(
    session: Session, *, actor: Actor, rows: Sequence[ParsedRow], source: str, content: bytes
) -> DatasetRead:
    """Store the parsed rows as the next version, or nothing if any row has a problem.

    `source` names the file (its name only); `content` is the file as read, kept as a hash so
    that two versions from the same file can be told apart from two different files."""
    require_admin(session, actor, "programmes.import", rows=len(rows))
    today = actor.now.date()
    problems = [
        Problem(f"{row.where}, as_of", f"{row.programme.as_of} is in the future")
        for row in rows
        if row.programme.as_of > today
    ]
    if problems:
        raise InvalidInput(problems)
    if not rows:
        raise InvalidInput.single("file", "holds no programmes")
    version = (session.scalar(select(func.max(ProgrammeDataset.version))) or 0) + 1
    dataset = ProgrammeDataset(
        version=version,
        source=UNSTORABLE.sub("?", source)[:200],  # a file name may hold any byte
        as_of=min(row.programme.as_of for row in rows),
        rows=len(rows),
        sha256=hashlib.sha256(content).hexdigest(),
        imported_at=actor.now,
        imported_by=actor.slack_user_id[:32],
    )
    session.add(dataset)
    session.flush()
    # One multi-row INSERT for the lot: a file of thousands of rows stays one round trip.
    session.execute(
        insert(Programme),
        [
            {"dataset_id": dataset.id, "position": n, **row.programme.model_dump()}
            for n, row in enumerate(rows, start=1)
        ],
    )
    session.flush()
    return _read(dataset)


def latest_dataset(session: Session) -> DatasetRead | None:
    dataset = session.scalar(
        select(ProgrammeDataset).order_by(ProgrammeDataset.version.desc()).limit(1)
    )
    return _read(dataset) if dataset is not None else None


def export_programmes(
    session: Session, *, actor: Actor, version: int | None = None
) -> ProgrammeData:
    """A version (the latest by default) with its rows in the file's order."""
    require_admin(session, actor, "programmes.export", version=version)
    return load_programmes(session, version=version)


def load_programmes(
    session: Session,
    *,
    version: int | None = None,
    tracks: Sequence[ProgrammeTrack] | None = None,
) -> ProgrammeData:
    """The rows of a version (the latest by default), optionally only some tracks."""
    query = select(ProgrammeDataset)
    if version is None:
        query = query.order_by(ProgrammeDataset.version.desc()).limit(1)
    else:
        query = query.where(ProgrammeDataset.version == version)
    dataset = session.scalar(query)
    if dataset is None:
        if version is None:
            raise NotFound(NO_DATA)
        raise NotFound(f"there is no programme data version {version}")
    # Plain rows, not ORM objects: a list reads thousands of them for one mentee, and the
    # identity map would cost more than the query.
    query = select(Programme.id, *(getattr(Programme, c) for c in COLUMNS)).where(
        Programme.dataset_id == dataset.id
    )
    if tracks is not None:
        query = query.where(Programme.track.in_(list(tracks)))
    names = ("id", *COLUMNS)
    # Rows were validated on the way in and are stored as they were: no second validation.
    programmes = [
        _programme(dict(zip(names, row, strict=True)))
        for row in session.execute(query.order_by(Programme.position))
    ]
    return ProgrammeData(dataset=_read(dataset), programmes=programmes)


def _programme(fields: dict[str, Any]) -> ProgrammeRead:
    return ProgrammeRead.model_construct(**fields)


def _read(dataset: ProgrammeDataset) -> DatasetRead:
    return DatasetRead(
        version=dataset.version,
        source=dataset.source,
        as_of=dataset.as_of,
        rows=dataset.rows,
        imported_at=dataset.imported_at,
    )


def as_input(programme: ProgrammeRead) -> ProgrammeIn:
    """The row as a file holds it (for export): without the database id."""
    return ProgrammeIn.model_construct(**{name: getattr(programme, name) for name in COLUMNS})
