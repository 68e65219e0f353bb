"""Open a new account of the household book together with its head."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _
from okmot.services import households, territory
from okmot.services.context import AppContext
from okmot.services.households import HouseholdData
from okmot.services.persons import PinMismatch
from ui.bus import bus
from ui.forms import EditDialog, show_error
from ui.household_form import HouseholdForm
from ui.person_form import PersonForm


class NewHouseholdDialog(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, village_id: uuid.UUID | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household_id: uuid.UUID | None = None
        self.setWindowTitle(_("New household"))
        with ctx.read() as s:
            villages = territory.list_villages(s)
            streets = territory.list_streets(s)
            account = households.next_account_number(s)
        self.title_form = HouseholdForm(villages, streets)
        self.title_form.set_data(HouseholdData(account_number=account, village_id=village_id))
        self.head_form = PersonForm(with_relation=False)
        for form in (self.title_form, self.head_form):
            form.changed.connect(self.mark_dirty)
        left = QGroupBox(_("Household"))
        QVBoxLayout(left).addWidget(self.title_form)
        right = QGroupBox(_("Head of household"))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.head_form)
        QVBoxLayout(right).addWidget(scroll)
        row = QHBoxLayout()
        row.addWidget(left, 1)
        row.addWidget(right, 1)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020;")
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.message)
        layout.addLayout(self.buttons)
        self.resize(1000, 640)
        self.title_form.village.setFocus()

    def save(self) -> bool:
        self.title_form.clear_errors()
        self.head_form.clear_errors()
        self.message.clear()
        try:
            data = self.title_form.data()
            head = self.head_form.data()
        except ValueError:
            return False
        try:
            with self.ctx.write() as s:
                self.household_id, changes = households.create_household(s, data, head=head)
        except PinMismatch as exc:
            self.head_form.show_errors({"pin": exc.fields["pin"] + " " +
                                        _("Correct the PIN, or record a reason to keep it.")})
            return False
        except ValidationError as exc:
            rest = self.title_form.show_errors(exc.fields)
            rest = self.head_form.show_errors(rest)
            if rest:
                self.message.setText("\n".join(rest.values()))
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        bus.changed.emit(changes)
        return True
