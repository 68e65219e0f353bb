"""First start on a new database: a wizard that sets up the office in a few minutes, or opens the demo village."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
    QRadioButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWizard, QWizardPage,
)

from okmot.errors import OkmotError, ValidationError
from okmot.i18n import LANGUAGE_NAMES, LANGUAGES, _, current_language, set_language
from okmot.services import backup_password, office_setup, settings
from okmot.services.auth import MIN_PASSWORD_LENGTH, UserInfo
from okmot.services.context import AppContext
from okmot.services.office_setup import AdminAccount, OfficeDetails, OfficeSetup, Signatory, VillageEntry
from ui.backup_password_box import lost_password_warning
from ui.forms import FormPanel, show_error
from ui.uisettings import save_language

#: What the person chose on the first page.
SET_UP, DEMO = "set_up", "demo"
PAGE_START, PAGE_OFFICE, PAGE_VILLAGES, PAGE_ADMIN, PAGE_CERTIFICATES, PAGE_BACKUP = range(6)


class _Page(QWizardPage):
    """A page whose widgets are built when it is first shown, in the language chosen on the first page."""

    def __init__(self, wizard: FirstRunWizard):
        super().__init__()
        self.owner = wizard
        self.built = False
        self.form = FormPanel()

    def initializePage(self) -> None:
        if not self.built:
            self.build()
            self.built = True

    def build(self) -> None:
        """Create the page's widgets and titles; each page defines its own."""

    def show_errors(self, errors: dict[str, str]) -> None:
        self.form.clear_errors()
        rest = self.form.show_errors(errors)
        if rest:
            show_error(self, "\n".join(rest.values()))


class StartPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard):
        super().__init__()
        self.owner = wizard
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        index = self.language.findData(current_language())
        self.language.setCurrentIndex(max(index, 0))
        self.language.currentIndexChanged.connect(self._language_changed)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.set_up = QRadioButton()
        self.set_up.setObjectName("choice_set_up")
        self.demo = QRadioButton()
        self.demo.setObjectName("choice_demo")
        self.set_up.setChecked(True)
        self.demo.toggled.connect(self._choice_changed)
        self.language_label = QLabel()
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.language_label)
        row.addWidget(self.language, 1)
        layout.addLayout(row)
        layout.addSpacing(12)
        layout.addWidget(self.intro)
        layout.addWidget(self.set_up)
        layout.addWidget(self.demo)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(_("Welcome to Okmot"))
        self.setSubTitle(_("This computer has no household book yet."))
        self.language_label.setText(_("Language"))
        self.intro.setText(_("Set up your aiyl okmotu now (a few minutes: the office, its villages, the "
                             "administrator's account, who signs certificates, where backups go), or first look "
                             "around in a demo village with invented people."))
        self.set_up.setText(_("Set up my office"))
        self.demo.setText(_("Explore the demo village"))

    def _language_changed(self) -> None:
        code = self.language.currentData()
        set_language(code)
        save_language(code)
        self.retranslate()
        self.owner.retranslate_buttons()

    def _choice_changed(self, demo: bool) -> None:
        # The demo needs no more pages: this page becomes the last one and shows Finish.
        self.setFinalPage(demo)
        self.completeChanged.emit()

    def nextId(self) -> int:
        return -1 if self.demo.isChecked() else PAGE_OFFICE

    def choice(self) -> str:
        return DEMO if self.demo.isChecked() else SET_UP


class OfficePage(_Page):
    def build(self) -> None:
        self.setTitle(_("The office"))
        self.setSubTitle(_("Printed at the top of every certificate and report, in Kyrgyz and in Russian."))
        f = self.form
        self.code = f.add("code", _("Code of the aiyl aimak"), QLineEdit())
        self.code.setToolTip(_("The code from the state register of territorial units; it becomes part of "
                               "every certificate number and cannot be changed later."))
        self.name_ky = f.add("name_ky", _("Name in Kyrgyz"), QLineEdit())
        self.name_ru = f.add("name_ru", _("Name in Russian"), QLineEdit())
        self.rayon_ky = f.add("rayon_ky", _("District (rayon) in Kyrgyz"), QLineEdit())
        self.rayon_ru = f.add("rayon_ru", _("District (rayon) in Russian"), QLineEdit())
        self.oblast_ky = f.add("oblast_ky", _("Region (oblast) in Kyrgyz"), QLineEdit())
        self.oblast_ru = f.add("oblast_ru", _("Region (oblast) in Russian"), QLineEdit())
        self.address_ky = f.add("address_ky", _("Address in Kyrgyz"), QLineEdit())
        self.address_ru = f.add("address_ru", _("Address in Russian"), QLineEdit())
        self.phone = f.add("phone", _("Phone"), QLineEdit())
        QVBoxLayout(self).addWidget(f)

    def details(self) -> OfficeDetails:
        return OfficeDetails(self.code.text().strip(), self.name_ky.text(), self.name_ru.text(), self.rayon_ky.text(),
                             self.rayon_ru.text(), self.oblast_ky.text(), self.oblast_ru.text(),
                             self.address_ky.text(), self.address_ru.text(), self.phone.text())

    def validatePage(self) -> bool:
        try:
            office_setup.validate_office(self.details())
        except ValidationError as exc:
            self.show_errors(exc.fields)
            return False
        self.form.clear_errors()
        return True


