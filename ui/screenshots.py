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


def take_security(out: Path) -> list[Path]:
    """Issue 7's proof: the audit viewer on a village with audited actions, and what a locked database says.

    `audit-<lang>.png` and `locked-database-<lang>.png` for Kyrgyz and Russian.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="okmot-security-"))
    os.environ["OKMOT_HOME"] = str(home)
    import sqlite3

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication([])
    from okmot import backup
    from okmot.demo import ensure_demo_database
    from okmot.errors import AuthenticationError
    from okmot.i18n import set_language
    from okmot.services import auth, search
    from okmot.services.context import open_context
    from ui.audit_window import AuditWindow
    from ui.household_card import HouseholdDialog
    from ui.login import LoginDialog
    from ui.member_dialog import MemberDialog

    out.mkdir(parents=True, exist_ok=True)
    path = ensure_demo_database()
    ctx = open_context(path)
    password = "screenshot-only-1"
    with ctx.system("screenshots") as s:
        admin = auth.create_first_admin(s, username="aida", full_name="Аида Токтосунова", password=password)
        auth.create_user(s, admin, username="nurlan", full_name="Нурлан Абдыкеримов", password=password,
                         role="clerk")
    saved: list[Path] = []
    try:
        # Audited actions: a failed and two real sign-ins, household cards and a person opened, a backup.
        try:
            ctx.sign_in("nurlan", "not-the-password")
        except AuthenticationError:
            pass
        ctx.sign_in("nurlan", password)
        with ctx.read() as s:
            rows = search.find_households(s, search.HouseholdFilter(text="аса"), limit=3)
        for row in rows:
            card = HouseholdDialog(ctx, row.id)
            member = MemberDialog(ctx, row.id, card.card.members[0].person.id, card)
            for w in (member, card):
                w.dirty = False
                w.close()
        ctx.sign_in("aida", password)
        info = backup.take_backup(path, home / "backups")
        ctx.audit("backup", detail={"file": info.path.name, "via": "automatic"})
        for lang in ("ky", "ru"):
            set_language(lang)
            window = AuditWindow(ctx)
            window.resize(1100, 520)
            window.show()
            app.processEvents()
            saved.append(_save(window, out / f"audit-{lang}.png"))
            window.close()

        # Another program holds the write lock while the clerk signs in.
        holder = sqlite3.connect(path, isolation_level=None, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            ctx.db.engine.dispose()
            for lang in ("ky", "ru"):
                set_language(lang)
                login = LoginDialog(ctx, "")
                login.show()
                login.username.setText("aida")
                login.password.setText(password)

                def grab(name: str = f"locked-database-{lang}.png") -> None:
                    box = next(w for w in app.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
                    saved.append(_save(box, out / name))
                    box.done(0)

                # The sign-in waits out SQLite's busy timeout, then the dialog shows why it could not go on.
                QTimer.singleShot(0, lambda: QTimer.singleShot(200, grab))
                if login.save():
                    raise RuntimeError("the database was not locked")
                login.close()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
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
    parser.add_argument("--help-images", type=Path, metavar="DIR",
                        help="take the user guide's images into DIR (data/help/img) instead")
    parser.add_argument("--security", action="store_true",
                        help="take the audit viewer and the locked-database message into --out instead")
    args = parser.parse_args(argv)
    shots = (take_guide(args.help_images) if args.help_images else
             take_security(args.out) if args.security else take(args.out))
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # PySide6 may crash while collecting Qt objects at interpreter exit
