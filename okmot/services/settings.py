"""Business settings kept in the database, each declared once with its type and default."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.models import Setting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: type
    default: Any


SPECS = {spec.key: spec for spec in (
    #: The aiyl aimak this database belongs to (its id), set at setup.
    SettingSpec("office_id", str, None),
    #: Distinguishes two installations of one office (certificate numbers, sync packages).
    SettingSpec("installation_id", str, None),
)}


def get(session: Session, key: str) -> Any:
    spec = SPECS[key]
    row = session.scalar(select(Setting).where(Setting.key == key, Setting.deleted_at.is_(None)))
    return spec.default if row is None else row.value


def put(session: Session, key: str, value: Any) -> None:
    spec = SPECS[key]
    if value is not None and not isinstance(value, spec.type):
        raise TypeError(f"setting {key} takes {spec.type.__name__}")
    row = session.scalar(select(Setting).where(Setting.key == key))
    if row is None:
        session.add(Setting(key=key, value=value))
    elif row.value != value or row.deleted_at is not None:
        row.value = value
        row.deleted_at = None


def installation_id(session: Session) -> str:
    """This installation's id, created the first time it is asked for."""
    value = get(session, "installation_id")
    if value is None:
        value = str(uuid.uuid4())
        put(session, "installation_id", value)
    return value
