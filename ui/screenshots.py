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


#: The user guide's images (data/help/img): name → what it shows. The guide's pages refer to these names.
GUIDE_IMAGES = ("find", "card", "member", "birth", "round", "report", "wizard", "about")


def take_guide(out: Path) -> list[Path]:
    """The user guide's screenshots, in Kyrgyz and Russian: `<name>-<lang>.png` for each of GUIDE_IMAGES."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["OKMOT_HOME"] = tempfile.mkdtemp(prefix="okmot-guide-")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from okmot.demo import ensure_demo_database
    from okmot.i18n import set_language
    from okmot.services import auth, households, search
    from okmot.services.context import open_context
    from ui.first_run_wizard import PAGE_OFFICE, FirstRunWizard
    from ui.help_menu import AboutDialog
    from ui.household_card import HouseholdDialog
    from ui.main_window import MainWindow
    from ui.member_dialog import MemberDialog
    from ui.movement_dialogs import BirthDialog
    from ui.report_dialog import ReportDialog
    from ui.round_window import RoundWindow

    out.mkdir(parents=True, exist_ok=True)
    ctx = open_context(ensure_demo_database())
    empty = open_context(Path(os.environ["OKMOT_HOME"]) / "new.sqlite3")
    with ctx.system("screenshots") as s:
        ctx.user = auth.create_first_admin(s, username="aida", full_name="Аида Токтосунова",
                                           password="screenshot-only-1")
    saved = []

    def shot(widget, name: str, lang: str) -> None:
        app.processEvents()
        saved.append(_save(widget, out / f"{name}-{lang}.png"))

    try:
        for lang in ("ky", "ru"):
            set_language(lang)
            window = MainWindow(ctx)
            window.resize(1100, 640)
            window.show()
            window.search_edit.setText("аса")
            window.refresh()
            shot(window, "find", lang)
            with ctx.read() as s:
                rows = search.find_households(s, search.HouseholdFilter(text="аса"), limit=50)
                household = max(rows, key=lambda r: r.members)
                card_data = households.get_card(s, household.id)
            card = HouseholdDialog(ctx, household.id, window)
            card.resize(960, 600)
            card.show()
            card.tabs.setCurrentIndex(1)
            shot(card, "card", lang)
            member = MemberDialog(ctx, household.id, card.card.members[0].person.id, card)
            member.show()
            shot(member, "member", lang)
            birth = BirthDialog(ctx, card_data, card)
            birth.show()
            shot(birth, "birth", lang)
            round_window = RoundWindow(ctx, window)
            round_window.show()
            shot(round_window, "round", lang)
            report = ReportDialog(ctx, window)
            report.show()
            shot(report, "report", lang)
            report.close()
            about = AboutDialog(ctx, window)
            about.show()
            shot(about, "about", lang)
            wizard = FirstRunWizard(empty)
            wizard.show()
            wizard.next()
            assert wizard.currentId() == PAGE_OFFICE
            shot(wizard, "wizard", lang)
            for w in (wizard, about, round_window, birth, member, card, window):
                w.dirty = False
                w.close()
    finally:
        ctx.close()
        empty.close()
    return saved


def _save(widget, path: Path) -> Path:
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--help-images", type=Path, metavar="DIR",
                        help="take the user guide's images into DIR (data/help/img) instead")
    args = parser.parse_args(argv)
    for path in (take_guide(args.help_images) if args.help_images else take(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # PySide6 may crash while collecting Qt objects at interpreter exit
