"""What each role sees in the main window, the accounts dialogs and the idle screen lock."""

from __future__ import annotations

import pytest

from okmot.services import audit, auth, settings
from tests import village
from ui.idle_lock import IdleLock
from ui.login import LockDialog
from ui.main_window import MainWindow
from ui.users_dialog import ChangePasswordDialog, UsersDialog


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "village.sqlite3", households_count=2)
    with context.write() as s:
        context.viewer = auth.create_user(s, context.user, username="kerim", full_name="Керим", password="viewer-pass-1",
                                          role="viewer")
    yield context
    context.close()


def _visible_menu_texts(window: MainWindow) -> set[str]:
    return {a.text() for menu in window.menuBar().actions() if menu.menu() for a in menu.menu().actions()
            if a.isVisible() and a.text()}


def test_a_viewer_sees_no_write_actions_and_an_admin_sees_administration(qtbot, ctx) -> None:
    admin_window = MainWindow(ctx)
    qtbot.addWidget(admin_window)
    seen = _visible_menu_texts(admin_window)
    assert {"New household", "Import a book from Excel or CSV…", "Make a report…", "User accounts…",
            "Settings…", "Change my password…", "Lock the screen"} <= seen
    ctx.user = ctx.viewer
    viewer_window = MainWindow(ctx)
    qtbot.addWidget(viewer_window)
    seen = _visible_menu_texts(viewer_window)
    assert "Change my password…" in seen and "Lock the screen" in seen
    assert not seen & {"New household", "Import a book from Excel or CSV…", "Make a report…", "User accounts…",
                       "Settings…", "Arrival into a new household…"}


def test_admin_resets_a_password_and_deactivates_an_account(qtbot, ctx) -> None:
    dialog = UsersDialog(ctx)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    dialog.table.selectRow(names.index("kerim"))
    dialog.toggle_selected()
    assert dialog.table.item(names.index("kerim"), 3).text() == "no"
    with ctx.read() as s:
        assert {a.username: a.is_active for a in auth.list_accounts(s)}["kerim"] is False


def test_change_own_password_dialog_shows_the_wrong_current_password(qtbot, ctx) -> None:
    ctx.user = ctx.viewer
    dialog = ChangePasswordDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.old_password.setText("not-my-password")
    dialog.new_password.setText("brand-new-pass")
    dialog.new_password2.setText("brand-new-pass")
    assert dialog.save() is False
    assert dialog.form.error_text("old_password") == "The current password is wrong."
    dialog.old_password.setText("viewer-pass-1")
    assert dialog.save() is True
    assert ctx.sign_in("kerim", "brand-new-pass").role == "viewer"


def test_idle_lock_asks_for_the_password_and_records_the_lock(qtbot, ctx) -> None:
    with ctx.write() as s:
        settings.put(s, "idle_lock_minutes", 3)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert window.idle.minutes == 3 and window.idle.timer.isActive()
    assert window.idle.timer.interval() == 180_000

    window.idle.lock()
    dialog = window.idle.dialog
    assert isinstance(dialog, LockDialog) and dialog.username.text() == "aida" and dialog.isVisible()
    dialog.password.setText("wrong-password")
    dialog._on_save()
    assert dialog.form.error_text("password") == "Wrong user name or password."
    dialog.password.setText(village.PASSWORD)
    dialog._on_save()
    assert window.idle.dialog is None and not window.idle.locked
    assert window.idle.timer.isActive()
    with ctx.read() as s:
        actions = [e.action for e in audit.events(s, limit=3)]
    assert actions == ["login", "login_failed", "screen_locked"]


def test_idle_lock_off_when_zero(qtbot, ctx) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    lock = IdleLock(ctx, window)
    lock.set_minutes(0)
    assert not lock.timer.isActive()
    lock.stop()


def test_a_viewer_cannot_edit_the_household_card(qtbot, ctx) -> None:
    from okmot.services import households
    from ui.household_card import HouseholdDialog

    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0001")
    ctx.user = ctx.viewer
    card = HouseholdDialog(ctx, hid)
    qtbot.addWidget(card)
    card.show()
    assert not card.add_member_button.isEnabled() and not card.movements_button.isEnabled()
    assert not card.save_button.isEnabled() and not card.title_form.isEnabled()
    assert card.certificate_button.isHidden()
    with ctx.read() as s:
        assert audit.events(s, action="view_household", limit=1)[0].user_name == "kerim"


