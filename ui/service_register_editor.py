"""Administrator's editor of the register of services and their standards (every save keeps history)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLineEdit, QListWidget, QListWidgetItem,
    QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
    QWidget,
)

from okmot import codes
from okmot.errors import OkmotError
from okmot.i18n import _, current_language
from okmot.services import service_register
from okmot.services.context import AppContext
from okmot.services.service_register import Ground, ServiceData
from ui.forms import CodeCombo, DateField, EditDialog, FormPanel
from ui.service_bus import service_bus


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _cell(table: QTableWidget, row: int, col: int) -> str:
    item = table.item(row, col)
    return item.text().strip() if item else ""


class ServiceRegisterEditor(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.current = None
        self.setWindowTitle(_("Register of services"))
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        self.form = FormPanel()
        f = self.form
        self.code = f.add("code", _("Code"), QLineEdit())
        self.name_ky = f.add("name_ky", _("Name in Kyrgyz"), QLineEdit())
        self.name_ru = f.add("name_ru", _("Name in Russian"), QLineEdit())
        self.register = f.add("register", _("Base or supplementary"), CodeCombo(service_register.REGISTERS))
        self.act = f.add("approving_act", _("Approving act"), QLineEdit())
        self.paid = f.add("is_paid", _("Paid"), QCheckBox(_("paid service")))
        self.active = f.add("active", _("Active"), QCheckBox(_("in the active register")))
        self.days = {}
        for key, caption in (("accept_days", _("Accepting, working days")),
                             ("provide_days", _("Providing, working days")),
                             ("issue_days", _("Issuing, working days"))):
            spin = QSpinBox()
            spin.setRange(0, 90)
            self.days[key] = f.add(key, caption, spin)
        self.fees = {}
        for cat in service_register.APPLICANT_CATEGORIES:
            spin = QSpinBox()
            spin.setRange(0, 10_000_000)
            spin.setSuffix(" " + _("tyiyn"))
            self.fees[cat] = spin
        fee_row = QWidget()
        fee_layout = QHBoxLayout(fee_row)
        fee_layout.setContentsMargins(0, 0, 0, 0)
        for spin in self.fees.values():
            fee_layout.addWidget(spin)
        f.add("fees", _("Fee per category (citizen, representative, organisation)"), fee_row)
        self.duplicate_fee = QSpinBox()
        self.duplicate_fee.setRange(0, 10_000_000)
        self.duplicate_fee.setSuffix(" " + _("tyiyn"))
        f.add("duplicate_fee_tyiyn", _("Fee for a duplicate"), self.duplicate_fee)
        self.review = f.add("review_on", _("Review by"), DateField())
        self.appeal_ky = f.add("appeal_ky", _("Appeal procedure in Kyrgyz"), QPlainTextEdit())
        self.appeal_ru = f.add("appeal_ru", _("Appeal procedure in Russian"), QPlainTextEdit())
        for edit in (self.appeal_ky, self.appeal_ru):
            edit.setMaximumHeight(70)
            edit.textChanged.connect(self.mark_dirty)
        self.sections = _table([_("Section"), _("Kyrgyz"), _("Russian")])
        self.grounds = _table([_("Code"), _("Kyrgyz"), _("Russian")])
        self.documents = _table([_("Category"), _("Code"), _("Kyrgyz"), _("Russian")])
        add_ground = QPushButton(_("Add refusal ground"))
        add_ground.clicked.connect(lambda: self.grounds.insertRow(self.grounds.rowCount()))
        add_doc = QPushButton(_("Add document"))
        add_doc.clicked.connect(lambda: self.documents.insertRow(self.documents.rowCount()))
        self.history = _table([_("When"), _("Who"), _("Version"), _("Changed fields")])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        tabs = QTabWidget()
        tabs.addTab(f, _("Register entry"))
        tabs.addTab(self.sections, _("Standard: sections"))
        tabs.addTab(self._with_button(self.documents, add_doc), _("Required documents"))
        tabs.addTab(self._with_button(self.grounds, add_ground), _("Refusal grounds"))
        tabs.addTab(self.history, _("History"))
        for table in (self.sections, self.grounds, self.documents):
            table.itemChanged.connect(lambda _i: self.mark_dirty())
        f.changed.connect(self.mark_dirty)
        self.new_button = QPushButton(_("New service"))
        self.new_button.clicked.connect(self.new_service)
        self.buttons.insertWidget(0, self.new_button)
        self.cancel_button.setText(_("Close"))
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(tabs)
        split.setSizes([260, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(self.buttons)
        self.resize(1100, 720)
        self.reload()

    @staticmethod
    def _with_button(table: QWidget, button: QPushButton) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.addWidget(table, 1)
        lay.addWidget(button)
        return box

    def reload(self, select_code: str | None = None) -> None:
        with self.ctx.read() as s:
            self.records = service_register.list_services(s)
        self.list.blockSignals(True)
        self.list.clear()
        lang = current_language()
        for r in self.records:
            mark = "" if r.data.active else " ✕"
            self.list.addItem(QListWidgetItem(f"{r.data.name(lang)}{mark}"))
        self.list.blockSignals(False)
        row = next((i for i, r in enumerate(self.records) if r.data.code == select_code), 0)
        if self.records:
            self.list.setCurrentRow(row)
            self._show(row)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.records):
            return
        self.current = self.records[row]
        self._fill(self.current.data)
        with self.ctx.read() as s:
            history = service_register.history(s, self.current.id)
        self.history.setRowCount(len(history))
        for i, h in enumerate(reversed(history)):
            for col, text in enumerate((h.at.strftime("%d.%m.%Y %H:%M"), h.user_name, str(h.version),
                                        ", ".join(sorted(h.changes)))):
                self.history.setItem(i, col, QTableWidgetItem(text))
        self.dirty = False

    def _fill(self, d: ServiceData) -> None:
        self.code.setText(d.code)
        self.name_ky.setText(d.name_ky)
        self.name_ru.setText(d.name_ru)
        self.register.set_code(d.register)
        self.act.setText(d.approving_act)
        self.paid.setChecked(d.is_paid)
        self.active.setChecked(d.active)
        for key, spin in self.days.items():
            spin.setValue(getattr(d, key))
        for cat, spin in self.fees.items():
            spin.setValue(int(d.fees.get(cat, 0)))
        self.duplicate_fee.setValue(d.duplicate_fee_tyiyn)
        self.review.set_value(d.review_on)
        self.appeal_ky.setPlainText(d.appeal_ky)
        self.appeal_ru.setPlainText(d.appeal_ru)
        self.sections.blockSignals(True)
        self.sections.setRowCount(len(service_register.SECTIONS))
        for i, (key, label) in enumerate(service_register.SECTIONS.items()):
            head = QTableWidgetItem(codes.label(service_register.SECTIONS, key))
            head.setData(256, key)
            self.sections.setItem(i, 0, head)
            text = d.sections.get(key, {})
            self.sections.setItem(i, 1, QTableWidgetItem(text.get("ky", "")))
            self.sections.setItem(i, 2, QTableWidgetItem(text.get("ru", "")))
        self.sections.blockSignals(False)
        self.grounds.blockSignals(True)
        self.grounds.setRowCount(len(d.refusal_grounds))
        for i, g in enumerate(d.refusal_grounds):
            for col, text in enumerate((g.code, g.ky, g.ru)):
                self.grounds.setItem(i, col, QTableWidgetItem(text))
        self.grounds.blockSignals(False)
        docs = [(cat, doc) for cat, items in d.documents.items() for doc in items]
        self.documents.blockSignals(True)
        self.documents.setRowCount(len(docs))
        for i, (cat, doc) in enumerate(docs):
            for col, text in enumerate((cat, doc["code"], doc["ky"], doc["ru"])):
                self.documents.setItem(i, col, QTableWidgetItem(text))
        self.documents.blockSignals(False)

    def new_service(self) -> None:
        self.current = None
        self._fill(ServiceData(code="", name_ky="", name_ru="", register="supplementary"))
        self.history.setRowCount(0)
        self.code.setFocus()

    def data(self) -> ServiceData:
        sections = {}
        for i in range(self.sections.rowCount()):
            key = self.sections.item(i, 0).data(256)
            ky, ru = _cell(self.sections, i, 1), _cell(self.sections, i, 2)
            if ky or ru:
                sections[key] = {"ky": ky, "ru": ru}
        grounds = tuple(Ground(_cell(self.grounds, i, 0), _cell(self.grounds, i, 1), _cell(self.grounds, i, 2))
                        for i in range(self.grounds.rowCount()) if _cell(self.grounds, i, 0))
        documents: dict[str, list] = {}
        for i in range(self.documents.rowCount()):
            cat, code = _cell(self.documents, i, 0), _cell(self.documents, i, 1)
            if cat and code:
                documents.setdefault(cat, []).append(
                    {"code": code, "ky": _cell(self.documents, i, 2), "ru": _cell(self.documents, i, 3)})
        base = self.current.data if self.current else ServiceData(code="", name_ky="", name_ru="")
        fees = {cat: spin.value() for cat, spin in self.fees.items() if spin.value()}
        return replace(base, code=self.code.text().strip(), name_ky=self.name_ky.text(), name_ru=self.name_ru.text(),
                       register=self.register.code(), approving_act=self.act.text().strip(),
                       is_paid=self.paid.isChecked(), active=self.active.isChecked(),
                       accept_days=self.days["accept_days"].value(), provide_days=self.days["provide_days"].value(),
                       issue_days=self.days["issue_days"].value(), fees=fees,
                       duplicate_fee_tyiyn=self.duplicate_fee.value(), review_on=self.review.value(),
                       appeal_ky=self.appeal_ky.toPlainText().strip(), appeal_ru=self.appeal_ru.toPlainText().strip(),
                       sections=sections, refusal_grounds=grounds, documents=documents, is_example=False)

    def save(self) -> bool:
        self.form.clear_errors()
        try:
            data = self.data()
            with self.ctx.write() as s:
                service_register.save_service(
                    s, data, service_id=self.current.id if self.current else None,
                    expected_version=self.current.version if self.current else None,
                    by_admin=bool(self.ctx.user and self.ctx.user.is_admin))
        except ValueError as exc:
            self.form.show_errors({"review_on": str(exc)})
            return False
        except OkmotError as exc:
            self.form.show_failure(exc, self)
            return False
        service_bus.changed.emit()
        self.dirty = False
        self.reload(select_code=data.code)
        return True

    def _on_save(self) -> None:
        # The register stays open for the next edit.
        self.save()


