"""Which tables travel in a sync package, and which of their records belong to one office."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, Table, exists, func, or_, select, union
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
_CHILD_TABLES = frozenset(m.__tablename__ for m in _HOUSEHOLD_CHILDREN)


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


def owned_where(table: Table, office_id: uuid.UUID, office_code: str, *, per_row: bool = False) -> ColumnElement:
    """A condition on the rows of ``table`` itself that holds for the office's records (as ``owned_ids``).

    Unlike ``table.c.id.in_(owned_ids(...))`` it needs no list of every owned id: the database
    tests each row through its own foreign key. ``per_row`` correlates the test with the row
    (EXISTS over indexed keys), which costs per row read: for a few chosen rows (an incremental
    package) instead of a set built from the whole office.
    """
    name = table.name
    if name == "aiyl_aimak":
        return table.c.id == office_id
    if name == "village":
        return table.c.aimak_id == office_id
    if name == "signing_key":
        return table.c.office_code == office_code
    if name == "household":
        return table.c.aimak_id == office_id
    if name == "street":
        if per_row:
            return exists().where(Village.id == table.c.village_id, Village.aimak_id == office_id)
        return table.c.village_id.in_(select(Village.id).where(Village.aimak_id == office_id))
    if name == "person":
        if per_row:
            return or_(*(exists().where(child.person_id == table.c.id, Household.id == child.household_id,
                                        Household.aimak_id == office_id) for child in (Membership, Movement)))
        return table.c.id.in_(owned_ids(name, office_id, office_code))
    if name in _CHILD_TABLES:
        if per_row:
            return exists().where(Household.id == table.c.household_id, Household.aimak_id == office_id)
        return table.c.household_id.in_(select(Household.id).where(Household.aimak_id == office_id))
    raise KeyError(name)


def live_counts(session: Session, office_id: uuid.UUID, office_code: str) -> dict[str, int]:
    """Records not tombstoned, per synced table, that belong to the office.

    Each count filters the table by its own foreign key (``owned_where``), so the database
    counts along its indexes instead of matching every record against a list of owned ids:
    an incremental export runs this on every package.
    """
    counts = {}
    for table in TABLES:
        counts[table.name] = session.scalar(select(func.count()).select_from(table).where(
            owned_where(table, office_id, office_code), table.c.deleted_at.is_(None))) or 0
    return counts
