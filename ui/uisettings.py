"""Interface settings (language, window geometry) kept in an INI file in the user's data folder."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from okmot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from okmot.paths import ensure_dir, home_dir


def qsettings() -> QSettings:
    return QSettings(str(ensure_dir(home_dir()) / "ui.ini"), QSettings.Format.IniFormat)


def saved_language() -> str:
    code = qsettings().value("language", DEFAULT_LANGUAGE)
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def save_language(code: str) -> None:
    s = qsettings()
    s.setValue("language", code)
    s.sync()
