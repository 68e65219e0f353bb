"""Add or edit one member of a household."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from okmot import permissions
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _
from okmot.services import households, persons
from okmot.services.changes import Changes
from okmot.services.context import AppContext
from okmot.services.persons import PinMismatch
from ui.audit_window import ask_subject_access
from ui.bus import bus
from ui.forms import EditDialog, show_error
from ui.person_form import PersonForm


class MemberDialog(EditDialog):
    """``person_id`` None adds a new member; otherwise edits that member."""

    def __init__(self, ctx: AppContext, household_id: uuid.UUID, person_id: uuid.UUID | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.person_id = person_id
        self.version: int | None = None
        self.notices: tuple[str, ...] = ()
        self.setWindowTitle(_("New member") if person_id is None else _("Edit member"))
        self.form = PersonForm()
        self.form.changed.connect(self.mark_dirty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #8a5a00;")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.message)
        layout.addLayout(self.buttons)
        self.resize(760, 720)
        if person_id is not None:
            with ctx.read() as s:
                record = persons.get_person(s, person_id)
                card = households.get_card(s, household_id)
            relation = next((m.relation for m in card.members if m.person.id == person_id), "other_relative")
            self.version = record.version
            self.form.set_data(record.data, relation)
            ctx.audit("view_person", subject_table="person", subject_id=person_id)
            if ctx.user is not None and permissions.allowed(ctx.user.role, "subject_access.print"):
                self.sar_button = QPushButton(_("Subject-access report…"))
                self.sar_button.clicked.connect(lambda: ask_subject_access(ctx, person_id, self))
                self.buttons.insertWidget(0, self.sar_button)
        else:
            self.form.set_data(None, "other_relative")
            self.form.residence_status.set_code("living")
        self.dirty = False
        self.form.surname.setFocus()

    def save(self) -> bool:
        self.form.clear_errors()
        self.message.clear()
        try:
            data = self.form.data()
        except ValueError:
            return False
        relation = self.form.relation_code()
        try:
            with self.ctx.write() as s:
                if self.person_id is None:
                    self.person_id, result = households.add_member(s, self.household_id, data, relation=relation)
                    changes = None
                else:
                    changes, result = households.update_member(
                        s, self.household_id, self.person_id, data, relation=relation,
                        expected_version=self.version)
        except PinMismatch as exc:
            self.form.show_errors({"pin": exc.fields["pin"] + " " +
                                   _("Correct the PIN, or record a reason to keep it.")})
            self.form.pin_override_reason.setFocus()
            return False
        except ValidationError as exc:
            rest = self.form.show_errors(exc.fields)
            if rest:
                self.message.setText("\n".join(rest.values()))
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        self.notices = result.notices
        bus.changed.emit((changes or Changes()) | Changes(households=frozenset({self.household_id}),
                                                          persons=frozenset({self.person_id})))
        return True
