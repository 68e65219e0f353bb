"""Issued certificates, their printings (originals and duplicates) and fee payments."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Certificate(SyncMixin, Base):
    """One certificate as issued: its number and the exact content printed, so a reprint is identical."""

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("office_code", "installation_code", "year", "seq"),)

    number: Mapped[str] = mapped_column(String(60), unique=True)
    office_code: Mapped[str] = mapped_column(String(20))
    installation_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)
    #: The household book was read as of this date (the issue date unless an earlier one was chosen).
    as_of: Mapped[dt.date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(10))
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("application.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(300), default="")
    applicant_name: Mapped[str] = mapped_column(String(300), default="")
    purpose: Mapped[str] = mapped_column(String(300), default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_position: Mapped[str] = mapped_column(String(200), default="")
    fee_tyiyn: Mapped[int] = mapped_column(Integer, default=0)
    #: Everything printed, in every language issued (reports.certificates renders it).
    content: Mapped[dict] = mapped_column(JSON)
    #: SHA-256 of the canonical JSON of ``content``; the QR carries it.
    content_digest: Mapped[str] = mapped_column(String(64))
    #: The signed record printed as the QR code.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="issued", index=True)
    cancelled_on: Mapped[dt.date | None] = mapped_column(Date)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")


class CertificatePrint(SyncMixin, Base):
    """One printing: the original, or a duplicate (a repeat copy, the lawful case for a fee)."""

    __tablename__ = "certificate_print"

    certificate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certificate.id"), index=True)
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_tyiyn: Mapped[int] = mapped_column(Integer, default=0)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("fee_payment.id"))


class FeePayment(SyncMixin, Base):
    """Money taken for a service, in integer tyiyn (1 som = 100 tyiyn), with the receipt number."""

    __tablename__ = "fee_payment"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_entry.id"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("application.id"), index=True)
    certificate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date, index=True)
    amount_tyiyn: Mapped[int] = mapped_column(Integer)
    receipt_number: Mapped[str] = mapped_column(String(60))
    #: "service" (a paid service) or "duplicate" (a repeat copy).
    reason: Mapped[str] = mapped_column(String(20), default="service")
    payer_name: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
