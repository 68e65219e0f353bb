"""Administration → Settings: the office, its villages and streets, the signatory, numbering and backups."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox,
    QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from okmot.errors import OkmotError, ValidationError
from okmot.i18n import _
from okmot.services import office_setup, territory
from okmot.services.context import AppContext
from okmot.services.office_setup import OfficeDetails, Signatory
from ui.backup_password_box import BackupList, BackupPasswordBox
from ui.bus import bus
from ui.forms import EditDialog, FormPanel, show_error


class SettingsDialog(EditDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Settings"))
        with ctx.read() as s:
            current = office_setup.office_settings(s)
        self.tabs = QTabWidget()

        self.office_form = FormPanel()
        f = self.office_form
        d = current.office
        self.code = f.add("code", _("Code of the aiyl aimak"), QLineEdit(d.code))
        self.code.setReadOnly(True)
        self.code.setToolTip(_("The code is part of every certificate number and cannot be changed."))
        self.name_ky = f.add("name_ky", _("Name in Kyrgyz"), QLineEdit(d.name_ky))
        self.name_ru = f.add("name_ru", _("Name in Russian"), QLineEdit(d.name_ru))
        self.rayon_ky = f.add("rayon_ky", _("District (rayon) in Kyrgyz"), QLineEdit(d.rayon_ky))
        self.rayon_ru = f.add("rayon_ru", _("District (rayon) in Russian"), QLineEdit(d.rayon_ru))
        self.oblast_ky = f.add("oblast_ky", _("Region (oblast) in Kyrgyz"), QLineEdit(d.oblast_ky))
        self.oblast_ru = f.add("oblast_ru", _("Region (oblast) in Russian"), QLineEdit(d.oblast_ru))
        self.address_ky = f.add("address_ky", _("Address in Kyrgyz"), QLineEdit(d.address_ky))
        self.address_ru = f.add("address_ru", _("Address in Russian"), QLineEdit(d.address_ru))
        self.phone = f.add("phone", _("Phone"), QLineEdit(d.phone))
        self.tabs.addTab(self.office_form, _("Office"))

        self.cert_form = FormPanel()
        c = self.cert_form
        sig = current.signatory
        self.sig_name_ky = c.add("signatory_name_ky", _("Head's name in Kyrgyz"), QLineEdit(sig.name_ky))
        self.sig_name_ru = c.add("signatory_name_ru", _("Head's name in Russian"), QLineEdit(sig.name_ru))
        self.sig_pos_ky = c.add("signatory_position_ky", _("Position in Kyrgyz"), QLineEdit(sig.position_ky))
        self.sig_pos_ru = c.add("signatory_position_ru", _("Position in Russian"), QLineEdit(sig.position_ru))
        self.number_start = c.add("certificate_number_start", _("First certificate number of a year"), QSpinBox())
        self.number_start.setRange(1, 9_999_999)
        self.number_start.setValue(current.certificate_number_start)
        self.tabs.addTab(self.cert_form, _("Certificates"))

        backup_page = QWidget()
        self.backup_form = FormPanel()
        self.copy_dir = self.backup_form.add("backup_copy_dir", _("Second backup folder"),
                                             QLineEdit(current.backup_copy_dir))
        self.key_file = self.backup_form.add("district_key", _("New district's public key file"), QLineEdit())
        browse = QPushButton(_("Choose a folder…"))
        browse.clicked.connect(self._choose_folder)
        key_browse = QPushButton(_("Choose a key file…"))
        key_browse.clicked.connect(self._choose_key)
        self.fingerprint = QLabel(_("District key fingerprint: {fp}").format(fp=current.district_key_fingerprint)
                                  if current.district_key_fingerprint else _("No district key is stored."))
        self.fingerprint.setObjectName("fingerprint")
        self.fingerprint.setWordWrap(True)
        bl = QVBoxLayout(backup_page)
        bl.addWidget(self.backup_form)
        row = QHBoxLayout()
        row.addWidget(browse)
        row.addWidget(key_browse)
        row.addStretch(1)
        bl.addLayout(row)
        bl.addWidget(self.fingerprint)
        self.backup_password = BackupPasswordBox(ctx)
        self.backup_list = BackupList(ctx)
        self.backup_password.changed.connect(self.backup_list.refresh)
        self.backup_list.restored.connect(self._restored)
        bl.addWidget(self.backup_password)
        bl.addWidget(self.backup_list, 1)
        self.tabs.addTab(backup_page, _("Backups"))

        self.tabs.addTab(self._territory_page(current.villages), _("Villages and streets"))

        self.security_form = FormPanel()
        self.idle_minutes = self.security_form.add("idle_lock_minutes", _("Lock the screen after (minutes idle)"),
                                                   QSpinBox())
        self.idle_minutes.setRange(0, office_setup.IDLE_LOCK_MAX_MINUTES)
        self.idle_minutes.setSpecialValueText(_("never"))
        self.idle_minutes.setValue(current.idle_lock_minutes)
        self.idle_minutes.setToolTip(_("Minutes without keyboard or mouse input before Okmot asks for the password "
                                       "again; 0 turns the lock off."))
        self.tabs.addTab(self.security_form, _("Security"))
        for form in (self.office_form, self.cert_form, self.backup_form, self.security_form):
            form.changed.connect(self.mark_dirty)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addLayout(self.buttons)
        self.resize(720, 640)

    # --- villages and streets (saved at once, each in its own unit of work) ---------------------

    def _territory_page(self, villages) -> QWidget:
        page = QWidget()
        self.places = QTableWidget(0, 3)
        self.places.setObjectName("places")
        self.places.setHorizontalHeaderLabels([_("Village"), _("Street in Kyrgyz"), _("Street in Russian")])
        self.places.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.places.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        village_box = QGroupBox(_("New village"))
        self.village_form = FormPanel()
        self.new_village_code = self.village_form.add("code", _("Code"), QLineEdit())
        self.new_village_ky = self.village_form.add("name_ky", _("Name in Kyrgyz"), QLineEdit())
        self.new_village_ru = self.village_form.add("name_ru", _("Name in Russian"), QLineEdit())
        add_village = QPushButton(_("Add the village"))
        add_village.clicked.connect(self.add_village)
        vl = QVBoxLayout(village_box)
        vl.addWidget(self.village_form)
        vl.addWidget(add_village)
        street_box = QGroupBox(_("New street"))
        self.street_form = FormPanel()
        self.street_village = self.street_form.add("village", _("Village"), QComboBox())
        self.new_street_ky = self.street_form.add("name_ky", _("Name in Kyrgyz"), QLineEdit())
        self.new_street_ru = self.street_form.add("name_ru", _("Name in Russian"), QLineEdit())
        add_street = QPushButton(_("Add the street"))
        add_street.clicked.connect(self.add_street)
        sl = QVBoxLayout(street_box)
        sl.addWidget(self.street_form)
        sl.addWidget(add_street)
        boxes = QHBoxLayout()
        boxes.addWidget(village_box)
        boxes.addWidget(street_box)
        layout = QVBoxLayout(page)
        layout.addWidget(self.places, 1)
        layout.addLayout(boxes)
        self._fill_places()
        return page

    def _fill_places(self) -> None:
        with self.ctx.read() as s:
            villages = territory.list_villages(s)
            streets = territory.list_streets(s)
        names = {v.id: f"{v.code} {v.name()}" for v in villages}
        rows = [(names[v.id], "", "") for v in villages]
        rows += [(names.get(st.parent_id, ""), st.name_ky, st.name_ru) for st in streets]
        rows.sort(key=lambda r: (r[0], r[1]))
        self.places.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for col, text in enumerate(row):
                self.places.setItem(i, col, QTableWidgetItem(text))
        self.street_village.clear()
        for v in villages:
            self.street_village.addItem(names[v.id], v.id)

    def add_village(self) -> bool:
        self.village_form.clear_errors()
        try:
            with self.ctx.write() as s:
                office = territory.home_office(s)
                territory.create_village(s, aimak_id=office.id, code=self.new_village_code.text(),
                                         name_ky=self.new_village_ky.text(), name_ru=self.new_village_ru.text())
        except ValidationError as exc:
            self._rest(self.village_form.show_errors(exc.fields))
            return False
        for w in (self.new_village_code, self.new_village_ky, self.new_village_ru):
            w.clear()
        self._fill_places()
        bus.changed.emit(territory.territory_changes())
        return True

    def add_street(self) -> bool:
        self.street_form.clear_errors()
        village_id = self.street_village.currentData()
        if village_id is None:
            self.street_form.show_errors({"village": _("Add a village first.")})
            return False
        try:
            with self.ctx.write() as s:
                territory.create_street(s, village_id=village_id, name_ky=self.new_street_ky.text(),
                                        name_ru=self.new_street_ru.text())
        except ValidationError as exc:
            self._rest(self.street_form.show_errors(exc.fields))
            return False
        self.new_street_ky.clear()
        self.new_street_ru.clear()
        self._fill_places()
        bus.changed.emit(territory.territory_changes())
        return True

    def _rest(self, rest: dict[str, str]) -> None:
        if rest:
            show_error(self, "\n".join(rest.values()))

    # --- the office's settings (saved with Save) -------------------------------------------------

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Second backup folder"), self.copy_dir.text())
        if folder:
            self.copy_dir.setText(folder)
            self.mark_dirty()

    def _restored(self, chosen) -> None:
        """The database under the open window was replaced: close Okmot so it starts afresh on the restored file."""
        box = QMessageBox(QMessageBox.Icon.Information, _("Backup restored"), _(
            "The backup of {when} was restored. Okmot closes now; start it again.").format(
            when=chosen.taken_at.strftime("%d.%m.%Y %H:%M")), parent=self)
        box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        self.dirty = False
        self.reject()
        window = self.parent()
        if window is not None:
            window.close()

    def _choose_key(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("District's public key file"))
        if path:
            self.key_file.setText(path)
            self.mark_dirty()

    def save(self) -> bool:
        for form in (self.office_form, self.cert_form, self.backup_form, self.security_form):
            form.clear_errors()
        office = OfficeDetails(self.code.text(), self.name_ky.text(), self.name_ru.text(), self.rayon_ky.text(),
                               self.rayon_ru.text(), self.oblast_ky.text(), self.oblast_ru.text(),
                               self.address_ky.text(), self.address_ru.text(), self.phone.text())
        signatory = Signatory(self.sig_name_ky.text(), self.sig_name_ru.text(), self.sig_pos_ky.text(),
                              self.sig_pos_ru.text())
        if self.backup_password.typed() and not self.backup_password.set_password():
            self.tabs.setCurrentIndex(2)  # a typed backup password is not dropped silently by Save
            return False
        try:
            key = office_setup.read_key_file(self.key_file.text().strip()) if self.key_file.text().strip() else None
            with self.ctx.write() as s:
                office_setup.update_office_settings(s, office=office, signatory=signatory,
                                                    certificate_number_start=self.number_start.value(),
                                                    backup_copy_dir=self.copy_dir.text(), district_key=key,
                                                    idle_lock_minutes=self.idle_minutes.value())
        except ValidationError as exc:
            rest = exc.fields
            for index, form in ((0, self.office_form), (1, self.cert_form), (2, self.backup_form),
                                (4, self.security_form)):
                before = len(rest)
                rest = form.show_errors(rest)
                if len(rest) < before:
                    self.tabs.setCurrentIndex(index)
            self._rest(rest)
            return False
        except OkmotError as exc:
            show_error(self, exc.message)
            return False
        idle = getattr(self.parent(), "idle", None)  # the main window's screen lock takes the new time at once
        if idle is not None:
            idle.set_minutes(self.idle_minutes.value())
        bus.changed.emit(territory.territory_changes())
        return True
