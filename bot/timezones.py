"""IANA time zones by name: the one place that decides whether a name is a usable zone."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


@lru_cache(maxsize=1024)
def find_zone(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None. Besides unknown names, zoneinfo raises ValueError for a
    malformed key and OSError for a name too long for the file system: all mean "not a zone"."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_or_utc(name: str | None) -> ZoneInfo:
    return (find_zone(name) if name else None) or UTC_ZONE
