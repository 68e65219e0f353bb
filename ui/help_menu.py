"""The Help menu: the bilingual user guide, the About dialog (version, where the data is) and a log viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QMainWindow, QMenu, QPlainTextEdit, QPushButton, QVBoxLayout,
    QWidget,
)

from okmot import APP_NAME, __version__
from okmot.i18n import LANGUAGES, _, current_language
from okmot.logsetup import LOG_FILE
from okmot.paths import home_dir, logs_dir, resource_dir
from okmot.services.context import AppContext

#: The log viewer shows the end of the log: the newest lines are the ones that explain a problem.
LOG_TAIL_BYTES = 400_000


def guide_path(language: str | None = None) -> Path:
    """The user guide's start page in ``language`` (the interface language by default; Kyrgyz otherwise)."""
    code = language or current_language()
    return resource_dir() / "help" / (code if code in LANGUAGES else "ky") / "index.html"


def open_guide(language: str | None = None) -> bool:
    """Open the guide in the system's browser (it is plain HTML, so every PC can show it)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(guide_path(language))))


def read_log_tail(path: Path, limit: int = LOG_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of the log, cut at a line start; empty when there is no log yet."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            data = fh.read()
    except FileNotFoundError:
        return ""
    if size > limit:
        data = data.split(b"\n", 1)[-1]
    return data.decode("utf-8", errors="replace")


class LogViewer(QDialog):
    """The app's log (the newest part), read-only, with a button that shows the folder."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None):
        super().__init__(parent)
        self.path = path or logs_dir() / LOG_FILE
        self.setWindowTitle(_("Log"))
        self.text = QPlainTextEdit()
        self.text.setObjectName("log_text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        where = QLabel(_("Log file: {path}").format(path=self.path))
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        buttons = QDialogButtonBox()
        reload_button = QPushButton(_("Reload"))
        reload_button.clicked.connect(self.reload)
        folder_button = QPushButton(_("Open the log folder"))
        folder_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent))))
        close_button = QPushButton(_("Close"))
        close_button.clicked.connect(self.accept)
        for b in (reload_button, folder_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(900, 560)
        self.reload()

    def reload(self) -> None:
        text = read_log_tail(self.path)
        self.text.setPlainText(text or _("The log is empty."))
        self.text.moveCursor(self.text.textCursor().MoveOperation.End)


def reference_in_use(ctx: AppContext | None) -> str:
    """The district's reference package version this database uses, as a clerk reads it."""
    if ctx is None:
        return ""
    from okmot.sync.reference_apply import in_use

    with ctx.read() as s:
        return in_use(s).text()


class AboutDialog(QDialog):
    """Version, and where this installation keeps its data, database, backups and log."""

    def __init__(self, ctx: AppContext | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("About Okmot"))
        title = QLabel(f"{APP_NAME} {__version__}")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(_("The household book, certificates and services of an aiyl okmotu. Works without the "
                         "internet."))
        intro.setWordWrap(True)
        form = QFormLayout()
        database = ctx.sqlite_path if ctx is not None and ctx.sqlite_path is not None else None
        rows = [
            ("version", _("Version"), __version__),
            ("data", _("Data folder"), str(home_dir())),
            ("database", _("Database"), str(database) if database else (ctx.location if ctx else "")),
            ("backups", _("Backups"), str(home_dir() / "backups")),
            ("log", _("Log folder"), str(logs_dir())),
            ("reference", _("Reference data from the district"), reference_in_use(ctx)),
        ]
        self.values: dict[str, QLabel] = {}
        for name, caption, value in rows:
            label = QLabel(value)
            label.setObjectName(f"about_{name}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.values[name] = label
            form.addRow(caption, label)
        buttons = QDialogButtonBox()
        close_button = QPushButton(_("Close"))
        close_button.clicked.connect(self.accept)
        buttons.addButton(close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, 260)


def add_help_menu(window: QMainWindow, ctx: AppContext | None) -> QMenu:
    """Add the Help menu to ``window``'s menu bar (called each time the menus are built, in the new language)."""
    menu = window.menuBar().addMenu(_("Help"))
    guide = menu.addAction(_("User guide"))
    guide.setObjectName("help_guide")
    guide.setShortcut(QKeySequence.StandardKey.HelpContents)
    guide.triggered.connect(lambda: open_guide())
    log = menu.addAction(_("Log…"))
    log.setObjectName("help_log")
    log.triggered.connect(lambda: LogViewer(window).exec())
    menu.addSeparator()
    about = menu.addAction(_("About Okmot…"))
    about.setObjectName("help_about")
    about.triggered.connect(lambda: AboutDialog(ctx, window).exec())
    return menu
