"""Working days: weekends, fixed Kyrgyz public holidays and per-year days set by decree (Orozo ait, Kurman ait)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.db.journal import tombstone
from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import N_, _
from okmot.models import CalendarDay

#: Public holidays on fixed dates (Labour Code of the Kyrgyz Republic, art. 113): (month, day, ky, ru).
FIXED_HOLIDAYS: tuple[tuple[int, int, str, str], ...] = (
    (1, 1, "Жаңы жыл", "Новый год"),
    (1, 7, "Рождество Христово", "Рождество Христово"),
    (2, 23, "Ата Мекенди коргоочулар күнү", "День защитника Отечества"),
    (3, 8, "Эл аралык аялдар күнү", "Международный женский день"),
    (3, 21, "Нооруз", "Нооруз"),
    (4, 7, "Элдик Апрель революциясынын күнү", "День Народной Апрельской революции"),
    (5, 1, "Эмгек майрамы", "Праздник труда"),
    (5, 5, "Кыргыз Республикасынын Конституция күнү", "День Конституции Кыргызской Республики"),
    (5, 9, "Жеңиш күнү", "День Победы"),
    (8, 31, "Эгемендүүлүк күнү", "День независимости"),
    (11, 7, "Тарых жана ата-бабаларды эскерүү күндөрү", "Дни истории и памяти предков"),
    (11, 8, "Тарых жана ата-бабаларды эскерүү күндөрү", "Дни истории и памяти предков"),
)

DAY_KINDS = {
    "holiday": N_("public holiday set for the year (Orozo ait, Kurman ait)"),
    "day_off": N_("transferred day off"),
    "working_day": N_("transferred working day"),
}


@dataclass(frozen=True)
class DayEntry:
    on_date: dt.date
    kind: str
    name_ky: str
    name_ru: str
    #: True for a fixed holiday (code data, not editable); False for an administrator's entry.
    fixed: bool = False


class WorkCalendar:
    """The calendar of one office, loaded once so that many deadlines are computed without queries."""

    def __init__(self, entries: dict[dt.date, str]):
        self._entries = entries

    def is_working_day(self, day: dt.date) -> bool:
        kind = self._entries.get(day)
        if kind == "working_day":
            return True
        if kind in ("holiday", "day_off"):
            return False
        if (day.month, day.day) in _FIXED:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (the day of receipt itself is not counted).

        Zero days means "the same day" when ``start`` is a working day, else the next working day.
        """
        day = start
        if days <= 0:
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
            return day
        left = days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


_FIXED = {(m, d) for m, d, _ky, _ru in FIXED_HOLIDAYS}


def load(session: Session) -> WorkCalendar:
    rows = session.execute(select(CalendarDay.on_date, CalendarDay.kind).where(CalendarDay.deleted_at.is_(None)))
    return WorkCalendar({d: k for d, k in rows})


def year_days(session: Session, year: int) -> list[DayEntry]:
    """The year's fixed holidays and the administrator's entries, by date."""
    out = [DayEntry(dt.date(year, m, d), "holiday", ky, ru, True) for m, d, ky, ru in FIXED_HOLIDAYS]
    rows = session.scalars(select(CalendarDay).where(
        CalendarDay.deleted_at.is_(None), CalendarDay.on_date >= dt.date(year, 1, 1),
        CalendarDay.on_date <= dt.date(year, 12, 31)))
    out += [DayEntry(r.on_date, r.kind, r.name_ky, r.name_ru) for r in rows]
    return sorted(out, key=lambda e: (e.on_date, e.fixed))


def set_day(session: Session, *, on_date: dt.date, kind: str, name_ky: str = "", name_ru: str = "") -> None:
    """Add or change the entry for one date (a movable holiday, a transferred day off or working day)."""
    errors = {}
    if kind not in DAY_KINDS:
        errors["kind"] = _("Choose what kind of day this is.")
    if kind == "holiday" and not (name_ky.strip() and name_ru.strip()):
        errors["name_ky"] = _("Enter the holiday's name in Kyrgyz and in Russian.")
    if kind == "working_day" and on_date.weekday() < 5 and (on_date.month, on_date.day) not in _FIXED:
        errors["on_date"] = _("{date} is a working day already.").format(date=on_date.strftime("%d.%m.%Y"))
    if errors:
        raise ValidationError(errors)
    row = session.scalar(select(CalendarDay).where(CalendarDay.on_date == on_date))
    if row is None:
        row = CalendarDay(on_date=on_date)
        session.add(row)
    row.kind, row.name_ky, row.name_ru, row.deleted_at = kind, name_ky.strip(), name_ru.strip(), None
    session.flush()


def remove_day(session: Session, on_date: dt.date) -> None:
    row = session.scalar(select(CalendarDay).where(CalendarDay.on_date == on_date, CalendarDay.deleted_at.is_(None)))
    if row is None:
        raise NotFoundError(_("{date} has no entry of the administrator to remove.").format(
            date=on_date.strftime("%d.%m.%Y")))
    tombstone(row)
    session.flush()
