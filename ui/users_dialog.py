"""Administrator's list of accounts, and creating an account for a member of staff."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView, QGroupBox, QHeaderView, QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
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
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("User name"), _("Full name"), _("Role")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
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
        layout.addWidget(box)
        layout.addLayout(self.buttons)
        self.resize(620, 520)
        self.reload()

    def reload(self) -> None:
        with self.ctx.read() as s:
            users = auth.list_users(s)
        self.table.setRowCount(len(users))
        for row, u in enumerate(users):
            for col, text in enumerate((u.username, u.full_name, codes.label(codes.ROLES, u.role))):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def save(self) -> bool:
        self.form.clear_errors()
        if self.password.text() != self.password2.text():
            self.form.show_errors({"password2": _("The two passwords differ.")})
            return False
        try:
            with self.ctx.write() as s:
                auth.create_user(s, self.ctx.user, username=self.username.text(), full_name=self.full_name.text(),
                                 password=self.password.text(), role=self.role.code())
        except ValidationError as exc:
            rest = self.form.show_errors(exc.fields)
            if rest:
                show_error(self, "\n".join(rest.values()))
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        for field in (self.full_name, self.username, self.password, self.password2):
            field.clear()
        self.dirty = False
        self.reload()
        return True

    def _on_save(self) -> None:
        # Creating an account keeps the dialog open for the next one.
        self.save()
