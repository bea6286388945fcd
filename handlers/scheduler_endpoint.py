"""GET /healthz and GET /metrics of `matchpath scheduler --port N`: the same pages as `serve`'s,
without Slack's path, so that a monitor can watch the process that sends the reminders and
Prometheus can count its sends, 429s and sweeps (a separate process keeps its own counters).

/healthz here checks the database, the bot token (Slack reachable, token not refused), the pause,
and `serving` (`stopping` after SIGTERM while the sweep in progress finishes).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot.config import Settings
from bot.db.engine import Database
from bot.errors import CliError
from handlers.client import web_client
from handlers.health import Health
from handlers.http_server import HttpApp, WaitressServer
from handlers.metrics import MetricsPage, prepare_metrics_dir
from handlers.shutdown import Gate
from handlers.slack_link import SlackWatch, link_check

log = logging.getLogger("matchpath.reminders")
THREADS = 2  # a monitor and a scraper; nothing else comes here


@dataclass
class SchedulerEndpoint:
    http: WaitressServer
    watch: SlackWatch

    @classmethod
    def start(
        cls,
        settings: Settings,
        db: Database,
        listen: tuple[str, int],
        stopping: threading.Event,
    ) -> SchedulerEndpoint:
        host, port = listen
        watch = SlackWatch(link_check(settings, db, web_client(settings)))
        health = Health(db, watch, stopping=stopping.is_set)
        prepare_metrics_dir()
        page = MetricsPage(db, token=settings.metrics_token)
        front = HttpApp(health, Gate(), metrics=page)
        try:
            http = WaitressServer(front, host=host, port=port, threads=THREADS)
        except OSError as exc:
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        watch.check_now()  # logged when Slack does not answer or refuses the token
        watch.start()
        http.start()
        log.info("scheduler: /healthz and /metrics on http://%s:%s", host, port)
        return cls(http=http, watch=watch)

    def stop(self) -> None:
        self.watch.stop()
        self.http.stop_listening()
        self.http.finish(1.0)
