"""Ages on a date and the age groups of the statistics (pension age: men 63, women 58)."""

from __future__ import annotations

import datetime as dt

from okmot.i18n import N_

PENSION_AGE = {"M": 63, "F": 58}
ADULT_AGE = 18
SCHOOL_AGES = range(7, 18)

#: (code, label) in report order; "working" is 18 up to the pension age of the person's sex.
AGE_GROUPS: tuple[tuple[str, str], ...] = (
    ("0_2", N_("0–2 years")),
    ("3_6", N_("3–6 years")),
    ("7_17", N_("7–17 years")),
    ("working", N_("working age (men 18–62, women 18–57)")),
    ("pension", N_("pension age (men 63+, women 58+)")),
    ("unknown", N_("birth date not recorded")),
)

#: Five-year bands of the population pyramid; the last one is open.
PYRAMID_BANDS: tuple[tuple[int, int | None], ...] = tuple((a, a + 4) for a in range(0, 80, 5)) + ((80, None),)


def age(birth: dt.date, on: dt.date) -> int:
    """Completed years on ``on`` (someone born on 29 February turns a year older on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day ``years`` are completed: 29 February falls on 1 March in a common year."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def age_group(sex: str, birth: dt.date | None, on: dt.date) -> str:
    if birth is None:
        return "unknown"
    a = age(birth, on)
    if a <= 2:
        return "0_2"
    if a <= 6:
        return "3_6"
    if a <= 17:
        return "7_17"
    return "pension" if a >= PENSION_AGE.get(sex, 63) else "working"


def pyramid_band(birth: dt.date | None, on: dt.date) -> int | None:
    """Index of the five-year band, None when the birth date is unknown."""
    if birth is None:
        return None
    return min(age(birth, on) // 5, len(PYRAMID_BANDS) - 1)


def band_label(index: int) -> str:
    lo, hi = PYRAMID_BANDS[index]
    return f"{lo}+" if hi is None else f"{lo}–{hi}"
