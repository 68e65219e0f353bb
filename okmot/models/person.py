"""A person recorded in the household book, whatever their residence status."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Person(SyncMixin, Base):
    __tablename__ = "person"

    #: Indexed with the id (below), as are the name keys.
    pin: Mapped[str | None] = mapped_column(String(14))
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
    surname_key: Mapped[str] = mapped_column(String(100))
    given_name_key: Mapped[str] = mapped_column(String(100))


# Search goes from a name or PIN prefix to the persons' stays: with the id in the index, the
# person rows themselves are not read (a district's surname prefix is borne by thousands).
Index("ix_person_pin_id", Person.pin, Person.id)
Index("ix_person_surname_key_id", Person.surname_key, Person.id)
Index("ix_person_given_name_key_id", Person.given_name_key, Person.id)
