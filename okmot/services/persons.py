"""People in the book: validation (PIN, names, dates) and saving with the search keys kept in step."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.errors import ConflictError, NotFoundError, ValidationError
from okmot.i18n import _
from okmot.identity import names, pin as pins
from okmot.models import Household, Membership, Person
from okmot.permissions import require_session

LIVING_STATUSES = ("living", "temporarily_absent")


@dataclass(frozen=True)
class PersonData:
    """The editable fields of a person, as a form holds them."""

    surname: str
    given_name: str
    sex: str
    father_name: str = ""
    birth_date: dt.date | None = None
    pin: str = ""
    pin_override_reason: str = ""
    patronymic_ky: str = ""
    patronymic_ru: str = ""
    nationality: str = ""
    education: str = ""
    occupation: str = ""
    workplace: str = ""
    social_categories: tuple[str, ...] = ()
    disability_group: int | None = None
    residence_status: str = "living"
    status_date: dt.date | None = None
    phone: str = ""
    note: str = ""


@dataclass(frozen=True)
class PersonCheck:
    """The outcome of checking a form: the cleaned data, errors, overridable warnings, and fixes made."""

    data: PersonData
    errors: dict[str, str] = field(default_factory=dict)
    #: Problems the clerk may accept by recording a reason (a PIN that disagrees with sex or birth date).
    warnings: dict[str, str] = field(default_factory=dict)
    #: Corrections made silently, shown to the clerk (Latin letters replaced in a name).
    notices: tuple[str, ...] = ()


class PinMismatch(ValidationError):
    """The PIN disagrees with sex or birth date and no reason to keep it was given."""


@dataclass(frozen=True)
class PersonRecord:
    id: uuid.UUID
    version: int
    data: PersonData

    def full_name(self, language: str) -> str:
        return display_name(self.data, language)


def display_name(data: PersonData, language: str) -> str:
    override = data.patronymic_ky if language == "ky" else data.patronymic_ru
    return names.full_name(data.surname, data.given_name, data.father_name, data.sex, language,
                           override=override or None)


def _fix_name(value: str, label: str, notices: list[str]) -> str:
    fixed = names.fix_lookalikes(value)
    if fixed.changed:
        letters = ", ".join(f"{a}→{b}" for a, b in dict.fromkeys(fixed.replaced))
        notices.append(_("{field}: Latin letters replaced with Cyrillic ({letters}).").format(
            field=label, letters=letters))
    return fixed.text


#: Who else holds a PIN among living residents: ``(pin, exclude) -> (name, account) | None``.
PinHolderLookup = Callable[[str, "uuid.UUID | None"], "tuple[str, str] | None"]


def check_person(session: Session, data: PersonData, *, person_id: uuid.UUID | None = None,
                 today: dt.date | None = None, pin_holder: PinHolderLookup | None = None) -> PersonCheck:
    """Validate and clean a person's data. The same rules serve forms, imports and quality checks.

    ``pin_holder`` replaces the per-person database query for PIN uniqueness by a lookup the
    caller built once (the import and the quality dashboard check thousands of people at a time).
    """
    today = today or dt.date.today()
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    notices: list[str] = []
    surname = _fix_name(data.surname, _("Surname"), notices)
    given = _fix_name(data.given_name, _("Given name"), notices)
    father = names.father_name_from(_fix_name(data.father_name, _("Father's name"), notices))
    if not surname:
        errors["surname"] = _("Enter the surname.")
    if not given:
        errors["given_name"] = _("Enter the given name.")
    if data.sex not in codes.SEXES:
        errors["sex"] = _("Choose the sex.")
    if data.birth_date is not None:
        if data.birth_date > today:
            errors["birth_date"] = _("The birth date is in the future.")
        elif data.birth_date.year < 1880:
            errors["birth_date"] = _("The birth date is too far in the past.")
    if data.residence_status not in codes.RESIDENCE_STATUSES:
        errors["residence_status"] = _("Choose the residence status.")
    if data.status_date and data.birth_date and data.status_date < data.birth_date:
        errors["status_date"] = _("The status date is before the birth date.")
    if data.disability_group not in (None, 1, 2, 3):
        errors["disability_group"] = _("The disability group is 1, 2 or 3.")
    unknown = [c for c in data.social_categories if c not in codes.SOCIAL_CATEGORIES]
    if unknown:
        errors["social_categories"] = _("Unknown social category: {codes}.").format(codes=", ".join(unknown))

    pin_text = pins.clean(data.pin)
    if pin_text:
        try:
            decoded = pins.decode(pin_text)
        except pins.PinError as exc:
            errors["pin"] = exc.message
        else:
            problems = pins.disagreements(decoded, sex=data.sex if data.sex in codes.SEXES else None,
                                          birth_date=data.birth_date)
            if problems and not data.pin_override_reason.strip():
                warnings["pin"] = " ".join(problems)
            if data.residence_status in LIVING_STATUSES:
                holder = (pin_holder(pin_text, person_id) if pin_holder is not None
                          else _living_pin_holder(session, pin_text, exclude=person_id))
                if holder:
                    errors["pin"] = _("This PIN already belongs to {name} (household {account}).").format(
                        name=holder[0], account=holder[1] or "—")
    cleaned = replace(
        data, surname=surname, given_name=given, father_name=father, pin=pin_text,
        pin_override_reason=data.pin_override_reason.strip() if pin_text else "",
        patronymic_ky=names.fix_lookalikes(data.patronymic_ky).text,
        patronymic_ru=names.fix_lookalikes(data.patronymic_ru).text,
        occupation=data.occupation.strip(), workplace=data.workplace.strip(), phone=data.phone.strip(),
        social_categories=tuple(dict.fromkeys(data.social_categories)),
    )
    return PersonCheck(cleaned, errors, warnings, tuple(notices))


def _living_pin_holder(session: Session, pin: str, *, exclude: uuid.UUID | None) -> tuple[str, str] | None:
    q = (select(Person, Household.account_number)
         .outerjoin(Membership, (Membership.person_id == Person.id) & Membership.to_date.is_(None)
                    & Membership.deleted_at.is_(None))
         .outerjoin(Household, Household.id == Membership.household_id)
         .where(Person.pin == pin, Person.deleted_at.is_(None),
                Person.residence_status.in_(LIVING_STATUSES)))
    if exclude is not None:
        q = q.where(Person.id != exclude)
    row = session.execute(q.limit(1)).first()
    if row is None:
        return None
    person, account = row
    return (f"{person.surname} {person.given_name}", account or "")


class LivingPinIndex:
    """Every living resident's PIN read in one query: the lookup check_person takes for bulk work."""

    def __init__(self, session: Session):
        self._holders: dict[str, list[tuple[uuid.UUID, str, str]]] = {}
        q = (select(Person.id, Person.pin, Person.surname, Person.given_name, Household.account_number)
             .outerjoin(Membership, (Membership.person_id == Person.id) & Membership.to_date.is_(None)
                        & Membership.deleted_at.is_(None))
             .outerjoin(Household, Household.id == Membership.household_id)
             .where(Person.pin.is_not(None), Person.deleted_at.is_(None),
                    Person.residence_status.in_(LIVING_STATUSES)))
        for pid, pin, surname, given, account in session.execute(q):
            self._holders.setdefault(pin, []).append((pid, f"{surname} {given}", account or ""))

    def __call__(self, pin: str, exclude: uuid.UUID | None) -> tuple[str, str] | None:
        for pid, name, account in self._holders.get(pin, ()):
            if pid != exclude:
                return (name, account)
        return None

    def holders(self, pin: str) -> list[uuid.UUID]:
        return [pid for pid, _name, _account in self._holders.get(pin, ())]


