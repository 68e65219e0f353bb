"""Declarative base with a constraint naming convention and the sync columns every travelling record has."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Integer, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Named constraints let Alembic alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: SQLite has no time zones, so every stored time is UTC by convention."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncMixin:
    """Columns that let a record travel to the district: stable id, version, who/when, tombstone.

    The values are stamped by the change journal (``okmot.db.journal``), never by hand.
    """

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy's declared_attr signature
        # Optimistic concurrency: an UPDATE of a stale version raises instead of overwriting.
        return {"version_id_col": cls.__table__.c.version}

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
