"""The 1 January round: the year's walk through the village, and which households were visited."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class AnnualRound(SyncMixin, Base):
    __tablename__ = "annual_round"

    year: Mapped[int] = mapped_column(Integer, unique=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    finished_on: Mapped[dt.date | None] = mapped_column(Date)


class RoundVisit(SyncMixin, Base):
    """A household's records for ``year`` were confirmed by a clerk on ``visited_on``."""

    __tablename__ = "round_visit"
    __table_args__ = (UniqueConstraint("year", "household_id"),)

    year: Mapped[int] = mapped_column(Integer, index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
