"""The user guide: both languages, every task, every picture present; Help opens it; About and the log viewer."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from okmot import __version__
from okmot.i18n import set_language
from okmot.paths import resource_dir

HELP = resource_dir() / "help"
#: The daily tasks the guide must cover (section ids, the same in both languages).
TASKS = ("first-start", "find", "member", "movement", "certificate", "round", "report", "sync", "restore", "help")


class _Guide(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.headings: dict[str, str] = {}
        self._heading: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"])
        elif tag in ("a", "link") and "href" in a:
            self.links.append(a["href"])
        elif tag == "h2":
            self._heading = a.get("id", "")
            self.headings[self._heading] = ""

    def handle_data(self, data) -> None:
        if self._heading is not None:
            self.headings[self._heading] += data

    def handle_endtag(self, tag) -> None:
        if tag == "h2":
            self._heading = None


def _parse(lang: str) -> _Guide:
    guide = _Guide()
    guide.feed((HELP / lang / "index.html").read_text(encoding="utf-8"))
    return guide


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_guide_covers_every_task_with_pictures_that_exist(lang: str) -> None:
    guide = _parse(lang)
    assert list(guide.headings) == list(TASKS)
    for heading in guide.headings.values():
        assert heading.strip() and re.search("[а-яөүң]", heading.lower()), heading  # written in Cyrillic
    assert len(guide.images) >= 7
    for src in guide.images:
        image = (HELP / lang / src).resolve()
        assert image.is_file(), src
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert image.name.endswith(f"-{lang}.png"), f"{src}: a {lang} page shows {lang} screenshots"
    for href in guide.links:
        if not href.startswith("#"):
            assert (HELP / lang / href).resolve().is_file(), href
        else:
            assert href[1:] in guide.headings, href


def test_the_two_guides_show_the_same_screens() -> None:
    ky, ru = _parse("ky"), _parse("ru")
    assert [s.replace("-ky.", ".") for s in ky.images] == [s.replace("-ru.", ".") for s in ru.images]
    assert "Чарба китеби" in (HELP / "ky" / "index.html").read_text(encoding="utf-8")


def test_screenshot_script_takes_every_image_the_guides_use() -> None:
    from ui.screenshots import GUIDE_IMAGES

    used = {Path(src).name for lang in ("ky", "ru") for src in _parse(lang).images}
    assert used == {f"{name}-{lang}.png" for name in GUIDE_IMAGES for lang in ("ky", "ru")}


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_help_action_opens_the_guide_in_the_interface_language(qtbot, monkeypatch, tmp_path, lang) -> None:
    from PySide6.QtWidgets import QMainWindow

    from ui import help_menu

    opened: list[QUrl] = []
    monkeypatch.setattr(help_menu.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    set_language(lang)
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = help_menu.add_help_menu(window, None)
    guide = next(a for a in menu.actions() if a.objectName() == "help_guide")
    guide.trigger()
    assert [Path(u.toLocalFile()) for u in opened] == [HELP / lang / "index.html"]


def test_about_shows_version_and_where_things_are(qtbot, tmp_path, okmot_home: Path) -> None:
    from okmot.services.context import open_context
    from ui.help_menu import AboutDialog

    ctx = open_context(tmp_path / "office.sqlite3")
    try:
        dialog = AboutDialog(ctx)
        qtbot.addWidget(dialog)
        values = {name: label.text() for name, label in dialog.values.items()}
    finally:
        ctx.close()
    assert values == {"version": __version__, "data": str(okmot_home),
                      "database": str((tmp_path / "office.sqlite3").resolve()),
                      "backups": str(okmot_home / "backups"), "log": str(okmot_home / "logs"),
                      "reference": "none applied yet (the register shipped with Okmot)"}


def test_log_viewer_shows_the_newest_lines(qtbot, tmp_path) -> None:
    from ui.help_menu import LogViewer, read_log_tail

    log = tmp_path / "okmot.log"
    lines = [f"2026-01-{i % 28 + 1:02d} INFO okmot: line {i} Үй-бүлө" for i in range(20000)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tail = read_log_tail(log, limit=4000)
    assert tail.endswith("line 19999 Үй-бүлө\n") and tail.startswith("2026-")  # cut at a line start
    assert "line 0 " not in tail
    viewer = LogViewer(path=log)
    qtbot.addWidget(viewer)
    assert viewer.text.toPlainText().rstrip().endswith("line 19999 Үй-бүлө")
    assert read_log_tail(tmp_path / "none.log") == ""


def test_main_window_has_help_and_settings_for_the_administrator(qtbot, tmp_path, monkeypatch) -> None:
    from tests import village
    from ui import help_menu
    from ui.main_window import MainWindow

    ctx = village.build(tmp_path / "village.sqlite3", households_count=1)
    try:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        menus = {a.text(): a.menu() for a in window.menuBar().actions()}
        assert list(menus)[-1] == "Help"
        names = {a.objectName() for a in menus["Help"].actions()}
        assert {"help_guide", "help_log", "help_about"} <= names
        assert window.settings_action.text() == "Settings…"
        opened = []
        monkeypatch.setattr(help_menu.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
        next(a for a in menus["Help"].actions() if a.objectName() == "help_guide").trigger()
        assert Path(opened[0].toLocalFile()) == HELP / "ky" / "index.html"  # English tests fall back to Kyrgyz
    finally:
        ctx.close()
