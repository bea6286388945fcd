"""Which domains react to the services' domain events: the one place that connects them.

The composition root calls `install()` once at start-up (and the tests' set-up does too);
`bot/events` and the services never import a subscriber.
"""

from __future__ import annotations

from bot.dashboards.subscriber import on_events as dashboards
from bot.events import Subscriber, subscribe

SUBSCRIBERS: tuple[Subscriber, ...] = (dashboards,)


def install() -> None:
    """Register every subscriber (calling it again changes nothing)."""
    for subscriber in SUBSCRIBERS:
        subscribe(subscriber)