class VillagesPage(_Page):
    def build(self) -> None:
        self.setTitle(_("Villages"))
        self.setSubTitle(_("The villages of the aiyl aimak. More villages and their streets can be added later "
                           "under Administration → Settings."))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("villages")
        self.table.setHorizontalHeaderLabels([_("Code"), _("Name in Kyrgyz"), _("Name in Russian")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_button = QPushButton(_("Add a village"))
        self.remove_button = QPushButton(_("Remove the selected village"))
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        self.error = QLabel()
        self.error.setObjectName("error_villages")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.add_row()

    def add_row(self, code: str = "", name_ky: str = "", name_ru: str = "") -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for col, text in enumerate((code or f"{row + 1:02d}", name_ky, name_ru)):
            self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.setCurrentCell(row, 1)
        return row

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def villages(self) -> tuple[VillageEntry, ...]:
        out = []
        for row in range(self.table.rowCount()):
            cells = [(self.table.item(row, c).text() if self.table.item(row, c) else "").strip() for c in range(3)]
            if cells[1] or cells[2]:  # a row with only the proposed code is an unused line
                out.append(VillageEntry(*cells))
        return tuple(out)

    def show_errors(self, errors: dict[str, str]) -> None:
        text = "\n".join(errors.values())
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def validatePage(self) -> bool:
        try:
            office_setup.validate_villages(self.villages())
        except ValidationError as exc:
            self.show_errors(exc.fields)
            return False
        self.show_errors({})
        return True


class AdminPage(_Page):
    def build(self) -> None:
        self.setTitle(_("The administrator"))
        self.setSubTitle(_("This person creates the accounts of the other staff. There is no default password: "
                           "choose one of at least {n} characters and keep it safe.").format(n=MIN_PASSWORD_LENGTH))
        f = self.form
        self.full_name = f.add("full_name", _("Full name"), QLineEdit())
        self.username = f.add("username", _("User name"), QLineEdit())
        self.password = f.add("password", _("Password"), QLineEdit())
        self.password2 = f.add("password2", _("Repeat the password"), QLineEdit())
        for field in (self.password, self.password2):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        QVBoxLayout(self).addWidget(f)

    def account(self) -> AdminAccount:
        return AdminAccount(self.username.text(), self.full_name.text(), self.password.text())

    def validatePage(self) -> bool:
        errors = {}
        if not self.username.text().strip():
            errors["username"] = _("Enter a user name.")
        if len(self.password.text()) < MIN_PASSWORD_LENGTH:
            errors["password"] = _("A password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
        elif self.password.text() != self.password2.text():
            errors["password2"] = _("The two passwords differ.")
        self.show_errors(errors)
        return not errors


class CertificatesPage(_Page):
    def build(self) -> None:
        self.setTitle(_("Certificates"))
        self.setSubTitle(_("Who signs the certificates, and the number the series starts from (to continue a "
                           "paper register)."))
        f = self.form
        self.name_ky = f.add("signatory_name_ky", _("Head's name in Kyrgyz"), QLineEdit())
        self.name_ru = f.add("signatory_name_ru", _("Head's name in Russian"), QLineEdit())
        self.position_ky = f.add("signatory_position_ky", _("Position in Kyrgyz"), QLineEdit())
        self.position_ru = f.add("signatory_position_ru", _("Position in Russian"), QLineEdit())
        self.position_ky.setText(settings.SPECS["signatory_position_ky"].default)
        self.position_ru.setText(settings.SPECS["signatory_position_ru"].default)
        self.number_start = f.add("certificate_number_start", _("First certificate number this year"), QSpinBox())
        self.number_start.setRange(1, 9_999_999)
        QVBoxLayout(self).addWidget(f)

    def signatory(self) -> Signatory:
        return Signatory(self.name_ky.text(), self.name_ru.text(), self.position_ky.text(), self.position_ru.text())


class BackupPage(_Page):
    def build(self) -> None:
        self.setTitle(_("Backups and the district"))
        self.setSubTitle(_("Okmot backs up the database every day into its own folder. Choose a second folder "
                           "(a USB stick or another disk) to keep a copy where a broken PC cannot take it."))
        f = self.form
        self.copy_dir = f.add("backup_copy_dir", _("Second backup folder"), QLineEdit())
        self.copy_dir.setPlaceholderText(_("optional"))
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._choose_folder)
        self.key_file = f.add("district_key", _("District's public key file"), QLineEdit())
        self.key_file.setPlaceholderText(_("optional: only if the district gave you one"))
        key_browse = QPushButton(_("Choose…"))
        key_browse.clicked.connect(self._choose_key)
        self.fingerprint = QLabel()
        self.fingerprint.setObjectName("fingerprint")
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_file.editingFinished.connect(self._show_fingerprint)
        self.password = f.add("backup_password", _("Backup password"), QLineEdit())
        self.repeat = f.add("backup_password_repeat", _("The same password again"), QLineEdit())
        for field in (self.password, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("optional: encrypts every backup and its copy (at least {n} "
                                           "characters)").format(n=backup_password.MIN_LENGTH))
        warning = QLabel(lost_password_warning())
        warning.setObjectName("backup_password_warning")
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #b00020;")
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        row1.addWidget(browse)
        row1.addStretch(1)
        row2.addWidget(key_browse)
        row2.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(f)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.fingerprint)
        layout.addWidget(warning)
        layout.addStretch(1)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Second backup folder"), self.copy_dir.text())
        if folder:
            self.copy_dir.setText(folder)

    def chosen_password(self) -> str | None:
        """The backup password typed twice (None when left empty); raises ValidationError when it cannot be used."""
        password, repeat = self.password.text(), self.repeat.text()
        if not (password or repeat):
            return None
        backup_password.validate_password(password, repeat)
        return password

    def _choose_key(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("District's public key file"))
        if path:
            self.key_file.setText(path)
            self._show_fingerprint()

    def key_bytes(self) -> bytes | None:
        """The key file's bytes (None when no file was given); raises OkmotError when it cannot be used."""
        path = self.key_file.text().strip()
        return office_setup.read_key_file(path) if path else None

    def _show_fingerprint(self) -> None:
        try:
            data = self.key_bytes()
        except OkmotError as exc:
            self.show_errors({"district_key": exc.message})
            self.fingerprint.clear()
            return
        self.form.clear_errors()
        self.fingerprint.setText(_("Fingerprint: {fp} — compare it with the one the district tells you.").format(
            fp=office_setup.key_fingerprint(data)) if data else "")

    def validatePage(self) -> bool:
        return self.owner.finish()


class FirstRunWizard(QWizard):
    """Collects the office's setup and saves it in one transaction; ``choice`` says set up or demo."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.user: UserInfo | None = None
        self.setObjectName("first_run_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.start = StartPage(self)
        self.office = OfficePage(self)
        self.villages = VillagesPage(self)
        self.admin = AdminPage(self)
        self.certificates = CertificatesPage(self)
        self.backup = BackupPage(self)
        for page_id, page in ((PAGE_START, self.start), (PAGE_OFFICE, self.office), (PAGE_VILLAGES, self.villages),
                              (PAGE_ADMIN, self.admin), (PAGE_CERTIFICATES, self.certificates),
                              (PAGE_BACKUP, self.backup)):
            self.setPage(page_id, page)
        self.setStartId(PAGE_START)
        self.resize(680, 520)
        self.retranslate_buttons()

    @property
    def choice(self) -> str:
        return self.start.choice()

    def retranslate_buttons(self) -> None:
        self.setWindowTitle(_("Okmot: first start"))
        for button, text in ((QWizard.WizardButton.BackButton, _("< Back")),
                             (QWizard.WizardButton.NextButton, _("Next >")),
                             (QWizard.WizardButton.FinishButton, _("Finish")),
                             (QWizard.WizardButton.CancelButton, _("Cancel"))):
            self.setButtonText(button, text)

    def setup(self) -> OfficeSetup:
        return OfficeSetup(office=self.office.details(), villages=self.villages.villages(),
                           admin=self.admin.account(), signatory=self.certificates.signatory(),
                           certificate_number_start=self.certificates.number_start.value(),
                           backup_copy_dir=self.backup.copy_dir.text(), district_key=self.backup.key_bytes())

    def finish(self) -> bool:
        """Save everything; on a problem go back to the page holding the field and show it there."""
        try:
            setup = self.setup()
            password = self.backup.chosen_password()
            with self.ctx.system("setup") as s:
                _office, self.user = office_setup.set_up_office(s, setup)
                if password is not None and self.ctx.sqlite_path is not None:
                    backup_password.set_password(s, self.ctx.sqlite_path, password, password)
        except ValidationError as exc:
            self._show_on_page(exc.fields)
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        return True

    def _show_on_page(self, errors: dict[str, str]) -> None:
        pages = {PAGE_OFFICE: ("code", "name_ky", "name_ru"), PAGE_VILLAGES: ("villages",),
                 PAGE_ADMIN: ("username", "password", "full_name", "role"),
                 PAGE_CERTIFICATES: ("certificate_number_start",), PAGE_BACKUP: ("district_key",)}
        target = next((pid for pid, names in pages.items() if any(n in errors for n in names)), PAGE_BACKUP)
        while self.currentId() != target and self.currentId() > target:
            self.back()
        self.page(target).show_errors(errors)


def run_first_start(ctx: AppContext, parent: QWidget | None = None) -> tuple[str, UserInfo | None] | None:
    """Show the wizard: (SET_UP, the administrator) or (DEMO, None); None when the person cancelled."""
    wizard = FirstRunWizard(ctx, parent)
    if not wizard.exec():
        return None
    return wizard.choice, wizard.user

