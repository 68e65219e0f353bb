"""The DejaVu fonts shipped in data/fonts, registered once with reportlab (every Kyrgyz letter has a glyph)."""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from okmot.paths import resource_dir

SANS, SANS_BOLD = "DejaVuSans", "DejaVuSans-Bold"
_lock = threading.Lock()
_done = False


def register() -> None:
    """Embed-ready TrueType fonts; the PDF's built-in Helvetica has no Cyrillic and would print squares."""
    global _done
    with _lock:
        if _done:
            return
        folder = resource_dir() / "fonts"
        pdfmetrics.registerFont(TTFont(SANS, str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(SANS_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
        addMapping(SANS, 0, 0, SANS)
        addMapping(SANS, 1, 0, SANS_BOLD)
        addMapping(SANS, 0, 1, SANS)
        addMapping(SANS, 1, 1, SANS_BOLD)
        _done = True
