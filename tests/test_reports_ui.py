"""The report dialog: choices, a report made off the GUI thread, messages, and choices remembered."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from tests import village
from tests.reports_helpers import sheet_rows
from ui.report_dialog import ReportDialog


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=4)
    yield context
    context.close()


def _choose(dialog: ReportDialog, kind: str) -> None:
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))


def test_make_a_population_workbook_and_remember_choices(qtbot, ctx, tmp_path) -> None:
    dialog = ReportDialog(ctx)
    qtbot.addWidget(dialog)
    _choose(dialog, "population")
    assert dialog.as_of.isVisibleTo(dialog) and not dialog.start.isVisibleTo(dialog)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ru"))
    dialog.village_list.item(1).setCheckState(Qt.CheckState.Checked)
    dialog.open_when_done.setChecked(False)
    out = tmp_path / "out" / "p.xlsx"
    out.parent.mkdir()
    dialog.path_edit.setText(str(out))
    dialog.show()
    dialog.grab().save(str(tmp_path / "dialog.png"))
    dialog.make_button.click()
    qtbot.waitUntil(lambda: dialog.worker is None and "ready" in dialog.message.text(), timeout=20000)
    rows, header = sheet_rows(out)
    assert rows[0][0] == "Ак-Суйский айылный аймак"
    assert any("Кок-Жар" in str(r[0]) for r in rows[:header])  # only the ticked village
    assert dialog.folder_button.isEnabled()

    again = ReportDialog(ctx)
    qtbot.addWidget(again)
    assert again.kind == "population"
    assert again.language_combo.currentData() == "ru"
    assert again.checked_villages() == ("02",)
    assert str(out.parent) in again.path_edit.text()


def test_empty_period_is_explained_and_nothing_starts(qtbot, ctx, tmp_path) -> None:
    dialog = ReportDialog(ctx)
    qtbot.addWidget(dialog)
    _choose(dialog, "movement")
    assert dialog.start.isVisibleTo(dialog) and not dialog.as_of.isVisibleTo(dialog)
    dialog.start.set_value(dt.date(2026, 5, 1))
    dialog.end.set_value(dt.date(2026, 4, 1))
    dialog.path_edit.setText(str(tmp_path / "m.xlsx"))
    dialog.make_button.click()
    assert dialog.worker is None
    assert "The period is empty" in dialog.message.text()
    assert list(tmp_path.glob("m.xlsx")) == []


def test_cancel_stops_the_worker_without_a_file(qtbot, ctx, tmp_path) -> None:
    dialog = ReportDialog(ctx)
    qtbot.addWidget(dialog)
    _choose(dialog, "book")
    dialog.open_when_done.setChecked(False)
    dialog.path_edit.setText(str(tmp_path / "b.xlsx"))
    dialog.make_button.click()
    dialog.cancel_or_close()  # asked before the worker could finish: it stops at its next check
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=20000)
    assert "Cancelled" in dialog.message.text() or "ready" in dialog.message.text()
    if "Cancelled" in dialog.message.text():
        assert not (tmp_path / "b.xlsx").exists()
    assert not list(tmp_path.glob(".*partial"))
