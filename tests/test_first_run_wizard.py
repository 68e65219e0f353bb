"""First start: the office set-up service, the wizard under pytest-qt (office then on a certificate), Settings."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from okmot.errors import UserError, ValidationError
from okmot.services import auth, certificates, households, office_setup, service_register, settings, territory
from okmot.services.context import AppContext, open_context
from okmot.services.office_setup import AdminAccount, OfficeDetails, OfficeSetup, Signatory, VillageEntry
from okmot.services.persons import PersonData
from tests.typing import type_text
from ui import first_run_wizard as frw
from ui.self_test import pdf_text

PASSWORD = "Kök-Jar-2026"
KEY = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"


@pytest.fixture
def ctx(db_path: Path):
    context = open_context(db_path)
    yield context
    context.close()


def _setup(**changes) -> OfficeSetup:
    values = dict(
        office=OfficeDetails("41711-05", "Көк-Жар айыл аймагы", "Кок-Жарский айылный аймак", "Ат-Башы району",
                             "Ат-Башинский район", "Нарын облусу", "Нарынская область", "Көк-Жар айылы, Ленин көч. 1",
                             "с. Кок-Жар, ул. Ленина 1", "+996 3534 5 12 34"),
        villages=(VillageEntry("01", "Көк-Жар", "Кок-Жар"), VillageEntry("02", "Үч-Кайың", "Уч-Кайын")),
        admin=AdminAccount("gulnara", "Гүлнара Асанова", PASSWORD),
        signatory=Signatory("Ү. Төлөгөнов", "У. Тологонов", "", ""),
        certificate_number_start=120,
        backup_copy_dir="/media/usb/okmot",
        district_key=KEY,
    )
    values.update(changes)
    return OfficeSetup(**values)


# --- the service ---------------------------------------------------------------------------------

def test_set_up_office_saves_everything_in_one_go(ctx: AppContext) -> None:
    with ctx.system("setup") as s:
        office, admin = office_setup.set_up_office(s, _setup())
    assert admin.is_admin and admin.username == "gulnara"
    with ctx.read() as s:
        assert territory.home_office(s) == office
        assert (office.code, office.rayon_ky, office.oblast_ru) == ("41711-05", "Ат-Башы району", "Нарынская область")
        assert [(v.code, v.name_ky) for v in territory.list_villages(s)] == [("01", "Көк-Жар"), ("02", "Үч-Кайың")]
        got = office_setup.office_settings(s)
        assert got.office.address_ru == "с. Кок-Жар, ул. Ленина 1" and got.office.phone == "+996 3534 5 12 34"
        assert got.signatory == Signatory("Ү. Төлөгөнов", "У. Тологонов", "Айыл өкмөтүнүн башчысы",
                                          "Глава айыл окмоту")  # empty positions keep the default wording
        assert got.certificate_number_start == 120 and got.backup_copy_dir == "/media/usb/okmot"
        assert base64.b64decode(settings.get(s, "district_public_key")) == KEY
        assert got.district_key_fingerprint == office_setup.key_fingerprint(KEY)
        assert len(got.district_key_fingerprint.split()) == 16
        assert office_setup.backup_copy_dir(s) == Path("/media/usb/okmot")
        assert not auth.needs_first_admin(s)
        assert auth.authenticate(s, "gulnara", PASSWORD).id == admin.id
        # The office starts with the register of services shipped with Okmot.
        assert {r.data.code for r in service_register.list_services(s)} == {
            d.code for d in service_register.shipped_services()}


def test_a_problem_anywhere_writes_nothing(ctx: AppContext) -> None:
    with pytest.raises(ValidationError) as err, ctx.system("setup") as s:
        office_setup.set_up_office(s, _setup(villages=(), certificate_number_start=0))
    assert set(err.value.fields) == {"villages", "certificate_number_start"}
    # The password is checked last (by the account rules), after the office was created: all rolled back.
    with pytest.raises(ValidationError) as err, ctx.system("setup") as s:
        office_setup.set_up_office(s, _setup(admin=AdminAccount("gulnara", "", "gulnara")))
    assert "password" in err.value.fields
    with ctx.read() as s:
        assert territory.home_office(s) is None and territory.list_villages(s) == []
        assert auth.needs_first_admin(s)


def test_a_second_set_up_is_refused_and_the_code_is_fixed(ctx: AppContext) -> None:
    with ctx.system("setup") as s:
        office_setup.set_up_office(s, _setup())
    with pytest.raises(UserError), ctx.system("setup") as s:
        office_setup.set_up_office(s, _setup())
    with ctx.read() as s:
        current = office_setup.office_settings(s)
    with pytest.raises(ValidationError) as err, ctx.system("settings") as s:
        office_setup.update_office_settings(
            s, office=OfficeDetails("99999", "X", "Y"), signatory=current.signatory,
            certificate_number_start=1, backup_copy_dir="")
    assert "code" in err.value.fields


def test_a_wrong_key_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pub"
    empty.write_bytes(b"  \n")
    with pytest.raises(ValidationError):
        office_setup.read_key_file(empty)
    with pytest.raises(UserError):
        office_setup.read_key_file(tmp_path / "missing.pub")
    notes = tmp_path / "notes.txt"
    notes.write_bytes("Ключ района".encode())
    with pytest.raises(ValidationError, match="not the district's public key file"):
        office_setup.read_key_file(notes)
    good = tmp_path / "district.pub"
    good.write_bytes(KEY)
    assert office_setup.read_key_file(good) == KEY


# --- the wizard ----------------------------------------------------------------------------------

def _fill(widget, text: str) -> None:
    widget.clear()
    type_text(widget, text)


def _walk_to_the_end(qtbot, wizard: frw.FirstRunWizard, key_file: Path, *, username: str = "gulnara",
                     password: str = PASSWORD) -> None:
    assert wizard.currentId() == frw.PAGE_START
    wizard.next()
    assert wizard.currentId() == frw.PAGE_OFFICE
    wizard.next()  # nothing typed: the office page says what is missing and stays
    assert wizard.currentId() == frw.PAGE_OFFICE
    assert wizard.office.form.error_text("name_ky") == "Enter the name in Kyrgyz."
    page = wizard.office
    for field, text in ((page.code, "41711-05"), (page.name_ky, "Көк-Жар айыл аймагы"),
                        (page.name_ru, "Кок-Жарский айылный аймак"), (page.rayon_ky, "Ат-Башы району"),
                        (page.oblast_ky, "Нарын облусу"), (page.address_ky, "Көк-Жар айылы, Ленин көч. 1"),
                        (page.phone, "+996 3534 5 12 34")):
        _fill(field, text)
    wizard.next()
    assert wizard.currentId() == frw.PAGE_VILLAGES
    table = wizard.villages.table
    table.item(0, 1).setText("Көк-Жар")
    table.item(0, 2).setText("Кок-Жар")
    row = wizard.villages.add_row()
    table.item(row, 1).setText("Үч-Кайың")
    wizard.next()  # the second village has no Russian name
    assert wizard.currentId() == frw.PAGE_VILLAGES
    assert "Village 2" in wizard.villages.error.text()
    table.item(row, 2).setText("Уч-Кайын")
    wizard.next()
    assert wizard.currentId() == frw.PAGE_ADMIN
    _fill(wizard.admin.full_name, "Гүлнара Асанова")
    _fill(wizard.admin.username, username)
    _fill(wizard.admin.password, password)
    _fill(wizard.admin.password2, password + "x")
    wizard.next()
    assert wizard.admin.form.error_text("password2") == "The two passwords differ."
    _fill(wizard.admin.password2, password)
    wizard.next()
    assert wizard.currentId() == frw.PAGE_CERTIFICATES
    _fill(wizard.certificates.name_ky, "Ү. Төлөгөнов")
    wizard.certificates.number_start.setValue(120)
    wizard.next()
    assert wizard.currentId() == frw.PAGE_BACKUP
    _fill(wizard.backup.copy_dir, "/media/usb/okmot")
    _fill(wizard.backup.key_file, str(key_file))
    wizard.backup._show_fingerprint()
    assert office_setup.key_fingerprint(KEY) in wizard.backup.fingerprint.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()


def test_wizard_sets_up_the_office_and_it_is_on_the_certificate(qtbot, ctx: AppContext, tmp_path: Path,
                                                               qtmodeltester) -> None:
    key_file = tmp_path / "district.pub"
    key_file.write_bytes(KEY)
    wizard = frw.FirstRunWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    _walk_to_the_end(qtbot, wizard, key_file)
    qtmodeltester.check(wizard.villages.table.model())
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.choice == frw.SET_UP and wizard.user is not None and wizard.user.username == "gulnara"
    with ctx.read() as s:
        office = territory.home_office(s)
        assert (office.code, office.name_ky, office.rayon_ky) == ("41711-05", "Көк-Жар айыл аймагы", "Ат-Башы району")
        assert [v.name_ky for v in territory.list_villages(s)] == ["Көк-Жар", "Үч-Кайың"]
        assert settings.get(s, "certificate_number_start") == 120
        assert settings.get(s, "district_key_fingerprint") == office_setup.key_fingerprint(KEY)
        village = territory.list_villages(s)[1]
    ctx.user = wizard.user
    with ctx.write() as s:
        hid, _changes = households.create_household(
            s, households.HouseholdData("1", village.id),
            head=PersonData("Асанов", "Нурбек", "M", birth_date=dt.date(1980, 4, 1)))
        issued = certificates.issue_certificate(s, kind="family", language="ky+ru", household_id=hid)
    assert issued.number.startswith("41711-05/") and issued.number.endswith("/00120")
    from reports.certificates import render_pdf

    text = pdf_text(render_pdf(issued.content, payload=issued.payload))
    for expected in ("КӨК-ЖАР АЙЫЛ АЙМАГЫ", "Ат-Башы району", "Ү. Төлөгөнов", "Көк-Жар айылы, Ленин көч. 1",
                     "Асанов"):
        assert expected in text, expected


def test_a_password_the_account_rules_refuse_brings_back_the_admin_page(qtbot, ctx: AppContext,
                                                                        tmp_path: Path) -> None:
    key_file = tmp_path / "district.pub"
    key_file.write_bytes(KEY)
    wizard = frw.FirstRunWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    # Long enough for the page, but the account rules refuse a password equal to the user name.
    _walk_to_the_end(qtbot, wizard, key_file, username="gulnara1", password="gulnara1")
    assert wizard.result() != QWizard.DialogCode.Accepted
    assert wizard.currentId() == frw.PAGE_ADMIN
    assert wizard.admin.form.error_text("password") == "This password is too easy to guess."
    with ctx.read() as s:
        assert territory.home_office(s) is None  # nothing was half-written
    _fill(wizard.admin.password, PASSWORD)
    _fill(wizard.admin.password2, PASSWORD)
    for _page in range(2):
        wizard.next()
    assert wizard.currentId() == frw.PAGE_BACKUP
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted
    with ctx.read() as s:
        assert territory.home_office(s).code == "41711-05"


def test_choosing_the_demo_finishes_at_once(qtbot, ctx: AppContext) -> None:
    wizard = frw.FirstRunWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start.demo.setChecked(True)
    assert wizard.start.nextId() == -1
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.choice == frw.DEMO and wizard.user is None
    with ctx.read() as s:
        assert territory.home_office(s) is None


def test_the_language_page_switches_the_wizard_to_russian(qtbot, ctx: AppContext) -> None:
    from PySide6.QtWidgets import QLabel

    from okmot.i18n import current_language, gettext_in, set_language
    from ui.uisettings import saved_language

    set_language("ky")
    wizard = frw.FirstRunWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.buttonText(QWizard.WizardButton.CancelButton) == gettext_in("ky", "Cancel")
    wizard.start.language.setCurrentIndex(wizard.start.language.findData("ru"))
    assert current_language() == "ru" and saved_language() == "ru"
    assert wizard.buttonText(QWizard.WizardButton.CancelButton) == "Отмена"
    wizard.next()  # the next pages are built in the language chosen
    captions = {label.text() for label in wizard.office.findChildren(QLabel)}
    assert "Телефон" in captions


def test_demo_choice_opens_the_demo_village(monkeypatch, ctx: AppContext, okmot_home: Path) -> None:
    import ui.app

    monkeypatch.setattr(ui.app, "run_first_start", lambda c: (frw.DEMO, None))
    signed = []
    monkeypatch.setattr(ui.app, "sign_in", lambda c, name: signed.append(name) or "the user")
    opened, user = ui.app.first_start(ctx)
    try:
        assert user == "the user" and opened is not ctx
        assert opened.sqlite_path == okmot_home / "demo.sqlite3"
        with opened.read() as s:
            office = territory.home_office(s)
        assert office is not None and signed == [office.name()]
    finally:
        opened.close()


# --- Settings, later -----------------------------------------------------------------------------

def test_settings_dialog_edits_the_office_and_adds_villages_and_streets(qtbot, ctx: AppContext,
                                                                        monkeypatch) -> None:
    from ui import settings_dialog

    with ctx.system("setup") as s:
        _office, ctx.user = office_setup.set_up_office(s, _setup())
    dialog = settings_dialog.SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.name_ky.text() == "Көк-Жар айыл аймагы" and dialog.code.isReadOnly()
    assert office_setup.key_fingerprint(KEY) in dialog.fingerprint.text()
    _fill(dialog.sig_name_ky, "А. Жумабаев")
    dialog.number_start.setValue(7)
    _fill(dialog.copy_dir, "")
    _fill(dialog.new_village_code, "03")
    _fill(dialog.new_village_ky, "Өрнөк")
    _fill(dialog.new_village_ru, "Орнок")
    assert dialog.add_village()
    dialog.street_village.setCurrentIndex(dialog.street_village.findText("03 Өрнөк"))
    _fill(dialog.new_street_ky, "Ата-Мекен көчөсү")
    _fill(dialog.new_street_ru, "ул. Ата-Мекен")
    assert dialog.add_street()
    assert dialog.save()
    with ctx.read() as s:
        got = office_setup.office_settings(s)
        assert got.signatory.name_ky == "А. Жумабаев" and got.certificate_number_start == 7
        assert got.backup_copy_dir == "" and office_setup.backup_copy_dir(s) is None
        villages = territory.list_villages(s)
        assert [v.name_ky for v in villages] == ["Көк-Жар", "Үч-Кайың", "Өрнөк"]
        assert [st.name_ky for st in territory.list_streets(s, villages[2].id)] == ["Ата-Мекен көчөсү"]
    texts = {dialog.places.item(r, 1).text() for r in range(dialog.places.rowCount())}
    assert "Ата-Мекен көчөсү" in texts
    _fill(dialog.name_ky, "")
    assert not dialog.save()
    assert dialog.office_form.error_text("name_ky") == "Enter the name in Kyrgyz."
