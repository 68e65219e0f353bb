"""District window loose ends: buttons by role, trust wording, sealed packages in order, list in the background."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from okmot import cli
from okmot.models import Person
from okmot.services import auth, cross_office
from okmot.services.context import AppContext
from okmot.sync import batch, sealing
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from tests.sync_helpers import ACTOR, make_office
from tests.test_cross_office import plant_pairs
from tests.test_sealing import _district, _give_key
from tests.test_sync_dialogs import _shot
from ui import cross_office_window, district_window
from ui.cross_office_window import CrossOfficeWindow
from ui.district_window import DistrictWindow
from ui.sync_import_dialog import SyncImportDialog


def _cells(model) -> list[list[str]]:
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def _user(db, role: str):
    ctx = AppContext(db=db)
    with ctx.system("test") as s:
        ctx.user = auth.create_user(s, None, username=f"u-{role}", full_name=f"User {role}",
                                    password=f"password-{role}-1", role=role)
    return ctx


@pytest.fixture
def two_offices(tmp_path, db):
    """A district database holding AA1 and BB2, with one same-PIN and one same-name pair planted."""
    a, b = make_office(tmp_path, "AA1", 91, households=3), make_office(tmp_path, "BB2", 92, households=3)
    try:
        plant_pairs(a, b)
        paths = [export_package(o, tmp_path, actor=ACTOR).path for o in (a, b)]
    finally:
        a.dispose()
        b.dispose()
    for path in paths:
        assert import_package(db, path, actor=ACTOR, trust_new=True).status == "imported"
    return db


def _shown(window, *names: str) -> dict[str, bool]:
    return {n: getattr(window, n).isVisibleTo(window) for n in names}


def test_buttons_follow_the_role(qtbot, monkeypatch, tmp_path, two_offices):
    buttons = ("import_button", "pairs_button", "reports_button", "reference_row")
    expected = {"viewer": dict.fromkeys(buttons, False),
                "district": dict.fromkeys(buttons, True),
                "head": {"import_button": False, "pairs_button": True, "reports_button": True, "reference_row": False}}
    opened: list = []
    monkeypatch.setattr(CrossOfficeWindow, "exec", lambda self: opened.append(self))
    monkeypatch.setattr(district_window.ReportDialog, "exec", lambda self: opened.append(self))
    for role, shown in expected.items():
        ctx = _user(two_offices, role)
        window = DistrictWindow(ctx, today=dt.date.today())
        qtbot.addWidget(window)
        assert _shown(window, *buttons) == shown, role
        ref = window.reference_row
        assert ref.publish_button.isVisibleTo(window) == ref.key_button.isVisibleTo(window) == shown["reference_row"]
        assert window.model.rowCount() == 2  # every role reads the office list
        _shot(window, f"district-window-{role}", tmp_path)
        if not shown["pairs_button"]:
            continue
        window.pairs_button.click()
        pairs = opened.pop()
        qtbot.addWidget(pairs)
        qtbot.waitUntil(lambda: pairs.worker is None, timeout=20000)
        assert pairs.model.rowCount() == 2
        # Marking needs sync.import (district, not head); the Excel list report.export (both).
        assert pairs.reviewed_button.isVisibleTo(pairs) == (role == "district")
        assert pairs.export_button.isVisibleTo(pairs) and pairs.export_button.isEnabled()

        window.reports_button.click()  # the report dialog, with the choice of office
        report = opened.pop()
        qtbot.addWidget(report)
        assert [report.office_combo.itemData(i) for i in range(report.office_combo.count())] == [None, "AA1", "BB2"]


def test_pairs_load_in_the_background_with_a_busy_bar(qtbot, monkeypatch, tmp_path, two_offices):
    release = threading.Event()
    real = cross_office.find_pairs

    def slow(session, **kwargs):
        assert threading.current_thread() is not threading.main_thread()
        release.wait(20)
        return real(session, **kwargs)

    monkeypatch.setattr(cross_office_window.cross_office, "find_pairs", slow)
    window = CrossOfficeWindow(_user(two_offices, "district"))
    qtbot.addWidget(window)
    window.show()  # the window is up while the search runs
    assert window.busy.isVisible() and window.worker is not None
    assert window.info.text() == "Looking for persons listed in two offices…"
    assert not window.reviewed_button.isEnabled() and not window.export_button.isEnabled()
    assert window.mark_selected() is False and window.model.rowCount() == 0
    _shot(window, "pairs-loading", tmp_path)
    release.set()
    qtbot.waitUntil(lambda: window.worker is None, timeout=20000)
    assert not window.busy.isVisible()
    assert [row[0] for row in _cells(window.model)] == ["same PIN", "same name and birth date"]
    assert window.info.text() == "Pairs to review: 2"
    assert window.reviewed_button.isEnabled()
    first = window.model.rows[0]
    assert window.mark_selected()
    assert window.info.text() == f"Reviewed: {first.first.name} and {first.second.name}. Pairs to review: 1"
    assert [row[0] for row in _cells(window.model)] == ["same name and birth date"]


@pytest.fixture
def new_office_package(tmp_path) -> Path:
    office = make_office(tmp_path, "BB2", 93, households=2)
    try:
        return export_package(office, tmp_path, actor=ACTOR).path
    finally:
        office.dispose()


def test_declined_trust_is_said_in_the_dialogs_words(qtbot, monkeypatch, new_office_package, db):
    dialog = SyncImportDialog(AppContext(db=db))
    qtbot.addWidget(dialog)
    dialog.set_files([str(new_office_package)])
    dialog.check()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)
    fingerprint = dialog.checked[0].fingerprint
    warnings = dialog.details.toPlainText()
    assert warnings == (f"{new_office_package.name}: Office BB2 sends its first package (key fingerprint "
                        f"{fingerprint}). Import asks you to confirm the fingerprint with the office before "
                        "anything of it is written.")
    monkeypatch.setattr(dialog, "ask", lambda text: False)
    dialog.apply()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)
    assert dialog.reports[0].reason == "untrusted"
    row = _cells(dialog.model)[0]
    assert row[3] == "refused"
    assert row[4] == (f"Office BB2 was not trusted, so nothing of it was imported. Confirm the key fingerprint "
                      f"{fingerprint} with the office and import again.")
    # The command line keeps its own wording, with its option.
    cli_report = import_package(db, new_office_package, actor=ACTOR)
    assert cli_report.reason == "untrusted" and "(--trust-new)" in cli_report.message
    # A role that may not trust an office is told so, not told to confirm a fingerprint.
    viewer = SyncImportDialog(_user(db, "viewer"))
    qtbot.addWidget(viewer)
    assert viewer.message_of(cli_report).startswith(
        "Office BB2 sends its first package, and your role does not allow you to trust a new office's key")


@pytest.fixture
def sealed(tmp_path):
    """AA1's packages 1 and 2, encrypted to the district's key, named so that the name order is wrong."""
    office = make_office(tmp_path, "AA1", 94, households=2)
    district, key_file = _district(tmp_path)
    try:
        _give_key(office, key_file)
        first = export_package(office, tmp_path, actor=ACTOR, encrypt=True).path
        with office.session(ACTOR) as s:
            s.scalars(select(Person).order_by(Person.id)).first().occupation = "beekeeper"
        second = export_package(office, tmp_path, actor=ACTOR, encrypt=True).path
        later, earlier = first.rename(tmp_path / "b.okmsync"), second.rename(tmp_path / "a.okmsync")
        yield district, [str(earlier), str(later)]  # package 2 first: by name
    finally:
        office.dispose()
        district.dispose()


def test_sealed_packages_are_planned_by_their_manifest(sealed):
    district, reverse = sealed
    assert [p.sequence for p in batch.plan(reverse)] == [0, 0]  # unopened: unreadable, ordered by name
    planned = batch.plan(reverse, unseal=sealing.opener(district))
    assert [(Path(p.path).name, p.office_code, p.sequence) for p in planned] == [("b.okmsync", "AA1", 1),
                                                                                ("a.okmsync", "AA1", 2)]


def test_cli_imports_sealed_packages_given_in_reverse(sealed, capsys):
    district, reverse = sealed
    target = district.engine.url.database
    district.dispose()
    code = cli.main(["--lang", "en", "sync", "import", "--db", target, "--trust-new", "--json", *reverse])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(Path(r["path"]).name, r["status"], r["sequence"]) for r in out] == [("b.okmsync", "imported", 1),
                                                                                ("a.okmsync", "imported", 2)]


def test_dialog_imports_sealed_packages_given_in_reverse(qtbot, monkeypatch, sealed):
    district, reverse = sealed
    dialog = SyncImportDialog(AppContext(db=district))
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (reverse, ""))
    dialog.add_files()
    assert [dialog.files.item(i).text().split()[:2] for i in range(dialog.files.count())] == [["AA1", "1"],
                                                                                              ["AA1", "2"]]
    dialog.check()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)
    assert [(r[0], r[3]) for r in _cells(dialog.model) if r[0]] == [("b.okmsync", "can be imported"),
                                                                    ("a.okmsync", "after the earlier package")]
    monkeypatch.setattr(dialog, "ask", lambda text: True)
    dialog.apply()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=30000)
    assert [(r.sequence, r.status) for r in dialog.reports] == [(1, "imported"), (2, "imported")]
