"""Programme rows for list tests, built in memory (the listing is pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path
from typing import Any

from bot.programmes.dto import DatasetRead, ProgrammeData, ProgrammeRead
from bot.programmes.files import parse_programmes
from bot.programmes.vocab import ProgrammeTrack

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "programmes.csv"
_ids = count(1)


def programme(name: str, **facts: Any) -> ProgrammeRead:
    """A preliminary surgery programme with every fact unknown unless given."""
    fields: dict[str, Any] = {
        "id": next(_ids),
        "name": name,
        "city": "Synthetic City 001",
        "state": "NY",
        "track": ProgrammeTrack.PRELIMINARY_SURGERY,
        "source": "test",
        "as_of": date(2026, 6, 1),
    }
    return ProgrammeRead.model_validate({**fields, **facts})


def data(
    *programmes: ProgrammeRead, as_of: date = date(2026, 6, 1), source: str = "test.csv"
) -> ProgrammeData:
    return ProgrammeData(
        dataset=DatasetRead(
            version=3,
            source=source,
            as_of=as_of,
            rows=len(programmes),
            imported_at=datetime(2026, 6, 2, tzinfo=UTC),
        ),
        programmes=list(programmes),
    )


def example_data() -> ProgrammeData:
    """The synthetic example file, ids in file order (as a fresh database would give them)."""
    rows = parse_programmes(EXAMPLE.read_bytes(), "csv")
    programmes = [
        ProgrammeRead(id=n, **r.programme.model_dump()) for n, r in enumerate(rows, start=1)
    ]
    return data(*programmes, as_of=min(p.as_of for p in programmes), source=EXAMPLE.name)
