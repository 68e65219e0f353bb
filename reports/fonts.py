"""The DejaVu fonts shipped in data/fonts, registered once with reportlab (every Kyrgyz letter has a glyph).

Sans serves reports; Serif, the formal face, serves certificates and letters.
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from okmot.errors import EnvironmentProblem
from okmot.i18n import _
from okmot.paths import resource_dir

SANS, SANS_BOLD = "DejaVuSans", "DejaVuSans-Bold"
SERIF, SERIF_BOLD = "DejaVuSerif", "DejaVuSerif-Bold"
_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf",
          SERIF: "DejaVuSerif.ttf", SERIF_BOLD: "DejaVuSerif-Bold.ttf"}
_lock = threading.Lock()
_done = False


def register() -> None:
    """Embed-ready TrueType fonts; the PDF's built-in Helvetica has no Cyrillic and would print squares."""
    global _done
    with _lock:
        if _done:
            return
        for name, font in _load().items():
            pdfmetrics.registerFont(font)
        for regular, bold in ((SANS, SANS_BOLD), (SERIF, SERIF_BOLD)):
            addMapping(regular, 0, 0, regular)
            addMapping(regular, 1, 0, bold)
            addMapping(regular, 0, 1, regular)
            addMapping(regular, 1, 1, bold)
        _done = True


def _load() -> dict[str, TTFont]:
    """Every font parsed with its table checksums checked, so a truncated file fails here, not mid-PDF."""
    fonts = {}
    for name, path in font_files().items():
        try:
            fonts[name] = TTFont(name, path, validate=1)
        except Exception:  # reportlab raises TTFError, struct.error or OSError alike for a missing or broken file
            raise EnvironmentProblem(_("The font file {path} is missing or damaged, so PDF documents cannot be made. "
                                       "Reinstall Okmot to restore it.").format(path=path)) from None
    return fonts


def check() -> int:
    """Raise EnvironmentProblem naming the first missing or damaged font file; the number of fonts otherwise."""
    return len(_load())


def font_files() -> dict[str, str]:
    """Font name → TrueType file (tests check that every printed character has a glyph in it)."""
    folder = resource_dir() / "fonts"
    return {name: str(folder / file) for name, file in _FILES.items()}
