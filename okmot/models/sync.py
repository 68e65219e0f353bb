"""Sync registers: offices the district trusts, packages a village sent, packages the district imported."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class TrustedOffice(SyncMixin, Base):
    """District side: the public key an office's packages must be signed with, trusted once by an operator."""

    __tablename__ = "sync_trusted_office"
    __table_args__ = (UniqueConstraint("office_code", "installation_id"),)

    office_code: Mapped[str] = mapped_column(String(20), index=True)
    #: The aiyl aimak's id in the office's own database (its records keep that id at the district).
    office_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    installation_id: Mapped[str] = mapped_column(String(40))
    public_key: Mapped[str] = mapped_column(String(60))
    fingerprint: Mapped[str] = mapped_column(String(64))
    trusted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    trusted_by: Mapped[str] = mapped_column(String(60))


class SentPackage(SyncMixin, Base):
    """Village side: one row per package written; the next incremental package starts after ``to_seq``."""

    __tablename__ = "sync_sent_package"

    package_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    full: Mapped[bool] = mapped_column(Boolean)
    #: change_log sequence numbers covered: (from_seq, to_seq]; from_seq is 0 for a full package.
    from_seq: Mapped[int] = mapped_column(Integer)
    to_seq: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ImportedPackage(SyncMixin, Base):
    """District side: the import log, one row per import attempt that got as far as a readable manifest."""

    __tablename__ = "sync_imported_package"

    package_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    office_code: Mapped[str] = mapped_column(String(20), index=True)
    installation_id: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    full: Mapped[bool] = mapped_column(Boolean)
    #: imported or refused.
    result: Mapped[str] = mapped_column(String(20), index=True)
    #: {table: {"new": n, "updated": n, "unchanged": n, "deleted": n, "conflicts": n}}.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    package_created_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(60))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    message: Mapped[str] = mapped_column(Text, default="")
