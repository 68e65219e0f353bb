"""Citizens' applications for municipal services: the applications journal."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Application(SyncMixin, Base):
    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("installation_code", "year", "seq"),)

    #: Printed number: year, installation and a sequence, unique across installations.
    number: Mapped[str] = mapped_column(String(40), unique=True)
    installation_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_entry.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    #: counter, mail, electronic, mobile (a clerk's laptop in a remote village).
    channel: Mapped[str] = mapped_column(String(20), default="counter")
    applicant_name: Mapped[str] = mapped_column(String(300))
    applicant_pin: Mapped[str] = mapped_column(String(14), default="")
    applicant_address: Mapped[str] = mapped_column(String(300), default="")
    applicant_phone: Mapped[str] = mapped_column(String(40), default="")
    #: The category of the standard's documents and fees ("citizen", "representative", ...).
    applicant_category: Mapped[str] = mapped_column(String(30), default="citizen")
    representative_name: Mapped[str] = mapped_column(String(300), default="")
    #: The document giving the representative authority (power of attorney number and date).
    representative_authority: Mapped[str] = mapped_column(String(300), default="")
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    #: Codes of the standard's checklist that were presented.
    documents_presented: Mapped[list] = mapped_column(JSON, default=list)
    #: Served without queue: veteran, disabled, pregnant (""=none).
    priority: Mapped[str] = mapped_column(String(20), default="")
    #: The service protects life or health: it may not be refused.
    life_or_health: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: received, in_work, ready, issued, refused, returned
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    status_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    correction_due_on: Mapped[dt.date | None] = mapped_column(Date)
    correction_note: Mapped[str] = mapped_column(Text, default="")
    refusal_code: Mapped[str] = mapped_column(String(40), default="")
    refusal_note: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
