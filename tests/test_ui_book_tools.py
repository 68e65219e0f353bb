"""Book tools as a clerk uses them: alphabetical book, data quality, duplicates, the import wizard."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from okmot.models import Household, Person
from okmot.services import households
from okmot.services.persons import PersonData
from tests import village
from tests.test_import_book import _clean_xlsx, _messy_csv
from ui.alphabet_window import AlphabetWindow
from ui.duplicates_window import DuplicatesWindow
from ui.import_wizard import PAGE_CHECK, PAGE_IMPORT, PAGE_MAPPING, ImportWizard
from ui.main_window import MainWindow
from ui.quality_window import QualityWindow


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=4)
    yield context
    context.close()


@pytest.fixture
def main(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    return w


def test_menu_has_the_book_tools(main):
    texts = [a.text() for a in main.menuBar().actions()[0].menu().actions()]
    for label in ("Alphabetical book…", "Data quality…", "Possible duplicates…", "Import a book from Excel or CSV…"):
        assert label in texts


def test_alphabetical_book_window(qtbot, qtmodeltester, ctx):
    opened = []
    w = AlphabetWindow(ctx, opened.append)
    qtbot.addWidget(w)
    qtmodeltester.check(w.model)
    names = [w.model.row_at(r).surname for r in range(w.model.rowCount())]
    assert names == ["Асанов", "Асанова", "Өмүрбеков", "Өмүрбекова", "Токтосунов", "Токтосунова", "Үсөнов",
                     "Үсөнова"]
    assert w.model.index(0, 0).data() == "А" and w.model.index(1, 0).data() == ""
    assert w.model.index(0, 1).data() == "Асанов Бекзат Асанович"
    assert w.count_label.text() == "Persons: 8"
    w.village_filter.setCurrentIndex(2)  # Көк-Жар: households 0002 and 0004
    assert {w.model.row_at(r).account_number for r in range(w.model.rowCount())} == {"0002", "0004"}
    w.table.doubleClicked.emit(w.model.index(0, 1))
    assert opened == [w.model.row_at(0).household_id]


def test_quality_window_opens_the_household_at_the_problem(qtbot, qtmodeltester, ctx, main):
    with ctx.write() as s:
        hid = households.household_id_by_account(s, "0003")
        child, _c = households.add_member(s, hid, PersonData("Үсөнов", "Нурсултан", "M"), relation="son")
    w = QualityWindow(ctx, main.open_household)
    qtbot.addWidget(w)
    qtmodeltester.check(w.totals_model)
    qtmodeltester.check(w.work_model)
    assert w.totals_model.rowCount() == 3  # two villages and the total
    assert w.totals_model.index(2, 1).data() == "4"
    rows = [w.work_model.row_at(r) for r in range(w.work_model.rowCount())]
    target = next(r for r, (h, p) in enumerate(rows) if p.code == "missing_birth_date")
    assert rows[target][0].account_number == "0003"
    dialog = w._open(w.work_model.index(target, 0))
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Members"
    selected = dialog.members_view.currentIndex().row()
    assert dialog.members_model.row_at(selected).person.id == child
    dialog.close()
    w.close()


def test_duplicates_window_merges_after_confirmation(qtbot, qtmodeltester, ctx, monkeypatch):
    with ctx.write() as s:
        h1 = households.household_id_by_account(s, "0001")
        born = dt.date(1999, 9, 9)
        households.add_member(s, h1, PersonData("Асанов", "Тимур", "M", birth_date=born), relation="son")
        households.add_member(s, h1, PersonData("Асанов", "Тимур", "M", birth_date=born), relation="son")
    w = DuplicatesWindow(ctx)
    qtbot.addWidget(w)
    qtmodeltester.check(w.model)
    assert w.model.rowCount() == 1
    assert w.model.index(0, 0).data() == "same name and birth date"
    asked = []
    monkeypatch.setattr(w, "confirm", lambda text: asked.append(text) or False)
    assert w.merge_selected(keep_first=True) is False
    monkeypatch.setattr(w, "confirm", lambda text: asked.append(text) or True)
    assert w.merge_selected(keep_first=True) is True
    assert len(asked) == 2 and "merge" in asked[1]
    assert w.model.rowCount() == 0
    assert "Merged" in w.info.text()
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Person).where(Person.merged_into_id.is_not(None))) == 1


def _to_check_page(qtbot, w, path):
    w.path_edit.setText(str(path))
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.next_button.click()
    assert w.pages.currentIndex() == PAGE_MAPPING
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.next_button.click()
    assert w.pages.currentIndex() == PAGE_CHECK


def test_import_wizard_shows_row_errors_and_refuses(qtbot, qtmodeltester, ctx, tmp_path):
    w = ImportWizard(ctx)
    qtbot.addWidget(w)
    _to_check_page(qtbot, w, _messy_csv(tmp_path / "book.csv"))
    qtmodeltester.check(w.problems_model)
    rows = [w.problems_model.row_at(r) for r in range(w.problems_model.rowCount())]
    assert {(p.row, p.column) for p in rows if p.severity == "error"} == {(4, "Дата рождения"), (5, "ПИН"),
                                                                          (6, "Село"), (7, "ПИН")}
    assert w.problems_model.index(0, 0).data() in ("error", "warning")
    assert "4 errors" in w.summary_label.text()
    assert not w.import_button.isEnabled()


def test_import_wizard_mapping_import_and_reimport(qtbot, ctx, tmp_path):
    path = _clean_xlsx(tmp_path / "book.xlsx")
    w = ImportWizard(ctx)
    qtbot.addWidget(w)
    w.path_edit.setText(str(path))
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.next_button.click()
    assert w.mapping_combo(5).currentData() == "surname"
    assert "Land and livestock" in w.farm_label.text()
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.next_button.click()
    assert "Persons: 4 to create, 0 to update, 0 unchanged" in w.summary_label.text()
    assert w.import_button.isEnabled()
    w.grab().save(str(tmp_path / "wizard.png"))
    with qtbot.waitSignal(w.step_done, timeout=20_000):
        w.import_button.click()
    assert w.pages.currentIndex() == PAGE_IMPORT
    assert "4 persons created" in w.progress_label.text()
    assert w.progress.value() == w.progress.maximum()
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 6
    again = ImportWizard(ctx)
    qtbot.addWidget(again)
    _to_check_page(qtbot, again, path)
    assert "already in the book" in again.summary_label.text()
    assert not again.import_button.isEnabled()


def test_import_wizard_cancel_leaves_the_book_untouched(qtbot, ctx, tmp_path):
    w = ImportWizard(ctx)
    qtbot.addWidget(w)
    _to_check_page(qtbot, w, _clean_xlsx(tmp_path / "book.xlsx"))
    with qtbot.waitSignal(w.step_done, timeout=20_000):
        w.import_button.click()
        w.cancel_button.click()
    assert "cancelled" in w.progress_label.text()
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 4


def test_import_wizard_remembers_a_hand_made_mapping(qtbot, ctx, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Н/с;Кыштак;Фам;Ат;Жыныс\n0301;Ак-Суу;Асанов;Нурбек;м\n", encoding="utf-8")
    w = ImportWizard(ctx)
    qtbot.addWidget(w)
    w.path_edit.setText(str(path))
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.next_button.click()
    for row, key in enumerate(("account_number", "village", "surname", "given_name", "sex")):
        combo = w.mapping_combo(row)
        combo.setCurrentIndex(combo.findData(key))
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.next_button.click()
    with qtbot.waitSignal(w.step_done, timeout=10_000):
        w.import_button.click()
    again = ImportWizard(ctx)
    qtbot.addWidget(again)
    again.path_edit.setText(str(path))
    with qtbot.waitSignal(again.step_done, timeout=10_000):
        again.next_button.click()
    assert [again.mapping_combo(r).currentData() for r in range(5)] == [
        "account_number", "village", "surname", "given_name", "sex"]
