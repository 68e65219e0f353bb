"""The main window and household card as a clerk uses them: find, open, edit, save, restart, see it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from okmot.i18n import set_language
from okmot.services import households, persons
from okmot.services.context import open_context
from tests import village
from tests.typing import type_text
from ui import forms
from ui.household_card import HouseholdDialog
from ui.household_model import HouseholdListModel
from ui.main_window import MainWindow
from ui.member_dialog import MemberDialog
from ui.members_model import MembersModel


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3")
    yield context
    context.close()


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    return w


def _search(qtbot, window, text):
    window.search_edit.clear()
    type_text(window.search_edit, text)
    qtbot.waitUntil(lambda: window.count_label.text().endswith(str(_expected(window))), timeout=2000)


def _expected(window):
    return window.model.rowCount()


def test_search_as_you_type_finds_by_surname_fragment(qtbot, window):
    window.status_filter.setCurrentIndex(0)
    type_text(window.search_edit, "өмүр")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=2000)
    heads = {window.model.row_at(r).head for r in range(window.model.rowCount())}
    assert heads == {"Өмүрбеков Бекзат"}
    assert window.count_label.text() == "Households found: 2"
    window.search_edit.clear()
    type_text(window.search_edit, "0012")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)
    assert window.model.row_at(0).account_number == "0012"


def test_find_open_edit_member_save_restart_and_see_change(qtbot, ctx, tmp_path):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    type_text(w.search_edit, "Үсөн")
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=2000)
    household_id = w.model.row_at(0).id
    card = w.open_household(household_id)
    qtbot.addWidget(card)
    head = card.card.head
    assert head.person.data.surname == "Үсөнов"

    dialog = MemberDialog(ctx, household_id, head.person.id, card)
    qtbot.addWidget(dialog)
    dialog.form.given_name.clear()
    type_text(dialog.form.given_name, "Нурлaн")  # a Latin "a" typed by mistake
    type_text(dialog.form.occupation, "мугалим")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert any("Latin letters" in n for n in dialog.notices)
    card.reload()
    assert card.card.head.person.data.given_name == "Нурлан"

    # Restart: close everything, open the same file again.
    card.close()
    w.close()
    path = ctx.db.engine.url.database
    ctx.close()
    again = open_context(path)
    try:
        with again.read() as s:
            record = persons.get_person(s, head.person.id)
        assert record.data.given_name == "Нурлан"
        assert record.data.occupation == "мугалим"
        assert record.version == head.person.version + 1
    finally:
        again.close()


def test_validation_message_beside_the_field_and_nothing_saved(qtbot, ctx):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0001")
        before = households.get_card(s, hid)
    dialog = MemberDialog(ctx, hid, before.head.person.id)
    qtbot.addWidget(dialog)
    dialog.form.surname.clear()
    dialog.form.birth_date.setText("31.02.1990")
    dialog.mark_dirty()
    assert dialog.save() is False
    assert "not a real date" in dialog.form.error_text("birth_date")
    dialog.form.birth_date.setText("15.05.1970")
    assert dialog.save() is False
    assert dialog.form.error_text("surname") == "Enter the surname."
    with ctx.read() as s:
        assert households.get_card(s, hid).head.person.data.surname == before.head.person.data.surname


def test_pin_disagreement_needs_a_reason_which_is_kept(qtbot, ctx):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0002")
    dialog = MemberDialog(ctx, hid)
    qtbot.addWidget(dialog)
    type_text(dialog.form.surname, "Ниязова")
    type_text(dialog.form.given_name, "Чолпон")
    dialog.form.sex.set_code("F")
    dialog.form.birth_date.setText("01.03.2001")
    type_text(dialog.form.pin, "10103200012345")  # says born 01.03.2000
    assert "01.03.2000" in dialog.form.pin_info.text()
    assert dialog.save() is False
    assert "record a reason" in dialog.form.error_text("pin")
    type_text(dialog.form.pin_override_reason, "паспорт боюнча")
    assert dialog.save() is True
    with ctx.read() as s:
        row = next(m for m in households.get_card(s, hid).members if m.person.data.given_name == "Чолпон")
    assert row.person.data.pin_override_reason == "паспорт боюнча"


def test_unsaved_changes_prompt(qtbot, ctx, monkeypatch):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0003")
        head_id = households.get_card(s, hid).head.person.id
    dialog = MemberDialog(ctx, hid, head_id)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.form.occupation, "фермер")
    assert dialog.dirty
    answers = iter(["cancel", "discard"])
    asked = []
    monkeypatch.setattr("ui.forms.ask_unsaved", lambda parent: asked.append(1) or next(answers))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(asked) == 1
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and len(asked) == 2
    with ctx.read() as s:
        assert persons.get_person(s, head_id).data.occupation == ""


def test_enter_saves_the_form(qtbot, ctx):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0004")
        head_id = households.get_card(s, hid).head.person.id
    dialog = MemberDialog(ctx, hid, head_id)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.form.phone, "0555123456")
    qtbot.keyClick(dialog.form.phone, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    with ctx.read() as s:
        assert persons.get_person(s, head_id).data.phone == "0555123456"


def test_card_livestock_by_year_and_land_save(qtbot, ctx):
    import datetime as dt

    year = dt.date.today().year
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0005")
    card = HouseholdDialog(ctx, hid)
    qtbot.addWidget(card)
    assert card.livestock_year.year() == year
    assert card.livestock_grid.spins["sheep"].value() == 14
    card.livestock_year.setCurrentIndex(card.livestock_year.findData(year - 1))
    assert card.livestock_grid.spins["sheep"].value() == 8
    card.livestock_year.setCurrentIndex(card.livestock_year.findData(year))
    card.livestock_grid.spins["cows"].setValue(5)  # more cows than cattle: refused
    assert card.save() is False
    assert "more cows than cattle" in card.livestock_grid.errors["cows"].text()
    card.livestock_grid.spins["cattle"].setValue(6)
    card.land_table.add_row()
    card.land_table.cell(1, 0).set_code("hayfield")
    card.land_table.cell(1, 1).setValue(1.25)
    assert card.save() is True
    with ctx.read() as s:
        fresh = households.get_card(s, hid)
    assert fresh.livestock[year]["cows"] == 5 and fresh.livestock[year]["cattle"] == 6
    assert fresh.livestock[year - 1]["cattle"] == 2  # the previous year is untouched
    assert sorted(p.area_m2 for p in fresh.land[year]) == [804, 12_500]


def test_models_pass_qtmodeltester(qtmodeltester, ctx):
    from okmot.services import search

    def fetch(offset, limit):
        with ctx.read() as s:
            return search.find_households(s, search.HouseholdFilter(), offset=offset, limit=limit)

    model = HouseholdListModel(fetch)
    model.reload()
    assert model.rowCount() == 12
    qtmodeltester.check(model)
    members = MembersModel()
    with ctx.read() as s:
        card = households.get_card(s, households.household_id_by_account(s, "0001"))
    members.set_rows(list(card.members))
    qtmodeltester.check(members)


def test_lazy_fetching_pages(tmp_path, qtmodeltester):
    calls = []
    rows = list(range(450))

    def fetch(offset, limit):
        calls.append((offset, limit))
        from okmot.services.search import HouseholdRow
        import uuid

        return [HouseholdRow(uuid.UUID(int=i + 1), f"{i:05d}", "А", "А", "", "", "", "", "С", "И", 1, "open")
                for i in rows[offset:offset + limit]]

    model = HouseholdListModel(fetch)
    model.reload()
    assert model.rowCount() == 200 and calls == [(0, 200)]
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 450 and not model.canFetchMore()
    qtmodeltester.check(model)


def test_language_switch_rebuilds_in_russian_and_is_remembered(qtbot, window):
    from ui.uisettings import saved_language

    set_language("ky")
    window.switch_language("ky")
    ky_header = window.model.headerData(0, Qt.Orientation.Horizontal)
    window.switch_language("ru")
    ru_header = window.model.headerData(0, Qt.Orientation.Horizontal)
    assert saved_language() == "ru"
    assert ky_header == "Жеке эсеп №"
    assert ru_header == "Лицевой счёт №"
    assert window.language_action.text() == "Кыргызча"


def test_first_admin_then_login_then_clerk_account(qtbot, tmp_path):
    from okmot.services import auth
    from ui.login import FirstAdminDialog, LoginDialog
    from ui.users_dialog import UsersDialog

    ctx = open_context(tmp_path / "empty.sqlite3")
    try:
        first = FirstAdminDialog(ctx)
        qtbot.addWidget(first)
        type_text(first.full_name, "Айжан Өмүрова")
        type_text(first.username, "aijan")
        type_text(first.password, "short")
        type_text(first.password2, "short")
        assert first.save() is False
        assert "at least 8" in first.form.error_text("password")
        for field in (first.password, first.password2):
            field.clear()
            type_text(field, "Жаңы-сыр-сөз-9")
        assert first.save() is True and first.user.role == "admin"

        login = LoginDialog(ctx)
        qtbot.addWidget(login)
        type_text(login.username, "aijan")
        type_text(login.password, "wrong-password")
        assert login.save() is False
        assert login.form.error_text("password") == "Wrong user name or password."
        login.password.clear()
        type_text(login.password, "Жаңы-сыр-сөз-9")
        assert login.save() is True and login.user.username == "aijan"

        ctx.user = login.user
        users = UsersDialog(ctx)
        qtbot.addWidget(users)
        type_text(users.full_name, "Бакыт Асанов")
        type_text(users.username, "bakyt")
        type_text(users.password, "clerk-pass-1")
        type_text(users.password2, "clerk-pass-1")
        assert users.save() is True
        assert users.table.rowCount() == 2
        with ctx.read() as s:
            roles = {u.username: u.role for u in auth.list_users(s)}
        assert roles == {"aijan": "admin", "bakyt": "clerk"}
    finally:
        ctx.close()


def test_livestock_for_another_year_through_other_year(qtbot, ctx, monkeypatch):
    import datetime as dt

    from PySide6.QtWidgets import QInputDialog

    year = dt.date.today().year
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0006")
    card = HouseholdDialog(ctx, hid)
    qtbot.addWidget(card)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (year - 3, True))
    card.livestock_year.activated.emit(card.livestock_year.findData(card.livestock_year.OTHER))
    assert card.livestock_year.year() == year - 3
    assert card.livestock_grid.spins["sheep"].value() == 0
    card.livestock_grid.spins["sheep"].setValue(4)
    assert card.save() is True
    with ctx.read() as s:
        fresh = households.get_card(s, hid)
    assert fresh.livestock[year - 3] == {"sheep": 4}
    assert fresh.livestock[year]["sheep"] == 15


def test_backup_on_start_and_exit_shown_in_status_bar(qtbot, ctx, okmot_home):
    from okmot import backup
    from okmot.paths import backups_dir

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    first = backup.last_backup(backups_dir(), ctx.sqlite_path)
    assert first is not None  # the daily backup was due at start
    assert w.backups.label.text().startswith("Last backup: ")
    w.switch_language("ru")
    assert first.taken_at.strftime("%d.%m.%Y") in w.backups.label.text()  # the label survived the rebuild
    w.close()
    assert len([b for b in backup.list_backups(backups_dir()) if b.path.stem.startswith("village")]) >= 1


def test_card_title_page_keeps_village_and_street_and_saves(qtbot, ctx):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0002")
        before = households.get_card(s, hid)
    card = HouseholdDialog(ctx, hid)
    qtbot.addWidget(card)
    assert card.title_form.village.currentData() == before.data.village_id
    assert card.title_form.street.currentData() == before.data.street_id
    card.title_form.house_number.setText("17б")
    card._edited("title")
    assert card.save() is True
    with ctx.read() as s:
        after = households.get_card(s, hid)
    assert (after.data.house_number, after.data.village_id, after.data.street_id) == (
        "17б", before.data.village_id, before.data.street_id)


def _emit_write(ctx, write):
    """Run a service write as a dialog does and announce it on the bus."""
    from ui.bus import bus

    with ctx.write() as s:
        changes = write(s)
    bus.changed.emit(changes)


def test_a_write_refreshes_only_the_changed_rows(qtbot, window, ctx):
    import dataclasses
    import datetime as dt

    resets = []
    window.model.modelReset.connect(lambda: resets.append(1))
    assert window.count_label.text() == "Households found: 12"
    window.table.selectRow(3)
    hid = window.model.row_at(3).id
    with ctx.read() as s:
        head = households.get_card(s, hid).head.person
    data = dataclasses.replace(head.data, surname="Жаңыбеков")
    _emit_write(ctx, lambda s: households.update_member(s, hid, head.id, data, relation="head")[0])
    assert resets == []
    assert window.model.row_at(3).head == "Жаңыбеков Бекзат"
    assert window.selected_household() == hid
    assert window.count_label.text() == "Households found: 12"

    closing = window.model.row_at(5)
    _emit_write(ctx, lambda s: households.close_household(s, closing.id, on=dt.date.today(), reason="moved"))
    assert resets == []
    assert window.model.rowCount() == 11 and window.model.row_of(closing.id) == -1
    assert window.count_label.text() == "Households found: 11"

    with ctx.read() as s:
        village_id = households.get_card(s, hid).data.village_id
    _emit_write(ctx, lambda s: households.create_household(
        s, households.HouseholdData("0000", village_id, None, ""))[1])
    assert resets == [1]  # a new household needs its place in the list: read again
    assert window.model.row_at(0).account_number == "0000"
    assert window.count_label.text() == "Households found: 12"
    assert window.selected_household() == hid


def test_a_write_beyond_the_loaded_rows_recounts(qtbot, ctx, monkeypatch):
    import datetime as dt

    from ui import household_model, main_window

    monkeypatch.setattr(household_model, "PAGE_SIZE", 5)
    monkeypatch.setattr(main_window, "PAGE_SIZE", 5)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    assert w.model.rowCount() == 5 and w.model.canFetchMore()
    with ctx.read() as s:
        far = households.household_id_by_account(s, "0010")
    _emit_write(ctx, lambda s: households.close_household(s, far, on=dt.date.today(), reason="moved"))
    assert w.model.rowCount() == 5
    assert w.count_label.text() == "Households found: 11"
    _emit_write(ctx, lambda s: households.reopen_household(s, far))
    assert w.count_label.text() == "Households found: 12"
    while w.model.canFetchMore():
        w.model.fetchMore()
    assert [w.model.row_at(r).account_number for r in range(w.model.rowCount())] == [
        f"{i:04d}" for i in range(1, 13)]
