"""Sign-in at start, and the first-run dialog that creates the administrator (no default account exists)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from okmot.errors import AuthenticationError, OkmotError
from okmot.i18n import _
from okmot.services import auth
from okmot.services.auth import UserInfo
from okmot.services.context import AppContext
from ui.forms import EditDialog, FormPanel

class LoginDialog(EditDialog):
    def __init__(self, ctx: AppContext, office_name: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.user: UserInfo | None = None
        self.setWindowTitle(_("Sign in to Okmot"))
        self.form = FormPanel()
        self.username = self.form.add("username", _("User name"), QLineEdit())
        self.password = self.form.add("password", _("Password"), QLineEdit())
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.save_button.setText(_("Sign in"))
        layout = QVBoxLayout(self)
        if office_name:
            title = QLabel(office_name)
            title.setStyleSheet("font-weight: bold;")
            layout.addWidget(title)
        layout.addWidget(self.form)
        layout.addLayout(self.buttons)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.user = self.ctx.sign_in(self.username.text(), self.password.text())
        except AuthenticationError as exc:
            self.form.show_errors({"password": exc.message})
            self.password.selectAll()
            return False
        except OkmotError as exc:  # a locked, read-only or damaged database: explained, and the dialog stays
            self.form.show_failure(exc, self)
            return False
        return True


class LockDialog(LoginDialog):
    """The screen lock: only the signed-in user's password opens it again (failures count towards lockout)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, _("The screen is locked. Enter your password to continue."), parent)
        self.setWindowTitle(_("Okmot is locked"))
        self.username.setText(ctx.user.username)
        self.username.setReadOnly(True)
        self.cancel_button.setText(_("Exit Okmot"))
        self.password.setFocus()

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            self.ctx.sign_in(self.ctx.user.username, self.password.text())
        except AuthenticationError as exc:
            self.form.show_errors({"password": exc.message})
            self.password.selectAll()
            return False
        return True


class FirstAdminDialog(EditDialog):
    """Asks the first person at the keyboard to create the administrator account."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.user: UserInfo | None = None
        self.setWindowTitle(_("Create the administrator"))
        intro = QLabel(_("Okmot has no accounts yet. Create the administrator's account: this person will "
                         "create accounts for the other staff. There is no default password."))
        intro.setWordWrap(True)
        self.form = FormPanel()
        self.full_name = self.form.add("full_name", _("Full name"), QLineEdit())
        self.username = self.form.add("username", _("User name"), QLineEdit())
        self.password = self.form.add("password", _("Password"), QLineEdit())
        self.password2 = self.form.add("password2", _("Repeat the password"), QLineEdit())
        for field in (self.password, self.password2):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.save_button.setText(_("Create and sign in"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addLayout(self.buttons)
        self.resize(460, 300)

    def save(self) -> bool:
        self.form.clear_errors()
        if self.password.text() != self.password2.text():
            self.form.show_errors({"password2": _("The two passwords differ.")})
            return False
        try:
            with self.ctx.system("setup") as s:
                self.user = auth.create_first_admin(s, username=self.username.text(),
                                                    full_name=self.full_name.text(), password=self.password.text())
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        return True


def sign_in(ctx: AppContext, office_name: str, parent: QWidget | None = None) -> UserInfo | None:
    """Run the first-admin or the login dialog; the signed-in user, or None if the person gave up."""
    with ctx.read() as s:
        first = auth.needs_first_admin(s)
    dialog: QDialog = FirstAdminDialog(ctx, parent) if first else LoginDialog(ctx, office_name, parent)
    if dialog.exec():
        return dialog.user
    return None



