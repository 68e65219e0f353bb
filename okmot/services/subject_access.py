"""Subject-access report (Law 58, Art. 17): everything held about one person, and who accessed it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from okmot import permissions
from okmot.db import journal
from okmot.models import ChangeLog, Household, Membership
from okmot.models.certificates import Certificate
from okmot.services.certificates import KINDS
from okmot.services import audit, movements, persons, territory
from okmot.services.audit import AuditRow
from okmot.services.auth import UserInfo
from okmot.services.movements import HistoryEntry
from okmot.services.persons import PersonData


@dataclass(frozen=True)
class StayLine:
    account_number: str
    relation: str
    from_date: dt.date | None
    to_date: dt.date | None
    end_reason: str


@dataclass(frozen=True)
class CertificateLine:
    number: str
    issued_on: dt.date
    kind: str
    status: str
    subject_name: str


@dataclass(frozen=True)
class ChangeLine:
    at: dt.datetime
    user_name: str
    table_name: str
    op: str
    changes: str


@dataclass(frozen=True)
class SubjectAccess:
    """Plain data for reports.subject_access; codes are left for the renderer to translate."""

    office: str
    person_id: uuid.UUID
    full_name: str
    person: PersonData
    stays: tuple[StayLine, ...]
    movements: tuple[HistoryEntry, ...]
    certificates: tuple[CertificateLine, ...]
    changes: tuple[ChangeLine, ...]
    accesses: tuple[AuditRow, ...]
    generated_at: dt.datetime
    generated_by: str
    #: Untranslated labels (message ids) of certificate kinds and audit actions, for the renderer.
    kind_labels: dict[str, str]
    action_labels: dict[str, str]


def _changes_text(raw: str) -> str:
    """One line per field: "field: new" for an insert, "field: old → new" for an update."""
    data = journal.payload(raw)
    lines = []
    for key, value in sorted(data.items()):
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{key}: {value[0]} → {value[1]}")
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)


def collect(session: Session, by: UserInfo | None, person_id: uuid.UUID, *, language: str = "ky",
            requested_by: str = "") -> SubjectAccess:
    """Gather the report and record that it was made (call in a unit of work of ``by``).

    ``by`` None is the program itself (the command line): the audit event is recorded under the unit
    of work's system actor, with ``requested_by`` (the operator's name, if given) in its detail.
    """
    from okmot.db.journal import actor_of

    actor = by.actor if by is not None else actor_of(session)
    if actor is None:
        raise ValueError("a subject-access report is made in a unit of work with an actor")
    permissions.require(actor, "subject_access.print")
    record = persons.get_person(session, person_id)
    stays = session.execute(
        select(Membership, Household.account_number).join(Household, Household.id == Membership.household_id)
        .where(Membership.person_id == person_id, Membership.deleted_at.is_(None))
        .order_by(Membership.from_date)).all()
    household_ids = {m.household_id for m, _acc in stays}
    certificates = session.scalars(select(Certificate).where(
        Certificate.deleted_at.is_(None),
        or_(Certificate.person_id == person_id, Certificate.household_id.in_(household_ids)))
        .order_by(Certificate.issued_on, Certificate.number))
    record_ids = {person_id} | {m.id for m, _acc in stays}
    changes = session.scalars(select(ChangeLog).where(ChangeLog.record_id.in_(record_ids)).order_by(ChangeLog.seq))
    accesses = [e for subject in (person_id, *sorted(household_ids))
                for e in audit.events(session, subject_id=subject, limit=100_000)]
    accesses.sort(key=lambda e: e.seq)
    office = territory.home_office(session)
    audit.record(session, actor, "subject_access", subject_table="person", subject_id=person_id,
                 detail={"requested_by": requested_by} if requested_by else None)
    generated_by = (by.full_name or by.username) if by is not None else (requested_by or actor.username)
    return SubjectAccess(
        office=office.name(language) if office else "", person_id=person_id,
        full_name=record.full_name(language), person=record.data,
        stays=tuple(StayLine(acc, m.relation, m.from_date, m.to_date, m.end_reason) for m, acc in stays),
        movements=movements.person_history(session, person_id),
        certificates=tuple(CertificateLine(c.number, c.issued_on, c.kind, c.status, c.subject_name)
                           for c in certificates),
        changes=tuple(ChangeLine(c.at, c.user_name, c.table_name, c.op, _changes_text(c.changes)) for c in changes),
        accesses=tuple(accesses), generated_at=dt.datetime.now(), generated_by=generated_by,
        kind_labels=dict(KINDS), action_labels=dict(audit.ACTIONS))