def test_audit_window_filters_exports_and_prints_a_subject_access_report(qtbot, qtmodeltester, ctx, tmp_path) -> None:
    import openpyxl

    from okmot.services import households
    from tests.certificate_fixtures import pdf_text
    from ui.audit_window import AuditWindow

    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0001")
        spouse = next(m for m in households.get_card(s, hid).members if m.relation == "spouse").person
    ctx.sign_in("kerim", "viewer-pass-1")
    ctx.audit("view_person", subject_table="person", subject_id=spouse.id)
    ctx.sign_in("aida", village.PASSWORD)
    window = AuditWindow(ctx)
    qtbot.addWidget(window)
    qtmodeltester.check(window.model)
    assert window.model.rowCount() == 3
    window.user_filter.setCurrentIndex(window.user_filter.findData("kerim"))
    window.refresh()
    assert [window.model.index(r, 2).data() for r in range(window.model.rowCount())] == ["viewed a person",
                                                                                         "signed in"]
    qtmodeltester.check(window.model)
    window.show()
    window.grab().save(str(tmp_path / "audit.png"))
    window.export_to(tmp_path / "audit.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "audit.xlsx", read_only=True)
    try:
        cells = [tuple(r) for r in wb.active.iter_rows(values_only=True)]
    finally:
        wb.close()
    assert any(r[1:3] == ("kerim", "viewed a person") for r in cells)
    window.subject_edit.setText(str(spouse.id))
    pdf = window.subject_access_to(tmp_path / "sar.pdf")
    text = "\n".join(pdf_text(pdf.read_bytes()))
    assert "Asanova" in text or "Асанова" in text
    assert "kerim" in text and "viewed a person" in text
    window.user_filter.setCurrentIndex(0)
    window.refresh()
    assert window.model.index(0, 2).data() == "printed a subject-access report"
    ctx.user = ctx.viewer
    with pytest.raises(Exception, match="see the audit trail"):
        from okmot.services import audit as audit_service
        with ctx.read() as s:
            audit_service.view_events(s, ctx.user)


def test_subject_access_report_from_the_member_form(qtbot, ctx, tmp_path, monkeypatch) -> None:
    from okmot.services import households
    from tests.certificate_fixtures import pdf_text
    from ui import audit_window
    from ui.member_dialog import MemberDialog

    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0001")
        head = households.get_card(s, hid).head.person
    out = tmp_path / "sar.pdf"
    monkeypatch.setattr(audit_window.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    dialog = MemberDialog(ctx, hid, head.id)
    qtbot.addWidget(dialog)
    dialog.sar_button.click()
    text = "\n".join(pdf_text(out.read_bytes()))
    assert "Subject-access report: Асанов Бекзат" in text and "viewed a person" in text
    ctx.user = ctx.viewer
    viewer_dialog = MemberDialog(ctx, hid, head.id)
    qtbot.addWidget(viewer_dialog)
    assert not hasattr(viewer_dialog, "sar_button")


def test_admin_changes_a_role_in_the_accounts_dialog(qtbot, ctx, monkeypatch) -> None:
    from ui import users_dialog

    errors = []
    monkeypatch.setattr(users_dialog, "show_error", lambda parent, text: errors.append(text))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    dialog = UsersDialog(ctx, window)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    dialog.table.selectRow(names.index("kerim"))
    assert dialog.account_role.code() == "viewer"
    dialog.account_role.set_code("clerk")
    dialog.role_button.click()
    assert dialog.table.item(names.index("kerim"), 2).text() == "clerk or secretary"
    with ctx.read() as s:
        assert {a.username: a.role for a in auth.list_accounts(s)}["kerim"] == "clerk"
        assert [e.detail["to"] for e in audit.events(s, action="role_changed")] == ["clerk"]
    # The only administrator cannot give up the role: the refusal is shown and nothing changes.
    dialog.table.selectRow(names.index(ctx.user.username))
    dialog.account_role.set_code("head")
    dialog.role_button.click()
    assert errors == ["The last active administrator must keep the administrator role."]
    assert dialog.account_role.code() == "admin" and ctx.user.is_admin
    assert "User accounts…" in _visible_menu_texts(window)


def test_settings_dialog_sets_the_idle_lock_minutes(qtbot, ctx) -> None:
    from ui.settings_dialog import SettingsDialog

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    dialog = SettingsDialog(ctx, window)
    qtbot.addWidget(dialog)
    assert dialog.idle_minutes.value() == 10 and dialog.idle_minutes.maximum() == 240
    dialog.tabs.setCurrentWidget(dialog.security_form)
    dialog.idle_minutes.setValue(25)
    assert dialog.dirty
    assert dialog.save()
    assert window.idle.minutes == 25 and window.idle.timer.interval() == 25 * 60_000
    with ctx.read() as s:
        assert settings.get(s, "idle_lock_minutes") == 25
    dialog.idle_minutes.setValue(0)
    assert dialog.idle_minutes.text() == "never"
    assert dialog.save()
    assert window.idle.minutes == 0 and not window.idle.timer.isActive()
    with ctx.read() as s:
        assert settings.get(s, "idle_lock_minutes") == 0


def test_idle_lock_minutes_out_of_range_are_refused(ctx) -> None:
    from okmot.errors import ValidationError
    from okmot.services import office_setup

    with ctx.read() as s:
        current = office_setup.office_settings(s)
    for wrong in (-1, 241, True):
        with pytest.raises(ValidationError) as caught:
            with ctx.write() as s:
                office_setup.update_office_settings(
                    s, office=current.office, signatory=current.signatory,
                    certificate_number_start=current.certificate_number_start,
                    backup_copy_dir=current.backup_copy_dir, idle_lock_minutes=wrong)
        assert caught.value.fields == {"idle_lock_minutes": "The screen lock time must be from 0 (off) to 240 minutes."}
    with ctx.read() as s:
        assert settings.get(s, "idle_lock_minutes") == 10


def test_a_viewer_sees_no_buttons_that_change_applications_complaints_or_duplicates(qtbot, ctx) -> None:
    from PySide6.QtWidgets import QPushButton

    from ui.applications_window import ApplicationsWindow
    from ui.complaints_window import ComplaintsWindow
    from ui.duplicates_window import DuplicatesWindow

    def shown(widget) -> set[str]:
        return {b.text() for b in widget.findChildren(QPushButton) if not b.isHidden()}

    admin_views = [ApplicationsWindow(ctx), ComplaintsWindow(ctx), DuplicatesWindow(ctx)]
    ctx.user = ctx.viewer
    viewer_views = [ApplicationsWindow(ctx), ComplaintsWindow(ctx), DuplicatesWindow(ctx)]
    for w in admin_views + viewer_views:
        qtbot.addWidget(w)
    assert {"New application…", "Take into work", "Issue certificate…", "Refuse…"} <= shown(admin_views[0])
    assert shown(viewer_views[0]) == {"Receipt"}
    assert {"New…", "Extend…", "Escalate…", "Answer…"} <= shown(admin_views[1])
    assert shown(viewer_views[1]) == set()
    assert {"Merge, keep the first record", "Not duplicates"} <= shown(admin_views[2])
    assert not shown(viewer_views[2]) & {"Merge, keep the first record", "Merge, keep the second record",
                                          "Not duplicates"}


def test_an_administrator_who_gives_up_the_role_loses_the_administration_menus(qtbot, ctx) -> None:
    with ctx.write() as s:
        auth.create_user(s, ctx.user, username="second", full_name="Second", password="second-pass-3", role="admin")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    dialog = UsersDialog(ctx, window)
    qtbot.addWidget(dialog)
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    dialog.table.selectRow(names.index(ctx.user.username))
    dialog.account_role.set_code("head")
    with qtbot.waitSignal(dialog.rejected):
        dialog.role_button.click()
    assert ctx.user.role == "head"
    seen = _visible_menu_texts(window)
    assert "User accounts…" not in seen and "Settings…" not in seen and "Audit trail…" in seen
