"""Complaints and citizens' appeals: registered in a working day, answered within the set days."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Complaint(SyncMixin, Base):
    __tablename__ = "complaint"
    __table_args__ = (UniqueConstraint("installation_code", "year", "seq"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    installation_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    #: "complaint" (about a service) or "appeal" (a citizen's appeal, Law No. 67).
    kind: Mapped[str] = mapped_column(String(20), default="complaint")
    received_on: Mapped[dt.date] = mapped_column(Date)
    register_due_on: Mapped[dt.date] = mapped_column(Date)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    answer_due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    author_name: Mapped[str] = mapped_column(String(300))
    author_contact: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(Text)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("application.id"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_entry.id"))
    #: received, registered, extended, escalated, answered
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    escalated_to: Mapped[str] = mapped_column(String(300), default="")
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    #: upheld, partly_upheld, rejected, explained
    outcome: Mapped[str] = mapped_column(String(20), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[dt.date | None] = mapped_column(Date)
