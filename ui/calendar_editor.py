"""Administrator's holiday calendar: fixed holidays shown, movable ones (Orozo ait, Kurman ait) set per year."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableView,
    QVBoxLayout, QWidget,
)

from okmot import codes
from okmot.errors import OkmotError
from okmot.i18n import _
from okmot.services import work_calendar
from okmot.services.context import AppContext
from ui.forms import CodeCombo, DateField, EditDialog, FormPanel, format_date, show_error
from ui.rows_model import MUTED, Col, RowsModel
from ui.service_bus import service_bus


class CalendarEditor(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Holiday calendar"))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year)
        self.year.valueChanged.connect(self.reload)
        self.model = RowsModel([
            Col(_("Date"), lambda e: format_date(e.on_date)),
            Col(_("Kind"), lambda e: _("fixed public holiday") if e.fixed
                else codes.label(work_calendar.DAY_KINDS, e.kind)),
            Col(_("Kyrgyz"), lambda e: e.name_ky),
            Col(_("Russian"), lambda e: e.name_ru),
        ], foreground=lambda e: MUTED if e.fixed else None, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.form = FormPanel()
        self.on_date = self.form.add("on_date", _("Date"), DateField())
        self.kind = self.form.add("kind", _("Kind"), CodeCombo(work_calendar.DAY_KINDS))
        self.name_ky = self.form.add("name_ky", _("Name in Kyrgyz"), QLineEdit())
        self.name_ru = self.form.add("name_ru", _("Name in Russian"), QLineEdit())
        self.form.changed.connect(self.mark_dirty)
        self.remove_button = QPushButton(_("Remove the selected day"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_button.setText(_("Add or change the day"))
        self.cancel_button.setText(_("Close"))
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Year")))
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.form)
        layout.addLayout(self.buttons)
        self.resize(720, 620)
        self.reload()

    def reload(self) -> None:
        with self.ctx.read() as s:
            self.model.set_rows(work_calendar.year_days(s, self.year.value()))

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            day = self.on_date.value()
            if day is None:
                raise ValueError(_("Enter the date."))
        except ValueError as exc:
            self.form.show_errors({"on_date": str(exc)})
            return False
        try:
            with self.ctx.write() as s:
                work_calendar.set_day(s, on_date=day, kind=self.kind.code(), name_ky=self.name_ky.text(),
                                      name_ru=self.name_ru.text())
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        self.dirty = False
        self.year.setValue(day.year)
        self.reload()
        service_bus.changed.emit()
        return True

    def _on_save(self) -> None:
        self.save()

    def remove_selected(self) -> None:
        index = self.table.currentIndex()
        entry = self.model.row_at(index.row()) if index.isValid() else None
        if entry is None or entry.fixed:
            return
        try:
            with self.ctx.write() as s:
                work_calendar.remove_day(s, entry.on_date)
        except OkmotError as exc:
            show_error(self, exc.message)
            return
        self.reload()
        service_bus.changed.emit()
