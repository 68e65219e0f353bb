"""Screenshots of the real windows on the demo village, for the README and the user guide.

Run: `python -m ui.screenshots --out docs/screenshots` (offscreen; no display needed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def take(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["OKMOT_HOME"] = tempfile.mkdtemp(prefix="okmot-shots-")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from okmot.demo import ensure_demo_database
    from okmot.i18n import set_language
    from okmot.services import auth, search
    from okmot.services.context import open_context
    from ui.household_card import HouseholdDialog
    from ui.main_window import MainWindow
    from ui.member_dialog import MemberDialog

    out.mkdir(parents=True, exist_ok=True)
    ctx = open_context(ensure_demo_database())
    with ctx.system("screenshots") as s:
        ctx.user = auth.create_first_admin(s, username="aida", full_name="Аида Токтосунова",
                                           password="screenshot-only-1")
    saved = []
    try:
        for lang in ("ky", "ru"):
            set_language(lang)
            window = MainWindow(ctx)
            window.resize(1180, 700)
            window.show()
            window.search_edit.setText("аса")
            window.refresh()
            app.processEvents()
            saved.append(_save(window, out / f"main-{lang}.png"))
            with ctx.read() as s:
                rows = search.find_households(s, search.HouseholdFilter(text="аса"), limit=50)
            household = max(rows, key=lambda r: r.members)
            card = HouseholdDialog(ctx, household.id, window)
            card.resize(960, 600)
            card.show()
            card.tabs.setCurrentIndex(1)
            app.processEvents()
            saved.append(_save(card, out / f"card-members-{lang}.png"))
            card.tabs.setCurrentIndex(4)
            app.processEvents()
            saved.append(_save(card, out / f"card-livestock-{lang}.png"))
            member = MemberDialog(ctx, household.id, card.card.members[0].person.id, card)
            member.show()
            app.processEvents()
            saved.append(_save(member, out / f"member-{lang}.png"))
            for w in (member, card, window):
                w.dirty = False
                w.close()
    finally:
        ctx.close()
    return saved


def _save(widget, path: Path) -> Path:
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # PySide6 may crash while collecting Qt objects at interpreter exit
