"""Administrator's list of accounts (create, reset a password, (de)activate, change the role), and one's own password."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _
from okmot.services import auth
from okmot.services.context import AppContext
from ui.forms import CodeCombo, EditDialog, FormPanel, show_error


class UsersDialog(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("User accounts"))
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("User name"), _("Full name"), _("Role"), _("Active")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.reset_button = QPushButton(_("Reset password…"))
        self.reset_button.clicked.connect(self.reset_selected)
        self.active_button = QPushButton(_("Activate or deactivate"))
        self.active_button.clicked.connect(self.toggle_selected)
        self.account_role = CodeCombo(codes.ROLES)
        self.account_role.setObjectName("account_role")
        self.role_button = QPushButton(_("Give this role"))
        self.role_button.clicked.connect(self.change_role_of_selected)
        self.table.itemSelectionChanged.connect(self._show_selected_role)
        account_buttons = QHBoxLayout()
        account_buttons.addWidget(self.reset_button)
        account_buttons.addWidget(self.active_button)
        account_buttons.addStretch(1)
        account_buttons.addWidget(self.account_role)
        account_buttons.addWidget(self.role_button)
        box = QGroupBox(_("New account"))
        self.form = FormPanel()
        self.full_name = self.form.add("full_name", _("Full name"), QLineEdit())
        self.username = self.form.add("username", _("User name"), QLineEdit())
        self.role = self.form.add("role", _("Role"), CodeCombo(codes.ROLES))
        self.role.set_code("clerk")
        self.password = self.form.add("password", _("Password"), QLineEdit())
        self.password2 = self.form.add("password2", _("Repeat the password"), QLineEdit())
        for field in (self.password, self.password2):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.changed.connect(self.mark_dirty)
        QVBoxLayout(box).addWidget(self.form)
        self.save_button.setText(_("Create account"))
        self.cancel_button.setText(_("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(account_buttons)
        layout.addWidget(box)
        layout.addLayout(self.buttons)
        self.resize(620, 520)
        self.reload()

    def reload(self) -> None:
        with self.ctx.read() as s:
            self.accounts = auth.list_accounts(s)
        self.table.setRowCount(len(self.accounts))
        for row, u in enumerate(self.accounts):
            for col, text in enumerate((u.username, u.full_name, codes.label(codes.ROLES, u.role),
                                        _("yes") if u.is_active else _("no"))):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self._show_selected_role()

    def selected_account(self) -> auth.AccountRow | None:
        row = self.table.currentRow()
        return self.accounts[row] if 0 <= row < len(self.accounts) else None

    def reset_selected(self) -> None:
        account = self.selected_account()
        if account is not None:
            ResetPasswordDialog(self.ctx, account.id, account.username, self).exec()

    def _show_selected_role(self) -> None:
        account = self.selected_account()
        if account is not None:
            self.account_role.set_code(account.role)

    def change_role_of_selected(self) -> None:
        """Give the selected account the role chosen beside the button (recorded in the audit trail)."""
        account = self.selected_account()
        if account is None or self.account_role.code() == account.role:
            return
        try:
            with self.ctx.write() as s:
                info = auth.set_role(s, self.ctx.user, account.id, self.account_role.code())
        except OkmotError as exc:
            show_error(self, exc.message)
            self.reload()
            return
        if info.id == self.ctx.user.id:
            # One's own new role applies at once: the menus are rebuilt, and a former administrator leaves here.
            self.ctx.user = info
            rebuild = getattr(self.parent(), "_build_menus", None)
            if rebuild is not None:
                rebuild()
            if not info.is_admin:
                self.dirty = False
                self.reject()
                return
        self.reload()

    def toggle_selected(self) -> None:
        account = self.selected_account()
        if account is None:
            return
        try:
            with self.ctx.write() as s:
                auth.set_active(s, self.ctx.user, account.id, not account.is_active)
        except OkmotError as exc:
            show_error(self, exc.message)
        self.reload()

    def save(self) -> bool:
        self.form.clear_errors()
        if self.password.text() != self.password2.text():
            self.form.show_errors({"password2": _("The two passwords differ.")})
            return False
        try:
            with self.ctx.write() as s:
                auth.create_user(s, self.ctx.user, username=self.username.text(), full_name=self.full_name.text(),
                                 password=self.password.text(), role=self.role.code())
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        for field in (self.full_name, self.username, self.password, self.password2):
            field.clear()
        self.dirty = False
        self.reload()
        return True

    def _on_save(self) -> None:
        # Creating an account keeps the dialog open for the next one.
        self.save()


class _PasswordDialog(EditDialog):
    """A new password typed twice; subclasses save it in ``write(new_password)`` (raising OkmotError if refused)."""

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None, *, ask_old: bool = False):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.form = FormPanel()
        self.old_password = self.form.add("old_password", _("Current password"), QLineEdit()) if ask_old else None
        self.new_password = self.form.add("new_password", _("New password"), QLineEdit())
        self.new_password2 = self.form.add("new_password2", _("Repeat the new password"), QLineEdit())
        for field in (self.old_password, self.new_password, self.new_password2):
            if field is not None:
                field.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.changed.connect(self.mark_dirty)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(self.buttons)
        self.resize(420, 180)

    def save(self) -> bool:
        self.form.clear_errors()
        if self.new_password.text() != self.new_password2.text():
            self.form.show_errors({"new_password2": _("The two passwords differ.")})
            return False
        try:
            self.write(self.new_password.text())
        except ValidationError as exc:
            fields = {("new_password" if k == "password" else k): v for k, v in exc.fields.items()}
            rest = self.form.show_errors(fields)
            if rest:
                show_error(self, "\n".join(rest.values()))
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        return True


class ChangePasswordDialog(_PasswordDialog):
    """Any user changes their own password, giving the current one first."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, _("Change my password"), parent, ask_old=True)

    def write(self, new_password: str) -> None:
        with self.ctx.write() as s:
            auth.change_password(s, self.ctx.user, old_password=self.old_password.text(), new_password=new_password)


class ResetPasswordDialog(_PasswordDialog):
    """The administrator sets a new password for a user who forgot theirs."""

    def __init__(self, ctx: AppContext, user_id: uuid.UUID, username: str, parent: QWidget | None = None):
        super().__init__(ctx, _("New password for {name}").format(name=username), parent)
        self.user_id = user_id

    def write(self, new_password: str) -> None:
        with self.ctx.write() as s:
            auth.reset_password(s, self.ctx.user, self.user_id, new_password)
