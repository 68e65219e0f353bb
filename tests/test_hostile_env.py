"""A hostile machine: a full disk during report, package and backup export, a missing or damaged font, a
read-only or locked database. Each gives a translated message with a way forward, leaves no partial file and
keeps the earlier file of the same name."""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from okmot import backup
from okmot.errors import EnvironmentProblem
from okmot.models import Person, SentPackage
from okmot.services import households
from okmot.services.context import open_context
from okmot.services.persons import PersonData
from okmot.sync.export import export_package
from reports import fonts
from reports.model import INT, TEXT, Column, Report, Table
from reports.pdf import write_pdf
from reports.xlsx import write_xlsx
from tests import village
from tests.sync_helpers import ACTOR, make_office
from ui import self_test

FULL = "The disk is full"


class _FullFile(io.FileIO):
    """A file on a disk with ``room`` bytes left: the write that does not fit fails as the OS would."""

    room = 0

    def write(self, data) -> int:
        size = len(memoryview(data))
        if size > _FullFile.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _FullFile.room -= size
        return super().write(data)


def fill_disk(monkeypatch: pytest.MonkeyPatch, folder: Path, room: int) -> None:
    """Files opened for writing in ``folder`` (or below it) run out of space after ``room`` bytes."""
    real_open = builtins.open
    _FullFile.room = room

    def open_on_full_disk(file, mode="r", *args, **kwargs):
        writing = any(c in mode for c in "wax+")
        if writing and isinstance(file, (str, os.PathLike)) and Path(file).resolve().is_relative_to(folder.resolve()):
            raw = _FullFile(file, mode.replace("b", "").replace("t", ""))
            return raw if "b" in mode else io.TextIOWrapper(raw, **kwargs)
        return real_open(file, mode, *args, **kwargs)

    # zipfile (openpyxl) and pathlib call io.open; reportlab and our own code call open.
    monkeypatch.setattr(builtins, "open", open_on_full_disk)
    monkeypatch.setattr(io, "open", open_on_full_disk)


def _report(rows: int = 400) -> Report:
    table = Table("Residents", (Column("Surname", TEXT), Column("Given name", TEXT), Column("Age", INT)),
                  rows=[(f"Өмүрбеков {i}", "Үсөн", i % 90) for i in range(rows)])
    return Report("population", "Residents", "en", "Ак-Суу", "As of 01.01.2026", "All villages",
                  "22.11.2026 10:00", "Аида", (table,),
                  labels={"total": "Total", "subtotal": "Subtotal: {label}", "generated": "Made by Аида",
                          "page": "Page {n}"})


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("writer, name", [(write_xlsx, "report.xlsx"), (write_pdf, "report.pdf")])
def test_a_full_disk_during_report_export_keeps_the_earlier_report(tmp_path, monkeypatch, writer, name):
    out = tmp_path / "out"
    out.mkdir()
    earlier = writer(_report(10), out / name)
    before = _digest(earlier)
    fill_disk(monkeypatch, out, room=4_000)
    with pytest.raises(EnvironmentProblem) as caught:
        writer(_report(), out / name)
    assert caught.value.message.startswith(FULL)
    assert str(out / name) in caught.value.message and "Free some space" in caught.value.message
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == [name]  # no partial file beside it
    assert _digest(out / name) == before
    # With room again the same export goes through.
    assert writer(_report(), out / name).stat().st_size > 0 and _digest(out / name) != before


def test_a_full_disk_during_package_export_writes_and_registers_nothing(tmp_path, monkeypatch):
    office = make_office(tmp_path, "AA1", 3, households=3)
    out = tmp_path / "usb"
    out.mkdir()
    try:
        fill_disk(monkeypatch, out, room=1_000)
        with pytest.raises(EnvironmentProblem) as caught:
            export_package(office, out, actor=ACTOR)
        assert caught.value.message.startswith(FULL) and ".okmsync" in caught.value.message
        monkeypatch.undo()
        assert list(out.iterdir()) == []
        with office.session() as s:
            assert s.scalar(select(func.count()).select_from(SentPackage)) == 0
        # With room again the package is number 1: the failed attempt used up no sequence number.
        assert export_package(office, out, actor=ACTOR).sequence == 1
    finally:
        office.dispose()


@pytest.fixture(scope="module")
def book_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "okmot.sqlite3"
    village.build(path, households_count=3).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def book(tmp_path, book_template) -> Path:
    """A small village database of this test's own."""
    return Path(shutil.copy(book_template, tmp_path / "okmot.sqlite3"))


def test_a_full_disk_under_a_backup_leaves_no_backup_behind(book, tmp_path, monkeypatch):
    out = tmp_path / "backups"
    real_connect = sqlite3.connect

    def small_disk(target, *args, **kwargs):
        conn = real_connect(target, *args, **kwargs)
        if str(target).startswith(str(out)) and not str(target).startswith("file:"):
            conn.execute("PRAGMA max_page_count=4")  # SQLite's own "database or disk is full" on the copy
        return conn

    monkeypatch.setattr(sqlite3, "connect", small_disk)
    with pytest.raises(EnvironmentProblem) as caught:
        backup.take_backup(book, out)
    assert caught.value.message.startswith(FULL) and ".sqlite3" in caught.value.message
    assert list(out.iterdir()) == []


def test_a_full_disk_while_encrypting_a_backup(book, tmp_path, monkeypatch):
    out = tmp_path / "backups"
    out.mkdir()
    fill_disk(monkeypatch, out, room=50_000)
    with pytest.raises(EnvironmentProblem, match=FULL):
        backup.take_backup(book, out, password="correct horse battery")
    monkeypatch.undo()
    assert list(out.iterdir()) == []


