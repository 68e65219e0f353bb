"""A person recorded in the household book, whatever their residence status."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Person(SyncMixin, Base):
    __tablename__ = "person"

    pin: Mapped[str | None] = mapped_column(String(14), index=True)
    #: Why a PIN that disagrees with sex or birth date was kept anyway.
    pin_override_reason: Mapped[str | None] = mapped_column(Text)
    surname: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    #: The father's given name as said ("Асан"); rendered per language as уулу/кызы or -ович/-овна.
    father_name: Mapped[str] = mapped_column(String(100), default="")
    patronymic_ky: Mapped[str | None] = mapped_column(String(120))
    patronymic_ru: Mapped[str | None] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))  # "F" or "M"
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(30), default="")
    education: Mapped[str] = mapped_column(String(30), default="")
    occupation: Mapped[str] = mapped_column(String(200), default="")
    workplace: Mapped[str] = mapped_column(String(200), default="")
    #: Codes from okmot.codes.SOCIAL_CATEGORIES (pensioner, veteran, low_income, ...).
    social_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    disability_group: Mapped[int | None] = mapped_column(Integer)
    residence_status: Mapped[str] = mapped_column(String(20), default="living", index=True)
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: Set when this record was found to be a duplicate and merged into another person.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))

    # Normalised search keys, kept in step with the names by okmot.services.persons.
    surname_key: Mapped[str] = mapped_column(String(100), index=True)
    given_name_key: Mapped[str] = mapped_column(String(100), index=True)
