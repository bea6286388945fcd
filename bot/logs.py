"""Logging set-up: one format, and a filter that keeps secrets and request bodies out of logs."""

from __future__ import annotations

import logging
import re

SECRET = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
# Bolt logs a refused request's whole body; that body can hold profile data.
QUIET = {"slack_bolt.RequestVerification": logging.WARNING, "alembic": logging.WARNING}


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET.search(message):
            record.msg = SECRET.sub("[redacted]", message)
            record.args = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
