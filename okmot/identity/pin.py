"""The 14-digit PIN: 1 = female / 2 = male, then the birth date DDMMYYYY, then a 5-digit serial."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from okmot.i18n import _

PIN_LENGTH = 14


@dataclass(frozen=True)
class DecodedPin:
    pin: str
    sex: str  # "F" or "M"
    birth_date: dt.date
    serial: str


class PinError(ValueError):
    """The PIN cannot be a PIN at all; ``message`` says why in the active language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean(text: str) -> str:
    """Drop the spaces and dashes people type inside a PIN."""
    return "".join(ch for ch in text if ch not in " -\t")


def decode(text: str) -> DecodedPin:
    """Decode a PIN or raise PinError naming the problem."""
    pin = clean(text)
    if not pin.isdigit() or not pin.isascii():
        raise PinError(_("A PIN may contain only digits."))
    if len(pin) != PIN_LENGTH:
        raise PinError(_("A PIN has 14 digits; this one has {n}.").format(n=len(pin)))
    if pin[0] not in "12":
        raise PinError(_("The first digit of a PIN must be 1 (female) or 2 (male)."))
    try:
        birth = dt.date(int(pin[5:9]), int(pin[3:5]), int(pin[1:3]))
    except ValueError:
        raise PinError(
            _("Digits 2–9 of a PIN must be a real birth date (DDMMYYYY); {text} is not.").format(text=pin[1:9])
        ) from None
    if birth.year < 1880 or birth > dt.date.today():
        raise PinError(_("The birth date in the PIN ({date}) is impossible.").format(date=birth.strftime("%d.%m.%Y")))
    return DecodedPin(pin=pin, sex="F" if pin[0] == "1" else "M", birth_date=birth, serial=pin[9:])


def encode(sex: str, birth_date: dt.date, serial: int) -> str:
    """Build a PIN (the demo generator and tests use it)."""
    return f"{1 if sex == 'F' else 2}{birth_date:%d%m%Y}{serial:05d}"


def disagreements(decoded: DecodedPin, *, sex: str | None, birth_date: dt.date | None) -> list[str]:
    """Translated warnings where the PIN disagrees with the person's recorded sex or birth date."""
    problems = []
    if sex and decoded.sex != sex:
        problems.append(_("The PIN says the person is {pin_sex}, but the record says {sex}.").format(
            pin_sex=sex_word(decoded.sex), sex=sex_word(sex)))
    if birth_date and decoded.birth_date != birth_date:
        problems.append(_("The PIN gives birth date {pin_date}, but the record says {date}.").format(
            pin_date=decoded.birth_date.strftime("%d.%m.%Y"), date=birth_date.strftime("%d.%m.%Y")))
    return problems


def sex_word(sex: str) -> str:
    return _("female") if sex == "F" else _("male")
