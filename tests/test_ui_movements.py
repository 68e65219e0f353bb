"""Movements and the 1 January round as a clerk does them: record a birth, split a household, walk the round."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from okmot.services import annual_round, farm, households, movements
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData
from tests import village
from tests.typing import type_text
from ui import movement_dialogs as md
from ui.household_card import HouseholdDialog
from ui.main_window import MainWindow
from ui.round_window import RoundWindow

TODAY = dt.date.today()


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=4)
    yield context
    context.close()


def _hid(ctx, account: str):
    with ctx.read() as s:
        return households.household_id_by_account(s, account)


def _when_modal(kind, handler):
    """Run ``handler(dialog)`` on the ``kind`` dialog the next call opens (exec() blocks the test otherwise).

    Should the handler leave the dialog open (a failed save), it is rejected so the test fails
    on its assertions instead of hanging.
    """
    seen = []

    def poll():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, poll)
            return
        seen.append(dialog)
        try:
            handler(dialog)
        finally:
            if dialog.isVisible():
                dialog.dirty = False
                dialog.reject()

    QTimer.singleShot(0, poll)
    return seen


def test_record_a_birth_from_the_members_tab(qtbot, ctx, qtmodeltester):
    hid = _hid(ctx, "0001")
    card = HouseholdDialog(ctx, hid)
    qtbot.addWidget(card)
    assert [a.text() for a in card.movements_menu.actions()][:2] == ["Birth…", "Death…"]

    def fill(dialog: md.BirthDialog):
        assert dialog.person.surname.text() == "Асанов"  # the head's surname is offered
        assert dialog.mother.currentText().startswith("Асанова Айгүл")
        type_text(dialog.person.given_name, "Эмир")
        dialog.person.sex.set_code("M")
        dialog.on_date.setText(f"{TODAY - dt.timedelta(days=3):%d.%m.%Y}")
        assert dialog.relation_hint.text() == "son"
        type_text(dialog.act_number, "123")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    seen = _when_modal(md.BirthDialog, fill)
    card.movement_actions["birth"].trigger()
    assert seen and isinstance(seen[0], md.BirthDialog)
    names = {m.person.data.given_name: m.relation for m in card.card.current_members}
    assert names["Эмир"] == "son"
    assert card.notice.text() == "Recorded."
    model = card.history_model
    qtmodeltester.check(model)
    cells = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert cells == [f"{TODAY - dt.timedelta(days=3):%d.%m.%Y}", "birth", "Асанов Эмир",
                     "mother: Асанова Айгүл; act No. 123", "birth certificate", "aida"]
    card.tabs.setCurrentIndex(card.history_tab)
    card.grab().save(str(ctx.db.engine.url.database) + "-birth.png")


def test_a_birth_without_a_given_name_is_refused_beside_the_field(qtbot, ctx):
    with ctx.read() as s:
        card = households.get_card(s, _hid(ctx, "0002"))
    dialog = md.BirthDialog(ctx, card)
    qtbot.addWidget(dialog)
    dialog.person.sex.set_code("F")
    assert dialog.save() is False
    assert dialog.form.error_text("given_name") == "Enter the given name."
    dialog.on_date.setText("31.02.2020")
    assert dialog.save() is False
    assert "not a real date" in dialog.form.error_text("birth_date")
    dialog.dirty = False  # closing at teardown must not stop to ask about the edits


def test_split_a_household_then_see_it_as_of_the_day_before(qtbot, ctx):
    with ctx.write() as s:  # a household of long standing: the head has lived there since 2000
        village_id = households.get_card(s, _hid(ctx, "0001")).data.village_id
        hid, _c = households.create_household(
            s, HouseholdData("0050", village_id, opened_on=dt.date(2000, 1, 1)),
            head=PersonData("Асанов", "Бекзат", "M", birth_date=dt.date(1960, 1, 1)))
        households.add_member(s, hid, PersonData("Асанова", "Айгүл", "F", birth_date=dt.date(1962, 1, 1)),
                              relation="spouse", from_date=dt.date(2000, 1, 1))
        households.add_member(s, hid, PersonData("Асанов", "Нурлан", "M", birth_date=dt.date(1995, 1, 1)),
                              relation="son", from_date=dt.date(2000, 1, 1))
        households.add_member(s, hid, PersonData("Асанова", "Жыпар", "F", birth_date=dt.date(1997, 1, 1)),
                              relation="daughter_in_law", from_date=dt.date(2020, 1, 1))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    card = window.open_household(hid)  # deletes itself on close: not handed to qtbot

    def split(dialog: md.SplitDialog):
        people = {dialog.members.item(i).text().split(" (")[0]: dialog.members.item(i).data(Qt.ItemDataRole.UserRole)
                  for i in range(dialog.members.count())}
        son = next(k for k in people if "Нурлан" in k)
        dialog.check(people[son])
        dialog.check(next(v for k, v in people.items() if "Жыпар" in k))
        assert dialog.new_head.count() == 2
        dialog.new_head.setCurrentIndex(dialog.new_head.findText(son))
        assert not dialog.old_head.isEnabled()  # the head stays
        assert dialog.village.currentText() == "Ак-Суу"  # the new account starts in the same village
        dialog.account.setText("0100")
        type_text(dialog.basis_number, "45")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    seen = _when_modal(md.SplitDialog, split)
    card.movement_actions["split"].trigger()
    assert seen and seen[0].result_ is not None
    assert {m.person.data.given_name for m in card.card.current_members} == {"Бекзат", "Айгүл"}
    new = _hid(ctx, "0100")
    with ctx.read() as s:
        young = households.get_card(s, new)
    assert {(m.person.data.given_name, m.relation) for m in young.current_members} == {
        ("Нурлан", "head"), ("Жыпар", "spouse")}
    splits = [card.history_model.entry_at(r) for r in range(card.history_model.rowCount())]
    assert [(e.kind, e.person_name, e.basis_number) for e in splits] == [
        ("split", "Асанов Нурлан", "45"), ("split", "Асанова Жыпар", "45")]
    qtbot.waitUntil(lambda: window.model.row_of(new) >= 0, timeout=2000)  # the list heard of it
    card.close()

    # The day before, the new account did not exist and Нурлан lived in 0001.
    window.as_of_edit.setText(f"{TODAY - dt.timedelta(days=1):%d.%m.%Y}")
    window.as_of_edit.editingFinished.emit()
    assert window.model.row_of(new) == -1
    row = window.model.row_at(window.model.row_of(hid))
    assert row.members == 4
    assert "as of" in window.count_label.text()
    past = window.open_household(hid)
    assert {m.person.data.given_name for m in (past.members_model.row_at(r)
                                               for r in range(past.members_model.rowCount()))} == {
        "Бекзат", "Айгүл", "Нурлан", "Жыпар"}
    assert not past.save_button.isEnabled() and not past.movements_button.isEnabled()
    assert "view only" in past.notice.text()
    past.grab().save(str(ctx.db.engine.url.database) + "-asof.png")
    past.close()


def test_the_round_for_two_households_and_its_progress(qtbot, ctx, qtmodeltester):
    year = TODAY.year + 1  # the fixture village has records for this year: they pre-fill next year's
    window = RoundWindow(ctx)
    qtbot.addWidget(window)
    window.year.setValue(year)
    assert "has not been started" in window.info.text()
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert "4 households; 4 pre-filled" in window.info.text()
    qtmodeltester.check(window.progress_model)
    qtmodeltester.check(window.rows_model)
    progress = [[window.progress_model.data(window.progress_model.index(r, c)) for c in range(4)]
                for r in range(window.progress_model.rowCount())]
    assert progress == [["Ак-Суу", "0", "2", "2"], ["Көк-Жар", "0", "2", "2"]]
    assert window.rows_model.row_at(0).account_number == "0001"

    first = window.open_selected()
    qtbot.addWidget(first)
    assert first.livestock.spins["sheep"].value() == 10  # pre-filled from this year's 1 January
    assert "Previous year" in first.previous.text() and "sheep 10" in first.previous.text()
    assert [p.area_m2 for p in first.land.plots()] == [800]
    QTest.keyClick(first.livestock.spins["cattle"], Qt.Key.Key_Return)  # confirmed as it is
    qtbot.waitUntil(lambda: not first.isVisible(), timeout=2000)
    assert window.total.text() == "Visited 1 of 4 households; 3 still to do."
    assert window.rows_model.row_at(0).account_number == "0002"

    second = window.open_selected()
    qtbot.addWidget(second)
    spin = second.livestock.spins["sheep"]
    spin.selectAll()
    QTest.keyClicks(spin, "25")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not second.isVisible(), timeout=2000)
    progress = [[window.progress_model.data(window.progress_model.index(r, c)) for c in range(4)]
                for r in range(window.progress_model.rowCount())]
    assert progress == [["Ак-Суу", "1", "1", "2"], ["Көк-Жар", "1", "1", "2"]]
    assert window.total.text() == "Visited 2 of 4 households; 2 still to do."
    assert [window.rows_model.row_at(r).account_number for r in range(window.rows_model.rowCount())] == [
        "0003", "0004"]
    window.grab().save(str(ctx.db.engine.url.database) + "-round.png")

    with ctx.read() as s:
        h2 = households.household_id_by_account(s, "0002")
        assert farm.livestock_by_year(s, h2)[year]["sheep"] == 25
        assert farm.livestock_by_year(s, h2)[year - 1]["sheep"] == 11  # the earlier year is untouched
        assert annual_round.progress(s, year).visited == 2

    # Resuming another day: a new window opens on the started year with the same progress.
    again = RoundWindow(ctx)
    qtbot.addWidget(again)
    assert again.year.value() == year and again.total.text() == "Visited 2 of 4 households; 2 still to do."


def test_correct_an_entry_from_the_history_tab(qtbot, ctx):
    hid = _hid(ctx, "0003")
    with ctx.write() as s:
        head = households.get_card(s, hid).head.person.id
        movements.record_death(s, head, on=TODAY)  # the fixture village opened today
    card = HouseholdDialog(ctx, hid)
    qtbot.addWidget(card)
    card.history_view.selectRow(0)

    def cancel(dialog: md.CorrectionDialog):
        type_text(dialog.reason, "ката")
        dialog.cancel_entry.setChecked(True)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    _when_modal(md.CorrectionDialog, cancel)
    card.correct_entry()
    rows = [card.history_model.entry_at(r) for r in range(card.history_model.rowCount())]
    assert [(e.kind, e.cancelled) for e in rows] == [("death", True), ("cancellation", False)]
    assert "(cancelled)" in card.history_model.data(card.history_model.index(0, 3))
    assert card.card.head is not None
