"""Send to district, Import packages and Persons in two offices, driven offscreen with the file pickers patched."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from okmot.models import Person, TrustedOffice
from okmot.services.context import AppContext
from okmot.sync import batch
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from okmot.sync.status import offices
from tests.reports_helpers import sheet_rows
from tests.sync_helpers import ACTOR, make_office
from tests.test_cross_office import plant_pairs
from ui import sync_export_dialog
from ui.cross_office_window import CrossOfficeWindow
from ui.district_window import DistrictWindow
from ui.rows_model import OVERDUE
from ui.sync_export_dialog import SyncExportDialog
from ui.sync_import_dialog import SyncImportDialog

SHOTS = os.environ.get("OKMOT_SHOTS")  # a folder to keep the screenshots in while developing


def _shot(widget, name: str, tmp_path: Path) -> None:
    widget.show()
    widget.grab().save(str(Path(SHOTS or tmp_path) / f"{name}.png"))


def _cells(model) -> list[list[str]]:
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


@pytest.fixture
def village(tmp_path):
    office = make_office(tmp_path, "AA1", 61, households=3)
    yield office
    office.dispose()


def test_send_to_district_writes_incremental_and_full_packages(qtbot, qtmodeltester, monkeypatch, tmp_path,
                                                               village, db):
    stick = tmp_path / "usb"
    stick.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))
    dialog = SyncExportDialog(AppContext(db=village))
    qtbot.addWidget(dialog)
    assert dialog.sent_model.rowCount() == 0
    dialog.choose_folder()
    assert dialog.folder_edit.text() == str(stick)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=20000)
    first = dialog.result
    assert first is not None and first.path.parent == stick and first.full
    assert f"Package 1 (full, {sum(first.counts.values())} records) was written to {first.path}" in \
        dialog.message.text()
    qtmodeltester.check(dialog.sent_model)
    assert _cells(dialog.sent_model)[0][:2] == ["1", "full"]
    assert _cells(dialog.sent_model)[0][3] == first.path.name
    _shot(dialog, "send-to-district", tmp_path)
    report = import_package(db, first.path, actor=ACTOR, trust_new=True)
    assert report.status == "imported" and report.tables["household"].new == 3

    dialog.send_button.click()  # nothing changed since: no file, said plainly
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=20000)
    assert dialog.message.text() == "Nothing changed since package 1; no new package was written."
    assert sorted(p.name for p in stick.iterdir()) == [first.path.name]

    again = SyncExportDialog(AppContext(db=village))  # the folder is remembered
    qtbot.addWidget(again)
    assert again.folder_edit.text() == str(stick)
    again.full_radio.setChecked(True)
    again.send_button.click()
    qtbot.waitUntil(lambda: again.worker is None, timeout=20000)
    assert again.result.sequence == 2 and again.result.full
    assert [row[:2] for row in _cells(again.sent_model)] == [["2", "full"], ["1", "full"]]
    assert import_package(db, again.result.path, actor=ACTOR).status == "imported"


def test_send_to_district_cancelled_writes_nothing(qtbot, monkeypatch, tmp_path, village):
    class CancelledAtOnce(sync_export_dialog.Worker):
        def start(self):
            self.cancel_event.set()
            super().start()

    monkeypatch.setattr(sync_export_dialog, "Worker", CancelledAtOnce)
    dialog = SyncExportDialog(AppContext(db=village))
    qtbot.addWidget(dialog)
    dialog.folder_edit.setText(str(tmp_path))
    before = sorted(tmp_path.iterdir())
    dialog.start()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=20000)
    assert dialog.message.text() == "The export was cancelled; nothing was written."
    assert sorted(tmp_path.iterdir()) == before and dialog.sent_model.rowCount() == 0


def test_send_to_district_asks_for_an_existing_folder(qtbot, tmp_path, village):
    dialog = SyncExportDialog(AppContext(db=village))
    qtbot.addWidget(dialog)
    dialog.folder_edit.setText(str(tmp_path / "no-stick"))
    dialog.start()
    assert dialog.worker is None
    assert dialog.message.text() == "Choose an existing folder (insert the USB stick first)."


@pytest.fixture
def packages(tmp_path) -> dict[str, Path]:
    """AA1 sends a full package and then changes; BB2 one package; and a damaged copy of BB2's."""
    out = tmp_path / "packages"
    out.mkdir()
    a, b = make_office(tmp_path, "AA1", 71, households=3), make_office(tmp_path, "BB2", 72, households=2)
    try:
        first = export_package(a, out, actor=ACTOR).path
        with a.session(ACTOR) as s:
            s.scalars(select(Person).order_by(Person.id)).first().occupation = "beekeeper"
        second = export_package(a, out, actor=ACTOR).path
        other = export_package(b, out, actor=ACTOR).path
    finally:
        a.dispose()
        b.dispose()
    damaged = out / "damaged.okmsync"
    data = bytearray(other.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    return {"a1": first, "a2": second, "b1": other, "damaged": damaged}


def _drive_import(dialog: SyncImportDialog, qtbot, monkeypatch, files: list[Path], answers: dict[str, bool],
                  asked: list[str], tmp_path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(f) for f in files], ""))
    monkeypatch.setattr(dialog, "ask", lambda text: asked.append(text) or answers[text.split()[1]])
    dialog.add_files()
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)
    dialog.checked_lines = _cells(dialog.model)
    _shot(dialog, "import-checked", tmp_path)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)


