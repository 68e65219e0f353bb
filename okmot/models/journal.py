"""The change journal table: one row per record change, read by sync export and the audit viewer."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base


class ChangeLog(Base):
    __tablename__ = "change_log"

    #: Monotonic sequence: a sync export takes everything after the last sequence it sent.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_name: Mapped[str] = mapped_column(String(60))
    table_name: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    op: Mapped[str] = mapped_column(String(10))  # insert / update / delete
    version: Mapped[int] = mapped_column(Integer)
    #: JSON: the new values for an insert, {field: [old, new]} for an update or delete.
    changes: Mapped[str] = mapped_column(Text)
    #: Tamper evidence (okmot.db.chain): the previous row's hash and this row's own.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Something done that is not a data change: a login, a view or print of a person's data, an export."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    user_name: Mapped[str] = mapped_column(String(60))
    #: login, login_failed, logout, view_household, view_person, print, export, import, backup, restore …
    action: Mapped[str] = mapped_column(String(30), index=True)
    subject_table: Mapped[str] = mapped_column(String(60), default="")
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    #: JSON with what else matters (file name, certificate number, reason).
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
