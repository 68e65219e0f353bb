"""Business settings stored in the database as typed JSON values (schema in okmot.services.settings)."""

from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class Setting(SyncMixin, Base):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[object] = mapped_column(JSON)
