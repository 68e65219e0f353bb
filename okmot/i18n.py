"""gettext translations shared by the core, reports and the UI (Kyrgyz first, Russian second)."""

from __future__ import annotations

import gettext
import threading
from pathlib import Path

from okmot import APP_ID
from okmot.paths import resource_dir

#: Languages offered to users, state language first.
LANGUAGES: tuple[str, ...] = ("ky", "ru")
DEFAULT_LANGUAGE = "ky"
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский"}

_lock = threading.Lock()
_current: gettext.NullTranslations = gettext.NullTranslations()
_current_code = "en"
_cache: dict[str, gettext.NullTranslations] = {}


def locale_dir() -> Path:
    return resource_dir() / "locale"


def translations_for(code: str) -> gettext.NullTranslations:
    """The catalog for one language; English source strings when none is installed."""
    with _lock:
        if code not in _cache:
            _cache[code] = gettext.translation(
                APP_ID, localedir=str(locale_dir()), languages=[code], fallback=True
            )
        return _cache[code]


def set_language(code: str) -> None:
    """Switch the language of every message produced from now on."""
    global _current, _current_code
    _current = translations_for(code)
    _current_code = code


def current_language() -> str:
    return _current_code


def _(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (labels of codes, for example)."""
    return message


def gettext_in(code: str, message: str) -> str:
    """Translate into a given language regardless of the active one (bilingual documents)."""
    return translations_for(code).gettext(message)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
