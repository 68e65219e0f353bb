"""Business settings kept in the database, each declared once with its type and default."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.db import ids
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
    #: Column mappings of imported household books, by the file's header line (okmot.importer.mapping).
    SettingSpec("import_column_mappings", dict, None),
    #: Pairs of persons a clerk marked as two different people (okmot.services.duplicates).
    SettingSpec("duplicates_dismissed", list, None),
    #: Cross-office pairs the district operator marked as reviewed (okmot.services.cross_office).
    SettingSpec("cross_office_reviewed", list, None),
    # Certificates (okmot.services.certificates): letterhead, signatory, numbering.
    SettingSpec("office_address_ky", str, ""),
    SettingSpec("office_address_ru", str, ""),
    SettingSpec("signatory_name_ky", str, ""),
    SettingSpec("signatory_name_ru", str, ""),
    SettingSpec("signatory_position_ky", str, "Айыл өкмөтүнүн башчысы"),
    SettingSpec("signatory_position_ru", str, "Глава айыл окмоту"),
    #: Short code of this installation in certificate numbers; derived from installation_id when unset.
    SettingSpec("installation_code", str, None),
    #: First sequence number of a year's series, to continue a paper register.
    SettingSpec("certificate_number_start", int, 1),
    #: Days to answer a complaint or appeal (Law No. 67: 14 days).
    SettingSpec("complaint_answer_days", int, 14),
    #: Income norms for the household income estimate: {"land": {category: tyiyn per ha per year},
    #: "livestock": {species: tyiyn per head per year}}.
    SettingSpec("income_norms", dict, {"land": {}, "livestock": {}}),
    # Office setup (okmot.services.office_setup: the first-run wizard and the Settings dialog).
    SettingSpec("office_phone", str, ""),
    #: A second folder (a USB stick, a network share) that every automatic backup is copied to.
    SettingSpec("backup_copy_dir", str, None),
    #: The public key file the district gave, base64 of its bytes, and its SHA-256 fingerprint.
    SettingSpec("district_public_key", str, None),
    SettingSpec("district_key_fingerprint", str, None),
    #: Village: the district's reference package in use (okmot.sync.reference_apply): its version
    #: and {"created_at", "applied_at", "key_fingerprint"}.
    SettingSpec("reference_version", int, 0),
    SettingSpec("reference_applied", dict, None),
    #: District: the version of the last reference package published (okmot.sync.reference).
    SettingSpec("reference_published_version", int, 0),
    #: Minutes without keyboard or mouse input before the screen locks (0 turns the lock off).
    SettingSpec("idle_lock_minutes", int, 10),
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
    ids.remember(session, value)
    return value
