"""Files that hold programme data (the SQLite database, roster exports): created readable and
writable by their owner only (0600, whatever the umask), and never written through a symbolic
link, which could point anywhere another user chose."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import TracebackType

PRIVATE = 0o600
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOSE_ON_EXEC = getattr(os, "O_CLOEXEC", 0)


class UnwritablePath(Exception):
    """The output path cannot be written; the message is one line naming it and why."""


def create_private(path: Path) -> None:
    """Create `path` empty and 0600 if nothing is there yet, so that SQLite fills a private
    file (it gives its -wal and -shm files the database file's permissions). An existing file
    is left as it is; a path that cannot be created is left for SQLite to report."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW, PRIVATE)
    except OSError:
        return
    os.close(fd)


class PrivateOutput:
    """An output file opened before the work that fills it, so that a bad path is refused
    before anything is done; created 0600, and truncated only when the text is ready. Use it
    as a context manager: if the work fails, a file this created is removed again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._created = not os.path.lexists(path)
        self._written = False
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | NO_FOLLOW | CLOSE_ON_EXEC, PRIVATE)
        except OSError as exc:
            raise UnwritablePath(_why(path, exc)) from None

    def write(self, text: str) -> None:
        self.write_bytes(text.encode("utf-8"))

    def write_bytes(self, data: bytes) -> None:
        try:
            found = os.fstat(self._fd)
            if stat.S_ISREG(found.st_mode):
                if found.st_uid == os.geteuid():
                    os.fchmod(self._fd, PRIVATE)  # an older export may be readable by all
                os.ftruncate(self._fd, 0)
            with os.fdopen(self._fd, "wb", closefd=False) as out:
                out.write(data)
        except OSError as exc:
            raise UnwritablePath(_why(self.path, exc)) from None
        self._written = True

    def __enter__(self) -> PrivateOutput:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        os.close(self._fd)
        if self._created and not self._written:
            self.path.unlink(missing_ok=True)


def _why(path: Path, exc: OSError) -> str:
    if os.path.islink(path):
        return f"refusing to write {path}: it is a symbolic link"
    return f"cannot write {path}: {exc.strerror or exc}"
