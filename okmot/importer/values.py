"""Cell values of imported books turned into typed values, with a translated reason when they cannot be."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from okmot import codes
from okmot.i18n import _, gettext_in
from okmot.identity import pin as pins
from okmot.importer.mapping import normalise

_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: No head count or area in hectares reaches 10**MAX_DIGITS; larger numbers are typing errors.
MAX_DIGITS = 9
_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")

#: Words books use for codes besides the code lists' own labels.
_SYNONYMS = {
    "sex": {"м": "M", "муж": "M", "мужской": "M", "э": "M", "эр": "M", "эркек": "M", "m": "M",
            "ж": "F", "жен": "F", "женский": "F", "а": "F", "аял": "F", "f": "F", "к": "F", "кыз": "F"},
    "relation": {"глава": "head", "глава семьи": "head", "башчы": "head", "башчысы": "head",
                 "үй-бүлө башчысы": "head", "жена": "spouse", "муж": "spouse", "супруга": "spouse",
                 "супруг": "spouse", "аялы": "spouse", "күйөөсү": "spouse", "келини": "daughter_in_law",
                 "невестка": "daughter_in_law", "сноха": "daughter_in_law", "уулу": "son", "кызы": "daughter"},
    "residence_status": {"проживает": "living", "жашайт": "living", "выбыл": "left", "кетти": "left",
                         "умер": "deceased", "умерла": "deceased", "каза болду": "deceased",
                         "временно": "temporarily_absent", "убактылуу": "temporarily_absent"},
}
_TABLES = {"sex": codes.SEXES, "relation": codes.RELATIONS, "residence_status": codes.RESIDENCE_STATUSES}
_lookup_cache: dict[str, dict[str, str]] = {}


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d.%m.%Y")
    return " ".join(str(value).split())


def parse_date(value: object) -> dt.date | None:
    """A date from a date cell, an Excel day number or text (dd.mm.yyyy, d/m/yyyy, yyyy-mm-dd)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 80_000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("{value} is not a date.").format(value=text(value)))
    raw = text(value)
    if not raw:
        return None
    m = _DATE.match(raw)
    if m:
        day, month, year = (int(g) for g in m.groups())
        if len(m.group(3)) != 4:
            raise ValueError(_("{value}: write the year with four digits (dd.mm.yyyy).").format(value=raw))
    else:
        m = _ISO.match(raw)
        if not m:
            raise ValueError(_("{value} is not a date (dd.mm.yyyy).").format(value=raw))
        year, month, day = (int(g) for g in m.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(_("{value} is not a real date.").format(value=raw)) from None


def parse_pin(value: object) -> str:
    """The PIN's digits: Excel keeps a PIN typed as a number as an integer or a float."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return pins.clean(text(value))


def _number(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("{value} is not a number.").format(value=value))
    raw = text(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("{value} is not a number.").format(value=text(value))) from None
    # Decimal also reads "NaN", "Infinity" and 1E+999999999, which no count or area can be.
    if not number.is_finite():
        raise ValueError(_("{value} is not a number.").format(value=text(value)))
    if number and number.adjusted() >= MAX_DIGITS:
        raise ValueError(_("{value} is too large for a count or an area.").format(value=text(value)))
    return number


def parse_area_m2(value: object) -> int | None:
    """An area given in hectares ("0,08") as whole square metres; negative values are returned for the checks."""
    number = _number(value)
    return None if number is None else int((number * 10_000).to_integral_value())


def parse_int(value: object) -> int | None:
    number = _number(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(_("{value} is not a whole number.").format(value=text(value)))
    return int(number)


def _lookup(kind: str) -> dict[str, str]:
    if kind not in _lookup_cache:
        table = _TABLES[kind]
        out = {normalise(k): v for k, v in _SYNONYMS.get(kind, {}).items()}
        for code, label in table.items():
            for name in (code, label, gettext_in("ky", label), gettext_in("ru", label)):
                out.setdefault(normalise(name), code)
        _lookup_cache[kind] = out
    return _lookup_cache[kind]


def parse_code(kind: str, value: object) -> str:
    """A code of a code list from its code, its label in any language, or a common word for it."""
    raw = text(value)
    if not raw:
        return ""
    code = _lookup(kind).get(normalise(raw))
    if code is None:
        raise ValueError(_("{value} is not a known value here.").format(value=raw))
    return code