def test_a_full_usb_stick_keeps_the_backup_and_leaves_no_half_copy(book, tmp_path, monkeypatch):
    folder, stick = tmp_path / "backups", tmp_path / "stick"
    stick.mkdir()
    old = stick / "okmot-20260101-000000.sqlite3"
    old.write_bytes(b"an earlier backup on the stick")
    fill_disk(monkeypatch, stick, room=10_000)
    with pytest.raises(EnvironmentProblem) as caught:
        backup.auto_backup(book, folder, copy_dir=stick)
    monkeypatch.undo()
    assert "The backup was made in" in caught.value.message and FULL in caught.value.message
    assert len(backup.list_backups(folder)) == 1
    assert [p.name for p in stick.iterdir()] == [old.name]
    assert old.read_bytes() == b"an earlier backup on the stick"


@pytest.fixture
def broken_fonts(tmp_path, monkeypatch):
    """A copy of the font folder with DejaVuSans.ttf cut short and DejaVuSerif.ttf missing."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    files = {}
    for name, path in fonts.font_files().items():
        files[name] = str(folder / Path(path).name)
        shutil.copy(path, files[name])
    sans = Path(files[fonts.SANS])
    sans.write_bytes(sans.read_bytes()[: sans.stat().st_size * 99 // 100])
    Path(files[fonts.SERIF]).unlink()
    monkeypatch.setattr(fonts, "font_files", lambda: files)
    monkeypatch.setattr(fonts, "_done", False)
    return files


def test_a_damaged_font_refuses_the_pdf_naming_the_file(broken_fonts, tmp_path):
    with pytest.raises(EnvironmentProblem) as caught:
        write_pdf(_report(10), tmp_path / "report.pdf")
    message = caught.value.message
    assert broken_fonts[fonts.SANS] in message and "missing or damaged" in message and "Reinstall Okmot" in message
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*partial"))


def test_a_missing_font_is_named(broken_fonts, monkeypatch):
    files = dict(broken_fonts)
    files[fonts.SANS] = files[fonts.SANS_BOLD]  # only the missing serif font is left to find
    monkeypatch.setattr(fonts, "font_files", lambda: files)
    with pytest.raises(EnvironmentProblem, match="DejaVuSerif.ttf is missing or damaged"):
        fonts.check()


def test_the_self_test_notices_a_damaged_font(broken_fonts, monkeypatch):
    monkeypatch.setattr(self_test, "check_data_folder", lambda: "the test's folder")
    monkeypatch.setattr(self_test, "check_translations", lambda: "the test's catalogs")
    lines: list[str] = []
    assert self_test.run_checks(lines.append) == 1
    assert lines[-1].startswith("FAIL The font file " + broken_fonts[fonts.SANS])


def test_the_self_test_checks_the_shipped_fonts():
    assert self_test.check_fonts() == "4 TrueType fonts"


def _make_read_only(path: Path) -> Callable:
    """Make ``path`` unwritable even for root (the tests run as root in CI): immutable, or else mode 0444."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("running as root and the file system cannot make a file immutable")
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o444)
    return lambda: path.chmod(0o644)


def test_a_read_only_database_file_is_explained_and_left_untouched(book):
    before = _digest(book)
    undo = _make_read_only(book)
    try:
        ctx = open_context(book)
        try:
            with pytest.raises(EnvironmentProblem) as caught:
                ctx.sign_in("aida", village.PASSWORD)
            assert "is read-only: nothing can be saved" in caught.value.message
            assert str(book) in caught.value.message
        finally:
            ctx.close()
    finally:
        undo()
    assert _digest(book) == before


_HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
""")


@contextlib.contextmanager
def write_lock_in_another_process(path: Path):
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


def test_a_save_while_another_program_holds_the_lock_is_explained_and_can_be_retried(book):
    ctx = open_context(book)
    try:
        ctx.sign_in("aida", village.PASSWORD)
        _short_busy_wait(ctx)
        with ctx.read() as s:
            hid = households.household_id_by_account(s, "0001")
            persons = s.scalar(select(func.count()).select_from(Person))
        newborn = PersonData("Асанова", "Айпери", "F")
        with write_lock_in_another_process(book):
            started = time.monotonic()
            with pytest.raises(EnvironmentProblem) as caught:
                with ctx.write() as s:
                    households.add_member(s, hid, newborn, relation="daughter")
            assert time.monotonic() - started < 5
            assert "in use by another program or another copy of Okmot" in caught.value.message
            assert "nothing was changed" in caught.value.message
        with ctx.read() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == persons
        with ctx.write() as s:  # the lock is gone: the same save goes through
            households.add_member(s, hid, newborn, relation="daughter")
        with ctx.read() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == persons + 1
    finally:
        ctx.close()


def _short_busy_wait(ctx) -> None:
    """Wait 0.3 s instead of the app's 5 s for another writer: the outcome is the same, the test is quicker."""
    @event.listens_for(ctx.db.engine, "connect")
    def short_wait(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout=300")

    ctx.db.engine.dispose()


def test_the_sign_in_dialog_explains_a_locked_database_and_stays_open(qtbot, book, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from ui.login import LoginDialog

    ctx = open_context(book)
    try:
        _short_busy_wait(ctx)
        dialog = LoginDialog(ctx, "Ак-Суу")
        qtbot.addWidget(dialog)
        dialog.username.setText("aida")
        dialog.password.setText(village.PASSWORD)
        shown: list[str] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
        with write_lock_in_another_process(book):
            assert dialog.save() is False
        assert len(shown) == 1 and "is in use by another program or another copy of Okmot" in shown[0]
        assert str(book) in shown[0] and "Close it and try again" in shown[0]
        assert dialog.save() is True and dialog.user.username == "aida"  # the way forward works
    finally:
        ctx.close()
