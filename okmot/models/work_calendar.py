"""Per-year calendar entries set by decree: movable holidays, transferred days off and working days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class CalendarDay(SyncMixin, Base):
    """A date whose status differs from the fixed rules (weekends and fixed public holidays)."""

    __tablename__ = "calendar_day"

    on_date: Mapped[dt.date] = mapped_column(Date, unique=True)
    #: "holiday" (Orozo ait, Kurman ait, a one-off holiday), "day_off" (a transferred day of rest)
    #: or "working_day" (a Saturday or holiday made a working day by decree).
    kind: Mapped[str] = mapped_column(String(20))
    name_ky: Mapped[str] = mapped_column(String(200), default="")
    name_ru: Mapped[str] = mapped_column(String(200), default="")