def validated(session: Session, data: PersonData, *, person_id: uuid.UUID | None = None) -> PersonCheck:
    """check_person, raising on errors and on warnings not overridden with a reason."""
    result = check_person(session, data, person_id=person_id)
    if result.errors:
        raise ValidationError(result.errors)
    if result.warnings:
        raise PinMismatch(result.warnings)
    return result


def _apply(person: Person, data: PersonData) -> None:
    person.surname = data.surname
    person.given_name = data.given_name
    person.father_name = data.father_name
    person.patronymic_ky = data.patronymic_ky or None
    person.patronymic_ru = data.patronymic_ru or None
    person.sex = data.sex
    person.birth_date = data.birth_date
    person.pin = data.pin or None
    person.pin_override_reason = data.pin_override_reason or None
    person.nationality = data.nationality
    person.education = data.education
    person.occupation = data.occupation
    person.workplace = data.workplace
    person.social_categories = list(data.social_categories)
    person.disability_group = data.disability_group
    person.residence_status = data.residence_status
    person.status_date = data.status_date
    person.phone = data.phone
    person.note = data.note
    person.surname_key = names.search_key(data.surname)
    person.given_name_key = names.search_key(data.given_name)


def new_person(data: PersonData) -> Person:
    """An ORM person from already validated data (the demo generator and importers use it)."""
    person = Person()
    _apply(person, data)
    return person


def to_data(person: Person) -> PersonData:
    return PersonData(
        surname=person.surname, given_name=person.given_name, sex=person.sex,
        father_name=person.father_name or "", birth_date=person.birth_date, pin=person.pin or "",
        pin_override_reason=person.pin_override_reason or "", patronymic_ky=person.patronymic_ky or "",
        patronymic_ru=person.patronymic_ru or "", nationality=person.nationality or "",
        education=person.education or "", occupation=person.occupation or "",
        workplace=person.workplace or "", social_categories=tuple(person.social_categories or ()),
        disability_group=person.disability_group, residence_status=person.residence_status,
        status_date=person.status_date, phone=person.phone or "", note=person.note or "",
    )


def load(session: Session, person_id: uuid.UUID) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.deleted_at is not None:
        raise NotFoundError(_("The person was not found; they may have been removed."))
    return person


def get_person(session: Session, person_id: uuid.UUID) -> PersonRecord:
    person = load(session, person_id)
    return PersonRecord(person.id, person.version, to_data(person))


def update_person(session: Session, person_id: uuid.UUID, data: PersonData, *,
                  expected_version: int | None = None) -> PersonCheck:
    """Save a person's edited data; refuses to overwrite a newer version saved meanwhile."""
    require_session(session, "household.edit")
    person = load(session, person_id)
    if expected_version is not None and person.version != expected_version:
        raise ConflictError(_("Someone else changed this person meanwhile. Close the form and open it again."))
    result = validated(session, data, person_id=person_id)
    _apply(person, result.data)
    session.flush()
    return result
