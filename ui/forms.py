"""Form building blocks: typed date fields, errors shown beside fields, code pickers, unsaved-change guard."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from okmot.codes import label
from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _

DATE_FORMAT = "%d.%m.%Y"


def format_date(value: dt.date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


class DateField(QLineEdit):
    """A date typed as dd.mm.yyyy (digits only; the dots are in the mask)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setInputMask("00.00.0000;_")
        self.setPlaceholderText(_("dd.mm.yyyy"))
        self.setMaximumWidth(120)

    def is_blank(self) -> bool:
        return not any(ch.isdigit() for ch in self.text())

    def value(self) -> dt.date | None:
        """The date, None when blank; raises ValueError with a translated message when impossible."""
        if self.is_blank():
            return None
        try:
            return dt.datetime.strptime(self.text(), DATE_FORMAT).date()
        except ValueError:
            raise ValueError(_("{text} is not a real date (dd.mm.yyyy).").format(text=self.text())) from None

    def set_value(self, value: dt.date | None) -> None:
        self.setText(format_date(value))


def index_of(combo: QComboBox, value) -> int:
    """The row whose item data equals ``value`` (Python equality: Qt's findData misses UUIDs), or -1."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == value), -1)


class CodeCombo(QComboBox):
    """Pick one code of a code list (okmot.codes), shown by its translated label."""

    def __init__(self, table: dict[str, str], *, blank: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        if blank:
            self.addItem("—", "")
        for code in table:
            self.addItem(label(table, code), code)

    def code(self) -> str:
        return self.currentData() or ""

    def set_code(self, code: str | None) -> None:
        index = self.findData(code or "")
        self.setCurrentIndex(max(index, 0))


class OptionalSpin(QSpinBox):
    """An integer that may be left empty (shown blank at the minimum)."""

    def __init__(self, minimum: int, maximum: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRange(minimum - 1, maximum)
        self.setSpecialValueText(" ")
        self.setValue(minimum - 1)

    def value_or_none(self) -> int | None:
        return None if self.value() == self.minimum() else self.value()

    def set_value_or_none(self, value: int | None) -> None:
        self.setValue(self.minimum() if value is None else value)


class FormPanel(QWidget):
    """A QFormLayout whose rows have an error label under the field, addressed by field name."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}

    def add(self, name: str, caption: str, widget: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addWidget(widget)
        err = QLabel()
        err.setObjectName(f"error_{name}")
        err.setStyleSheet("color: #b00020;")
        err.setWordWrap(True)
        err.hide()
        lay.addWidget(err)
        self.form.addRow(caption, box)
        self._errors[name] = err
        self._fields[name] = widget
        _watch(widget, self.changed.emit)
        return widget

    def field(self, name: str) -> QWidget:
        return self._fields[name]

    def error_text(self, name: str) -> str:
        err = self._errors.get(name)
        return err.text() if err is not None and not err.isHidden() else ""

    def clear_errors(self) -> None:
        for err in self._errors.values():
            err.clear()
            err.hide()

    def show_failure(self, exc: OkmotError, parent: QWidget) -> None:
        """A refused save: field errors beside their fields, anything else in a message box."""
        rest = self.show_errors(exc.fields) if isinstance(exc, ValidationError) else {"": exc.message}
        if rest:
            show_error(parent, "\n".join(rest.values()))

    def show_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Show each error beside its field; returns the ones that belong to no field here."""
        rest = {}
        first = None
        for name, message in errors.items():
            err = self._errors.get(name)
            if err is None:
                rest[name] = message
                continue
            err.setText(message)
            err.show()
            first = first or self._fields[name]
        if first is not None:
            first.setFocus()
        return rest


def _watch(widget: QWidget, slot) -> None:
    """Call ``slot()`` (no arguments) whenever the user edits ``widget``."""
    call = lambda *_args: slot()  # noqa: E731 - signals pass values the slot does not want
    if isinstance(widget, QLineEdit):
        widget.textEdited.connect(call)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(call)
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.valueChanged.connect(call)
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(call)


def ask_unsaved(parent: QWidget) -> str:
    """Ask what to do with unsaved changes: "save", "discard" or "cancel"."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("Unsaved changes"))
    box.setText(_("You have changes that are not saved. Save them?"))
    save = box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(_("Discard"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.exec()
    clicked = box.clickedButton()
    if clicked is save:
        return "save"
    if clicked is discard:
        return "discard"
    return "cancel"


class EditDialog(QDialog):
    """A dialog that saves with Enter, cancels with Esc, and asks before dropping unsaved changes.

    Subclasses implement ``save() -> bool`` and call ``mark_dirty()`` when a field changes.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dirty = False
        self.save_button = QPushButton(_("Save"))
        self.save_button.setDefault(True)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.cancel_button = QPushButton(_("Cancel"))
        self.save_button.clicked.connect(self._on_save)
        self.cancel_button.clicked.connect(self.reject)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.save_button)
        self.buttons.addWidget(self.cancel_button)

    def mark_dirty(self) -> None:
        self.dirty = True

    def save(self) -> bool:
        """Validate and write; True when saved. Every concrete dialog overrides this."""
        return False

    def _on_save(self) -> None:
        if self.save():
            self.dirty = False
            self.accept()

    def reject(self) -> None:
        if self.dirty:
            choice = ask_unsaved(self)
            if choice == "cancel":
                return
            if choice == "save":
                self._on_save()
                return
        self.dirty = False
        super().reject()

    def closeEvent(self, event) -> None:  # the window's close button behaves like Cancel
        if self.dirty:
            event.ignore()
            self.reject()
        else:
            super().closeEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)


def show_error(parent: QWidget | None, message: str, title: str | None = None) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or _("Okmot"))
    box.setText(message)
    box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()
