"""Start the desktop app: language, database (migrated, with clear errors), sign-in, main window."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from okmot import APP_NAME, __version__
from okmot import backup, gcpause
from okmot.errors import DamagedDatabaseError, NotOkmotDatabaseError, OkmotError
from okmot.demo import ensure_demo_database
from okmot.i18n import _, current_language, set_language
from okmot.paths import backups_dir, demo_db_path, ensure_dir, logs_dir
from okmot.services import auth, territory
from okmot.services.auth import UserInfo
from okmot.services.context import AppContext, UpgradeResult, open_context
from ui.backup_password_box import ask_backup_password
from ui.first_run_wizard import SET_UP, run_first_start
from ui.forms import show_error
from ui.login import sign_in
from ui.main_window import MainWindow
from ui.uisettings import saved_language

log = logging.getLogger(__name__)
_qt_translators: list[QTranslator] = []


def install_qt_translations(app: QApplication, code: str) -> None:
    """Qt's own catalog for its built-in texts (context menus); our strings come from gettext."""
    for tr in _qt_translators:
        app.removeTranslator(tr)
    _qt_translators.clear()
    tr = QTranslator(app)
    # Qt ships no Kyrgyz catalog; Russian is the closest every Kyrgyz user reads.
    if tr.load(QLocale("ru"), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(tr)
        _qt_translators.append(tr)
    QLocale.setDefault(QLocale(QLocale.Language.Kirghiz if code == "ky" else QLocale.Language.Russian))


def install_crash_handler() -> None:
    """An unexpected error is a bug: log the traceback and tell the user where it is."""

    def hook(exc_type, exc, tb):
        if isinstance(exc, OkmotError):
            show_error(QApplication.activeWindow(), exc.message)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.critical("unexpected error\n%s", text)
        QMessageBox.critical(QApplication.activeWindow(), _("Unexpected error"), _(
            "Okmot met an unexpected error. Your saved work is safe. The details were written to the log "
            "folder: {folder}").format(folder=logs_dir()))

    sys.excepthook = hook


def open_or_explain(target: str | Path) -> AppContext | None:
    try:
        return open_context(target)
    except (DamagedDatabaseError, NotOkmotDatabaseError) as exc:
        return offer_restore(target, exc)
    except OkmotError as exc:
        show_error(None, exc.message, _("Cannot open the database"))
        return None


def offer_restore(target: str | Path, exc: OkmotError) -> AppContext | None:
    """A damaged database at start: offer the latest automatic backup (the damaged file is kept aside)."""
    # Only a local file has automatic backups; a PostgreSQL URL is the district's server.
    latest = backup.last_backup(backups_dir(), Path(target)) if "://" not in str(target) else None
    if latest is None:
        show_error(None, exc.message, _("Cannot open the database"))
        return None
    box = QMessageBox(QMessageBox.Icon.Critical, _("Cannot open the database"), exc.message + "\n\n" + _(
        "Restore the backup of {when}? Changes made after it are lost; the damaged file is kept in the "
        "backup folder.").format(when=latest.taken_at.strftime("%d.%m.%Y %H:%M")))
    restore_button = box.addButton(_("Restore the backup"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(_("Exit"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not restore_button:
        return None
    # An encrypted backup: the password is checked before the damaged file is touched.
    password = ask_backup_password(None, latest.path) if latest.encrypted else None
    if latest.encrypted and password is None:
        return None
    path = Path(target)
    damaged = None
    try:
        # The damaged file cannot be backed up by SQLite; it is moved aside as it is, for the record.
        damaged = ensure_dir(backups_dir()) / f"{path.stem}-damaged-{dt.datetime.now():%Y%m%d-%H%M%S}{path.suffix}"
        shutil.move(path, damaged)
        backup.restore(path, latest.path, password=password, safety_dir=backups_dir())
        ctx = open_context(target)
    except OSError as failed:
        show_error(None, _("The damaged file could not be moved aside: {reason}").format(
            reason=failed.strerror or failed), _("Cannot open the database"))
        return None
    except OkmotError as again:
        if damaged is not None and damaged.exists() and not path.exists():
            shutil.move(damaged, path)  # nothing was restored: the file stays where it was
        show_error(None, again.message, _("Cannot open the database"))
        return None
    ctx.audit("restore", detail={"file": latest.path.name, "via": "damaged at start"})
    return ctx


def upgrade_message(upgrade: UpgradeResult | None) -> str | None:
    """What to tell the user after the start-up migration changed an existing database; None otherwise."""
    if upgrade is None or not upgrade.changed or upgrade.from_revision is None:
        return None
    text = _("The database was brought up to date for this version of Okmot (schema {old} → {new}); "
             "your data was kept.").format(old=upgrade.from_revision, new=upgrade.to_revision)
    if upgrade.backup is not None:
        text += "\n\n" + _("A copy of the database as it was before is kept in:\n{path}").format(path=upgrade.backup)
    return text


def tell_about_upgrade(upgrade: UpgradeResult | None) -> None:
    text = upgrade_message(upgrade)
    if text is None:
        return
    log.info("database upgraded; backup at %s", upgrade.backup)
    box = QMessageBox(QMessageBox.Icon.Information, _("Database upgraded"), text)
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def first_start(ctx: AppContext) -> tuple[AppContext, UserInfo | None] | None:
    """A new, empty database: the set-up wizard, or the demo village instead. None when the person gave up."""
    outcome = run_first_start(ctx)
    if outcome is None:
        return None
    choice, user = outcome
    if choice == SET_UP:
        return ctx, user
    demo = open_or_explain(ensure_demo_database(demo_db_path()))
    if demo is None:
        return None
    ctx.close()
    with demo.read() as s:
        office = territory.home_office(s)
    user = sign_in(demo, office.name() if office else "")
    return demo, user


def run(db_target: str | Path, *, language: str | None = None, argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    code = language or saved_language()
    set_language(code)
    install_qt_translations(app, code)
    install_crash_handler()
    ctx = open_or_explain(db_target)
    if ctx is None:
        return 2
    try:
        tell_about_upgrade(ctx.upgrade)
        with ctx.read() as s:
            office = territory.home_office(s)
            new_database = office is None and auth.needs_first_admin(s)
        if new_database:
            started = first_start(ctx)
            if started is None:
                return 0
            ctx, user = started
            install_qt_translations(app, current_language())
        else:
            user = sign_in(ctx, office.name() if office else "")
        if user is None:
            return 0
        ctx.user = user
        window = MainWindow(ctx)
        window.show()
        gcpause.settle_after_start()
        return app.exec()
    finally:
        ctx.close()
