"""The person form: names with both patronymic forms previewed, PIN checked as typed, status and categories."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QWidget

from okmot import codes
from okmot.i18n import _
from okmot.identity import names, pin as pins
from okmot.services.persons import PersonData
from ui.forms import CodeCombo, DateField, FormPanel, OptionalSpin


class PersonForm(FormPanel):
    """Fields of one person; ``data()`` returns PersonData or raises ValueError naming a bad date."""

    def __init__(self, *, with_relation: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.surname = self.add("surname", _("Surname"), QLineEdit())
        self.given_name = self.add("given_name", _("Given name"), QLineEdit())
        self.father_name = self.add("father_name", _("Father's name"), QLineEdit())
        self.father_name.setPlaceholderText(_("e.g. Асан (the form уулу/кызы, -ович/-овна is made for you)"))
        self.sex = self.add("sex", _("Sex"), CodeCombo(codes.SEXES, blank=True))
        self.birth_date = self.add("birth_date", _("Birth date"), DateField())
        self.pin = self.add("pin", _("PIN"), QLineEdit())
        self.pin.setMaxLength(20)
        self.pin_info = QLabel()
        self.pin_info.setObjectName("pin_info")
        self.form.addRow("", self.pin_info)
        self.pin_override_reason = self.add("pin_override_reason", _("Reason to keep a disagreeing PIN"),
                                            QLineEdit())
        self.patronymic_preview = QLabel()
        self.patronymic_preview.setObjectName("patronymic_preview")
        self.form.addRow(_("Patronymic"), self.patronymic_preview)
        self.patronymic_ky = self.add("patronymic_ky", _("Patronymic in Kyrgyz (override)"), QLineEdit())
        self.patronymic_ru = self.add("patronymic_ru", _("Patronymic in Russian (override)"), QLineEdit())
        self.relation = self.add("relation", _("Relation to the head"), CodeCombo(codes.RELATIONS)) \
            if with_relation else None
        self.residence_status = self.add("residence_status", _("Residence status"),
                                         CodeCombo(codes.RESIDENCE_STATUSES))
        self.status_date = self.add("status_date", _("Status date"), DateField())
        self.nationality = self.add("nationality", _("Nationality"), CodeCombo(codes.NATIONALITIES, blank=True))
        self.education = self.add("education", _("Education"), CodeCombo(codes.EDUCATION, blank=True))
        self.occupation = self.add("occupation", _("Occupation"), QLineEdit())
        self.workplace = self.add("workplace", _("Workplace"), QLineEdit())
        self.disability_group = self.add("disability_group", _("Disability group"), OptionalSpin(1, 3))
        self.phone = self.add("phone", _("Phone"), QLineEdit())
        self.note = self.add("note", _("Note"), QLineEdit())

        box = QGroupBox(_("Social categories"))
        grid = QGridLayout(box)
        self.categories: dict[str, QCheckBox] = {}
        for i, code in enumerate(codes.SOCIAL_CATEGORIES):
            check = QCheckBox(codes.label(codes.SOCIAL_CATEGORIES, code))
            check.toggled.connect(lambda _on: self.changed.emit())
            self.categories[code] = check
            grid.addWidget(check, i // 2, i % 2)
        self.form.addRow(box)
        self._errors["social_categories"] = QLabel()

        for widget in (self.father_name, self.sex):
            signal = widget.textEdited if isinstance(widget, QLineEdit) else widget.currentIndexChanged
            signal.connect(lambda *_args: self._update_patronymic())
        self.pin.textEdited.connect(lambda _t: self._update_pin_info())
        self.sex.currentIndexChanged.connect(lambda _i: self._update_pin_info())
        self.birth_date.textEdited.connect(lambda _t: self._update_pin_info())
        self._update_patronymic()

    # --- live hints --------------------------------------------------------------------------

    def _update_patronymic(self) -> None:
        father = names.father_name_from(names.fix_lookalikes(self.father_name.text()).text)
        sex = self.sex.code()
        if father and sex:
            self.patronymic_preview.setText(
                f"{names.patronymic_ky(father, sex)} / {names.patronymic_ru(father, sex)}")
        else:
            self.patronymic_preview.setText("—")

    def _update_pin_info(self) -> None:
        text = pins.clean(self.pin.text())
        if not text:
            self.pin_info.setText("")
            return
        try:
            decoded = pins.decode(text)
        except pins.PinError as exc:
            self.pin_info.setStyleSheet("color: #b00020;")
            self.pin_info.setText(exc.message if len(text) >= pins.PIN_LENGTH else "")
            return
        try:
            birth = self.birth_date.value()
        except ValueError:
            birth = None
        problems = pins.disagreements(decoded, sex=self.sex.code() or None, birth_date=birth)
        self.pin_info.setStyleSheet("color: #8a5a00;" if problems else "color: #1b5e20;")
        self.pin_info.setText(" ".join(problems) if problems else _("PIN: {sex}, born {date}.").format(
            sex=pins.sex_word(decoded.sex), date=decoded.birth_date.strftime("%d.%m.%Y")))
        # Fill what the PIN tells when the clerk has not entered it yet.
        if not self.sex.code():
            self.sex.set_code(decoded.sex)
        if self.birth_date.is_blank():
            self.birth_date.set_value(decoded.birth_date)

    # --- values ------------------------------------------------------------------------------

    def set_data(self, data: PersonData | None, relation: str = "") -> None:
        data = data or PersonData(surname="", given_name="", sex="")
        self.surname.setText(data.surname)
        self.given_name.setText(data.given_name)
        self.father_name.setText(data.father_name)
        self.sex.set_code(data.sex)
        self.birth_date.set_value(data.birth_date)
        self.pin.setText(data.pin)
        self.pin_override_reason.setText(data.pin_override_reason)
        self.patronymic_ky.setText(data.patronymic_ky)
        self.patronymic_ru.setText(data.patronymic_ru)
        if self.relation is not None:
            self.relation.set_code(relation or "head")
        self.residence_status.set_code(data.residence_status)
        self.status_date.set_value(data.status_date)
        self.nationality.set_code(data.nationality)
        self.education.set_code(data.education)
        self.occupation.setText(data.occupation)
        self.workplace.setText(data.workplace)
        self.disability_group.set_value_or_none(data.disability_group)
        self.phone.setText(data.phone)
        self.note.setText(data.note)
        for code, check in self.categories.items():
            check.setChecked(code in data.social_categories)
        self._update_patronymic()
        self._update_pin_info()

    def relation_code(self) -> str:
        return self.relation.code() if self.relation is not None else "head"

    def data(self) -> PersonData:
        """The form's values; raises ValueError (already shown beside the field) for an impossible date."""
        dates = {}
        bad = {}
        for name in ("birth_date", "status_date"):
            try:
                dates[name] = self.field(name).value()
            except ValueError as exc:
                bad[name] = str(exc)
        if bad:
            self.show_errors(bad)
            raise ValueError(next(iter(bad.values())))
        return PersonData(
            surname=self.surname.text(), given_name=self.given_name.text(), sex=self.sex.code(),
            father_name=self.father_name.text(), birth_date=dates["birth_date"], pin=self.pin.text(),
            pin_override_reason=self.pin_override_reason.text(), patronymic_ky=self.patronymic_ky.text(),
            patronymic_ru=self.patronymic_ru.text(), nationality=self.nationality.code(),
            education=self.education.code(), occupation=self.occupation.text(), workplace=self.workplace.text(),
            social_categories=tuple(c for c, chk in self.categories.items() if chk.isChecked()),
            disability_group=self.disability_group.value_or_none(),
            residence_status=self.residence_status.code(), status_date=dates["status_date"],
            phone=self.phone.text(), note=self.note.text(),
        )
