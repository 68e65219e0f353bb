"""Accounts of the people who use Okmot in the office."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class User(SyncMixin, Base):
    __tablename__ = "app_user"
    __journal_redact__ = ("password_hash",)

    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(30))
    #: Argon2id hash (memory-hard); the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
