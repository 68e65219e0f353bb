"""The household title-page form: account number, village, street, house, free-text address."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from okmot.i18n import _
from okmot.services.households import HouseholdData
from okmot.services.territory import Place
from ui.forms import DateField, FormPanel, index_of


class HouseholdForm(FormPanel):
    def __init__(self, villages: list[Place], streets: list[Place], parent: QWidget | None = None):
        super().__init__(parent)
        self._streets = streets
        self.account_number = self.add("account_number", _("Account No."), QLineEdit())
        self.village = self.add("village_id", _("Village"), QComboBox())
        self.village.addItem("—", None)
        for v in villages:
            self.village.addItem(v.name(), v.id)
        self.street = self.add("street_id", _("Street"), QComboBox())
        self.house_number = self.add("house_number", _("House No."), QLineEdit())
        self.house_number.setPlaceholderText(_("leave empty if the house has no number"))
        self.apartment = self.add("apartment", _("Apartment"), QLineEdit())
        self.address_note = self.add("address_note", _("Address note"), QLineEdit())
        self.address_note.setPlaceholderText(_("e.g. near the school, upper part of the village"))
        self.phone = self.add("phone", _("Phone"), QLineEdit())
        self.opened_on = self.add("opened_on", _("Opened on"), DateField())
        self.village.currentIndexChanged.connect(self._fill_streets)
        self._fill_streets()

    def _fill_streets(self) -> None:
        current = self.street.currentData()
        village_id = self.village.currentData()
        self.street.blockSignals(True)
        self.street.clear()
        self.street.addItem(_("(no street)"), None)
        for s in self._streets:
            if s.parent_id == village_id:
                self.street.addItem(s.name(), s.id)
        index = index_of(self.street, current)
        self.street.setCurrentIndex(max(index, 0))
        self.street.blockSignals(False)

    def set_data(self, data: HouseholdData) -> None:
        self.account_number.setText(data.account_number)
        self.village.setCurrentIndex(max(index_of(self.village, data.village_id), 0))
        self._fill_streets()
        self.street.setCurrentIndex(max(index_of(self.street, data.street_id), 0))
        self.house_number.setText(data.house_number)
        self.apartment.setText(data.apartment)
        self.address_note.setText(data.address_note)
        self.phone.setText(data.phone)
        self.opened_on.set_value(data.opened_on)

    def data(self) -> HouseholdData:
        try:
            opened = self.opened_on.value()
        except ValueError as exc:
            self.show_errors({"opened_on": str(exc)})
            raise
        return HouseholdData(
            account_number=self.account_number.text(), village_id=self.village.currentData(),
            street_id=self.street.currentData(), house_number=self.house_number.text(),
            apartment=self.apartment.text(), address_note=self.address_note.text(), phone=self.phone.text(),
            opened_on=opened,
        )
