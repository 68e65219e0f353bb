"""The district view lists trusted offices with their last package; an overdue office is highlighted."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from okmot.services.context import AppContext
from okmot.sync.consolidate import import_package
from tests.sync_helpers import ACTOR, office_package
from ui.district_window import DistrictWindow
from ui.rows_model import OVERDUE


def test_district_window_lists_offices(qtbot, qtmodeltester, tmp_path, db):
    for code, seed in (("AA1", 1), ("BB2", 2)):
        path = office_package(tmp_path, code, seed, households=3)
        assert import_package(db, path, actor=ACTOR, trust_new=True).status == "imported"
    window = DistrictWindow(AppContext(db=db), today=dt.date.today())
    qtbot.addWidget(window)
    model = window.model
    qtmodeltester.check(model)
    cells = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert [[row[0], row[2]] for row in cells] == [["AA1", "1"], ["BB2", "1"]]
    assert cells[0][1]  # the aiyl aimak's name from the office's own record
    assert cells[0][5] == "3"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert "2 offices, 0 without a package" in window.note.text()

    later = DistrictWindow(AppContext(db=db), today=dt.date.today() + dt.timedelta(days=60))
    qtbot.addWidget(later)
    assert later.model.data(later.model.index(1, 0), Qt.ItemDataRole.BackgroundRole).color() == OVERDUE
    assert "2 without a package" in later.note.text()
