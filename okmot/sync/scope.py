"""Which tables travel in a sync package, and which of their records belong to one office."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, Table, func, select, union
from sqlalchemy.orm import Session

from okmot.models import (AiylAimak, Dwelling, Household, LandPlot, LivestockCount, Machinery, Membership,
                          Movement, Person, RoundVisit, SigningKey, Street, Village)

#: The tables a package carries, in foreign-key order (a parent before its children).
#: Certificates, applications, complaints, fees, the service register, the calendar, the annual
#: round header and settings stay home in format v1: their numbers and codes are unique per
#: office only, and the district owns the reference data (service register, calendar).
#: Users, the audit trail and the change journal are local by nature.
MODELS = (AiylAimak, Village, Street, Person, Household, Membership, Dwelling, LandPlot, LivestockCount,
          Machinery, Movement, RoundVisit, SigningKey)
TABLES: tuple[Table, ...] = tuple(m.__table__ for m in MODELS)
TABLE_NAMES = tuple(t.name for t in TABLES)
BY_NAME = {t.name: t for t in TABLES}

#: Columns that never leave the office (the installation's private signing key).
EXCLUDED_COLUMNS = {m.__tablename__: tuple(getattr(m, "__sync_exclude__", ())) for m in MODELS}

#: Columns referring to the same table: rows are ordered so the referenced one is written first.
SELF_REFERENCES = {"person": "merged_into_id", "movement": "corrects_id"}

_HOUSEHOLD_CHILDREN = (Membership, Dwelling, LandPlot, LivestockCount, Machinery, Movement, RoundVisit)


def columns(table: Table) -> list[str]:
    """The columns of ``table`` a package carries."""
    excluded = EXCLUDED_COLUMNS[table.name]
    return [c.key for c in table.columns if c.key not in excluded]


def owned_ids(table: str, office_id: uuid.UUID, office_code: str) -> Select:
    """A select of the ids of ``table`` that belong to the office (aiyl aimak) ``office_id``.

    Ownership follows the foreign keys up to the aiyl aimak, so a village database that also
    knows a neighbouring aimak (for movements) exports only its own book, and the district can
    count one office's records among everyone's.
    """
    households = select(Household.id).where(Household.aimak_id == office_id)
    if table == "aiyl_aimak":
        return select(AiylAimak.id).where(AiylAimak.id == office_id)
    if table == "village":
        return select(Village.id).where(Village.aimak_id == office_id)
    if table == "street":
        return select(Street.id).where(Street.village_id.in_(select(Village.id).where(Village.aimak_id == office_id)))
    if table == "household":
        return households
    if table == "person":
        # A person belongs to the office whose household lists them (now or in the past).
        return select(union(
            select(Membership.person_id.label("id")).where(Membership.household_id.in_(households)),
            select(Movement.person_id.label("id")).where(Movement.household_id.in_(households),
                                                         Movement.person_id.is_not(None)),
        ).subquery().c.id)
    if table == "signing_key":
        return select(SigningKey.id).where(SigningKey.office_code == office_code)
    for model in _HOUSEHOLD_CHILDREN:
        if model.__tablename__ == table:
            return select(model.id).where(model.household_id.in_(households))
    raise KeyError(table)


def live_counts(session: Session, office_id: uuid.UUID, office_code: str) -> dict[str, int]:
    """Records not tombstoned, per synced table, that belong to the office."""
    counts = {}
    for table in TABLES:
        counts[table.name] = session.scalar(select(func.count()).select_from(table).where(
            table.c.id.in_(owned_ids(table.name, office_id, office_code)), table.c.deleted_at.is_(None))) or 0
    return counts
