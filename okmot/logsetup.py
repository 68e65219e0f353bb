"""Logging: named loggers per package, a rotating log file in the user's log folder, warnings captured."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from okmot.paths import ensure_dir, logs_dir

LOG_FILE = "okmot.log"


def configure(level: int = logging.INFO, folder: Path | None = None) -> Path:
    folder = ensure_dir(folder or logs_dir())
    path = folder / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    logging.captureWarnings(True)
    return path