def test_import_dialog_checks_asks_trust_and_imports(qtbot, qtmodeltester, monkeypatch, tmp_path, packages, db):
    window = DistrictWindow(AppContext(db=db), today=dt.date.today())
    qtbot.addWidget(window)
    assert window.model.rowCount() == 0
    asked: list[str] = []
    seen: dict = {}

    def run(dialog: SyncImportDialog) -> None:
        # Shuffled on purpose: the dialog orders them per office by package number.
        files = [packages["damaged"], packages["a2"], packages["b1"], packages["a1"]]
        _drive_import(dialog, qtbot, monkeypatch, files, {"AA1": True, "BB2": False}, asked, tmp_path)
        qtmodeltester.check(dialog.model)
        seen["checked"], seen["imported"] = dialog.checked_lines, _cells(dialog.model)
        seen["background"] = dialog.model.data(dialog.model.index(dialog.model.rowCount() - 1, 0),
                                               Qt.ItemDataRole.BackgroundRole)
        seen["details"] = dialog.details.toPlainText()
        seen["message"] = dialog.message.text()
        dialog.table.scrollToBottom()  # the refusals
        _shot(dialog, "import-done", tmp_path)

    monkeypatch.setattr(SyncImportDialog, "exec", run)
    window.import_packages()

    checked = seen["checked"]
    heads = [(row[1], row[2], row[3]) for row in checked if row[0]]
    assert heads == [("AA1", "1", "can be imported"), ("AA1", "2", "after the earlier package"),
                     ("BB2", "1", "can be imported"), ("", "", "refused")]
    household = next(row for row in checked if row[5] == "household")  # AA1 comes first
    assert household[6:11] == ["3", "0", "0", "0", "0"]  # new, updated, unchanged, deleted, conflicts
    damaged = checked[-1]
    assert damaged[0] == "damaged.okmsync" and "damaged" in damaged[4]

    with db.session() as s:
        fingerprints = {r.office_code: r.fingerprint for r in s.scalars(select(TrustedOffice))}
    assert len(asked) == 2 and asked[0].startswith("Office AA1 ") and asked[1].startswith("Office BB2 ")
    assert fingerprints["AA1"] in asked[0]

    imported = [(row[1], row[2], row[3]) for row in seen["imported"] if row[0]]
    assert imported == [("AA1", "1", "imported"), ("AA1", "2", "imported"), ("BB2", "1", "refused"),
                        ("", "", "refused")]
    refused_b = next(row for row in seen["imported"] if row[1] == "BB2")
    assert "Office BB2 was not trusted" in refused_b[4] and "--trust-new" not in refused_b[4]
    assert seen["background"].color() == OVERDUE
    assert seen["message"] == "2 packages imported, 2 refused."
    assert set(fingerprints) == {"AA1"}  # BB2 was not confirmed: not trusted
    # The district window's office list was refreshed by the dialog.
    assert [row[:3] for row in _cells(window.model)] == [["AA1", window.model.data(window.model.index(0, 1)), "2"]]
    with db.session() as s:
        assert [(o.office_code, o.last_sequence) for o in offices(s)] == [("AA1", 2)]
    _shot(window, "district-window", tmp_path)


