"""Territory: the aiyl aimak (rural municipality), its villages and streets."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okmot.db.base import Base, SyncMixin


class AiylAimak(SyncMixin, Base):
    __tablename__ = "aiyl_aimak"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_ky: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    rayon_ky: Mapped[str] = mapped_column(String(200), default="")
    rayon_ru: Mapped[str] = mapped_column(String(200), default="")
    oblast_ky: Mapped[str] = mapped_column(String(200), default="")
    oblast_ru: Mapped[str] = mapped_column(String(200), default="")

    villages: Mapped[list[Village]] = relationship(back_populates="aimak")


class Village(SyncMixin, Base):
    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("aimak_id", "code"),)

    aimak_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("aiyl_aimak.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name_ky: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    #: Normalised name for search-as-you-type (see okmot.identity.names.search_key).
    name_key: Mapped[str] = mapped_column(String(200), index=True)

    aimak: Mapped[AiylAimak] = relationship(back_populates="villages")
    streets: Mapped[list[Street]] = relationship(back_populates="village")


class Street(SyncMixin, Base):
    __tablename__ = "street"

    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("village.id"), index=True)
    name_ky: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)

    village: Mapped[Village] = relationship(back_populates="streets")
