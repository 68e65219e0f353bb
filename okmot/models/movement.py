"""Movements of the household book: births, deaths, arrivals, departures, transfers, head changes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Movement(SyncMixin, Base):
    """One event in the life of a household or person, with its date (``on_date``) and basis.

    Nothing is deleted: a mistaken entry is answered by a correcting entry (``corrects_id``) or an
    edit, both of which the change journal records.
    """

    __tablename__ = "movement"

    #: birth, death, arrival, departure, transfer, split, head_change, close, reopen, merge, correction
    kind: Mapped[str] = mapped_column(String(20), index=True)
    on_date: Mapped[dt.date] = mapped_column(Date, index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: The other household of a transfer or split (where the person came from or went to).
    other_household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"))
    #: The other person of a merge or head change (the previous head, the duplicate merged away).
    other_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    #: From where / to where, as said: another aiyl aimak, rayon, oblast or country.
    place: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(80), default="")
    temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The document the entry is based on: kind (passport, birth certificate, death certificate,
    #: application, address sheet, …), number, and free text.
    basis_kind: Mapped[str] = mapped_column(String(40), default="")
    basis_number: Mapped[str] = mapped_column(String(60), default="")
    basis_text: Mapped[str] = mapped_column(Text, default="")
    #: Civil-status act number (births, deaths) when known.
    act_number: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("movement.id"))
