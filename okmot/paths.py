"""Where Okmot keeps its files: one place decides, every location can be overridden."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import PlatformDirs

from okmot import APP_ID, APP_NAME

#: Environment variables that override locations (tests and portable builds use them).
ENV_HOME = "OKMOT_HOME"
ENV_DB = "OKMOT_DB"
PORTABLE_MARKER = "okmot-portable.txt"


def resource_dir() -> Path:
    """Read-only resources shipped with the app (translations, reference lists)."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        return Path(frozen_base) / "data"
    return Path(__file__).resolve().parent.parent / "data"


def _program_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def home_dir() -> Path:
    """The user's data folder: $OKMOT_HOME, a portable folder beside the program, or the OS default."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    program = _program_dir()
    if getattr(sys, "frozen", False) and (program / PORTABLE_MARKER).exists():
        return program / "okmot-data"
    return Path(PlatformDirs(APP_NAME, appauthor=False).user_data_dir)


def default_db_path() -> Path:
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    return home_dir() / "okmot.sqlite3"


def demo_db_path() -> Path:
    return home_dir() / "demo.sqlite3"


def backups_dir() -> Path:
    return home_dir() / "backups"


def logs_dir() -> Path:
    return home_dir() / "logs"


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
