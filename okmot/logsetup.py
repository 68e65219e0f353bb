"""Logging: named loggers per package, a rotating log file in the user's log folder, warnings captured."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

from okmot.errors import OkmotError
from okmot.paths import ensure_dir, logs_dir

LOG_FILE = "okmot.log"
_FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def _file_handler(folder: Path | None) -> tuple[logging.Handler, Path]:
    folder = ensure_dir(folder or logs_dir())
    path = folder / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(_FORMAT)
    return handler, path


def configure(level: int = logging.INFO, folder: Path | None = None) -> Path:
    """Log to the rotating file for the rest of the process (the app)."""
    handler, path = _file_handler(folder)
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    logging.captureWarnings(True)
    return path


class _FolderOnDemand(logging.handlers.RotatingFileHandler):
    """Creates the log folder and file only when the first record comes (a command that logs nothing leaves
    nothing behind)."""

    def _open(self):
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


@contextlib.contextmanager
def for_command(level: int = logging.INFO) -> Iterator[Path | None]:
    """Log to the same file for one command-line command, then close it (so what a command refuses — a sync
    package, for instance — is in the log as when the app does it, and nothing is printed twice)."""
    try:
        path = logs_dir() / LOG_FILE
    except (OSError, OkmotError):  # no usable data folder: the command still runs
        yield None
        return
    handler = _FolderOnDemand(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True)
    handler.setFormatter(_FORMAT)
    root = logging.getLogger()
    previous = root.level
    root.setLevel(level)
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()
