"""The services windows as a clerk uses them: application → in work → certificate → preview → handed over."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from okmot.services import applications, certificates, households, service_register
from reports.certificates import render_pdf
from tests.certificate_fixtures import build, pdf_text
from tests.typing import type_text
from ui.applications_window import ApplicationsWindow
from ui.calendar_editor import CalendarEditor
from ui.certificates_window import CertificatesWindow
from ui.complaints_window import ComplaintsWindow
from ui.fees_window import FeesWindow
from ui.main_window import MainWindow
from ui.rows_model import OVERDUE
from ui.service_register_editor import ServiceRegisterEditor


@pytest.fixture
def ctx(tmp_path):
    context = build(tmp_path / "village.sqlite3")
    yield context
    context.close()


def test_application_to_issued_certificate(qtbot, qtmodeltester, ctx):
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.applications_action.trigger()
    journal = main._service_windows[ApplicationsWindow]
    qtbot.addWidget(journal)

    dialog = journal.new_application()
    qtbot.addWidget(dialog)
    dialog.service.setCurrentIndex(dialog.service.findText("Үй-бүлө курамы жөнүндө маалымкат берүү"))
    type_text(dialog.name, "Өмүрбеков Бекзат")
    type_text(dialog.account, "0002")
    type_text(dialog.purpose, "мектепке")
    assert list(dialog.checks) == ["passport"]
    dialog.checks["passport"].setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    number = dialog.record.number
    assert journal.model.rowCount() == 1 and journal.model.row_at(0).number == number
    qtmodeltester.check(journal.model)

    journal.select_number(number)
    receipt = journal.receipt()
    qtbot.addWidget(receipt)
    assert len(receipt.page_labels) == 2 and f"№ {number}" in " ".join(pdf_text(receipt.pdf)[0].split())

    qtbot.mouseClick(journal.buttons["work"], Qt.MouseButton.LeftButton)
    assert journal.selected().status == "in_work"
    issue = journal.issue_certificate()
    qtbot.addWidget(issue)
    assert issue.account.text() == "0002" and issue.purpose.text() == "мектепке"
    assert issue.kind.code() == "family"
    qtbot.mouseClick(issue.save_button, Qt.MouseButton.LeftButton)
    assert issue.issued is not None
    preview = issue.preview
    qtbot.addWidget(preview)
    # The preview shows the pages of the very PDF that is printed.
    assert preview.pdf == render_pdf(issue.issued.content, payload=issue.issued.payload)
    assert len(preview.page_labels) == 2 and not preview.page_labels[0].pixmap().isNull()
    ky, ru = (" ".join(t.split()) for t in pdf_text(preview.pdf))
    assert "Өмүрбеков Бекзат Асан уулу" in ky and "Өмүрбеков Бекзат Асанович" in ru and "мектепке" in ky

    journal.select_number(number)
    assert journal.selected().status == "ready"
    qtbot.mouseClick(journal.buttons["issued"], Qt.MouseButton.LeftButton)
    with ctx.read() as s:
        record = applications.list_applications(s)[0]
        cert = certificates.list_certificates(s)[0]
    assert record.status == "issued" and cert.applicant_name == "Өмүрбеков Бекзат"

    main.certificates_action.trigger()
    register = main._service_windows[CertificatesWindow]
    qtbot.addWidget(register)
    assert register.model.rowCount() == 1 and register.model.row_at(0).number == cert.number
    qtmodeltester.check(register.model)
    type_text(register.search, "ЖОК")
    qtbot.waitUntil(lambda: register.model.rowCount() == 0, timeout=2000)
    register.search.clear()
    qtbot.waitUntil(lambda: register.model.rowCount() == 1, timeout=2000)
    register.table.selectRow(0)
    verdict = register.verify_source(payload=cert_payload(ctx, cert.id))
    assert verdict.status == "valid"
    register.last_verdict_box.close()


def cert_payload(ctx, certificate_id):
    with ctx.read() as s:
        return certificates.get_certificate(s, certificate_id).payload


def test_overdue_applications_are_highlighted(qtbot, ctx):
    with ctx.write() as s:
        service = service_register.by_code(s, "family_certificate")
        hid = households.household_id_by_account(s, "0001")
        applications.register_application(s, applications.ApplicationData(
            service.id, "Асанов Бекзат", household_id=hid, received_on=dt.date.today() - dt.timedelta(days=20)))
        applications.register_application(s, applications.ApplicationData(service.id, "Ниязова Айгүл"))
    journal = ApplicationsWindow(ctx)
    qtbot.addWidget(journal)
    colors = {journal.model.row_at(r).data.applicant_name:
              journal.model.data(journal.model.index(r, 0), Qt.ItemDataRole.BackgroundRole)
              for r in range(journal.model.rowCount())}
    assert colors["Асанов Бекзат"].color() == OVERDUE and colors["Ниязова Айгүл"] is None
    journal.overdue_only.setChecked(True)
    assert [journal.model.row_at(r).data.applicant_name for r in range(journal.model.rowCount())] == ["Асанов Бекзат"]


def test_admin_windows_open_and_show_their_data(qtbot, qtmodeltester, ctx, tmp_path):
    editor = ServiceRegisterEditor(ctx)
    qtbot.addWidget(editor)
    assert editor.list.count() == 9
    editor.list.setCurrentRow(0)
    editor.days["provide_days"].setValue(4)
    editor.mark_dirty()
    assert editor.save()
    with ctx.read() as s:
        saved = service_register.get_service(s, editor.current.id)
    assert saved.data.provide_days == 4 and editor.history.rowCount() == 2

    calendar = CalendarEditor(ctx)
    qtbot.addWidget(calendar)
    calendar.year.setValue(2026)
    calendar.on_date.setText("20.03.2026")
    type_text(calendar.name_ky, "Орозо айт")
    type_text(calendar.name_ru, "Орозо айт")
    assert calendar.save()
    names = [calendar.model.row_at(r).name_ky for r in range(calendar.model.rowCount())]
    assert "Орозо айт" in names and "Нооруз" in names
    qtmodeltester.check(calendar.model)

    complaints_window = ComplaintsWindow(ctx)
    fees_window = FeesWindow(ctx)
    for w in (complaints_window, fees_window):
        qtbot.addWidget(w)
        qtmodeltester.check(w.model)
    for name, widget in (("register", editor), ("calendar", calendar)):
        widget.show()
        widget.grab().save(str(tmp_path / f"{name}.png"))