def test_import_dialog_cancel_stops_between_packages(qtbot, monkeypatch, packages, db):
    dialog = SyncImportDialog(AppContext(db=db))
    qtbot.addWidget(dialog)
    dialog.set_files([str(packages["b1"]), str(packages["a1"])])
    monkeypatch.setattr(dialog, "ask", lambda text: True)
    dialog.check()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)

    def first_then_cancel(*args, **kwargs):  # the operator presses Cancel while the first package is imported
        dialog.cancel_or_close()
        return import_package(*args, **kwargs)

    monkeypatch.setattr(batch, "import_package", first_then_cancel)
    dialog.apply()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)
    assert dialog.message.text() == "1 packages imported, 0 refused. Cancelled: 1 packages were not processed."
    with db.session() as s:
        assert [o.office_code for o in offices(s)] == ["AA1"]


def test_persons_in_two_offices_window(qtbot, qtmodeltester, monkeypatch, tmp_path, db):
    a, b = make_office(tmp_path, "AA1", 81, households=5), make_office(tmp_path, "BB2", 82, households=5)
    try:
        planted = plant_pairs(a, b)
        paths = [export_package(o, tmp_path, actor=ACTOR).path for o in (a, b)]
    finally:
        a.dispose()
        b.dispose()
    for path in paths:
        assert import_package(db, path, actor=ACTOR, trust_new=True).status == "imported"
    ctx = AppContext(db=db)
    window = DistrictWindow(ctx, today=dt.date.today())
    qtbot.addWidget(window)
    monkeypatch.setattr(CrossOfficeWindow, "exec", lambda self: seen.append(self))
    seen: list[CrossOfficeWindow] = []
    window.pairs_button.click()
    pairs = seen[0]
    qtbot.addWidget(pairs)
    qtbot.waitUntil(lambda: pairs.worker is None, timeout=20000)  # the list loads in the background
    qtmodeltester.check(pairs.model)
    cells = _cells(pairs.model)
    assert [row[0] for row in cells] == ["same PIN", "same name and birth date"]
    assert cells[0][1].startswith("AA1 ") and cells[0][2].startswith("BB2 ")
    pin = pairs.model.rows[0].first.pin
    assert f"PIN {pin}" in cells[0][1] and f"PIN {pin}" in cells[0][2]
    assert pairs.info.text() == "Pairs to review: 2"
    _shot(pairs, "persons-in-two-offices", tmp_path)

    out = tmp_path / "pairs.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    assert pairs.export() == out
    rows, header = sheet_rows(out)
    assert rows[header - 1][:3] == ("Why listed", "Office (1)", "Aiyl aimak (1)")
    data = [r for r in rows[header:] if r[1]]  # the note follows the rows
    assert [(r[0], r[1], r[8]) for r in data] == [("same PIN", "AA1", "BB2"),
                                                   ("same name and birth date", "AA1", "BB2")]
    assert data[0][6] == pin and data[0][13] == pin

    pairs.table.selectRow(0)
    assert pairs.mark_selected()
    assert [row[0] for row in _cells(pairs.model)] == ["same name and birth date"]
    assert {pairs.model.rows[0].first.person_id, pairs.model.rows[0].second.person_id} == set(
        planted["same_name_birth"])
    again = CrossOfficeWindow(ctx)  # the review is kept in the database
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.worker is None, timeout=20000)
    assert again.model.rowCount() == 1
