"""The audit trail: logins, views and prints of a person's data, exports — appended to a hash chain."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okmot.db import chain
from okmot.db.base import utcnow
from okmot.db.engine import Actor
from okmot.i18n import N_
from okmot.models import AuditEvent

#: The fields of an audit_event row covered by its hash, in order.
CHAIN_FIELDS = ("at", "user_id", "user_name", "action", "subject_table", "subject_id", "detail")

ACTIONS = {
    "login": N_("signed in"),
    "login_failed": N_("failed sign-in"),
    "view_household": N_("viewed a household"),
    "view_person": N_("viewed a person"),
    "print": N_("printed"),
    "export": N_("exported"),
    "import": N_("imported"),
    "backup": N_("backup"),
    "restore": N_("restore"),
    "backup_password_set": N_("set the backup password"),
    "backup_password_changed": N_("changed the backup password"),
    "backup_password_removed": N_("removed the backup password"),
    "logout": N_("signed out"),
    "screen_locked": N_("screen locked"),
    "password_changed": N_("changed own password"),
    "password_reset": N_("reset a password"),
    "account_activated": N_("activated an account"),
    "account_deactivated": N_("deactivated an account"),
    "role_changed": N_("changed an account's role"),
    "certificate_issued": N_("issued a certificate"),
    "certificate_reprinted": N_("reprinted a certificate"),
    "certificate_cancelled": N_("cancelled a certificate"),
    "subject_access": N_("printed a subject-access report"),
    "sync_export": N_("exported a sync package"),
    "sync_import": N_("received a sync package"),
}


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: dt.datetime
    user_name: str
    action: str
    subject_table: str
    subject_id: uuid.UUID | None
    detail: dict


def record(session: Session, actor: Actor, action: str, *, subject_table: str = "",
           subject_id: uuid.UUID | None = None, detail: dict | None = None) -> None:
    """Append one event in the session's transaction (it is kept only if the unit of work commits)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action}")
    row = {"at": utcnow(), "user_id": actor.user_id, "user_name": actor.username, "action": action,
           "subject_table": subject_table, "subject_id": subject_id,
           "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)}
    chain.append(session.connection(), AuditEvent.__table__, [row], CHAIN_FIELDS)


def failures_since(session: Session, username: str, since: dt.datetime) -> int:
    """Failed sign-ins for ``username`` (case-insensitively) since ``since`` (UTC)."""
    rows = session.execute(select(AuditEvent.detail).where(
        AuditEvent.action == "login_failed", AuditEvent.at >= since))
    wanted = username.strip().casefold()
    return sum(1 for (detail,) in rows if json.loads(detail).get("username", "").casefold() == wanted)


def last_success(session: Session, username: str) -> dt.datetime | None:
    return session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "login", func.lower(AuditEvent.user_name) == username.strip().lower()))


def events(session: Session, *, user: str | None = None, subject_id: uuid.UUID | None = None,
           action: str | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None,
           limit: int = 1000) -> list[AuditRow]:
    q = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if user:
        q = q.where(AuditEvent.user_name == user)
    if subject_id is not None:
        q = q.where(AuditEvent.subject_id == subject_id)
    if action:
        q = q.where(AuditEvent.action == action)
    if since is not None:
        q = q.where(AuditEvent.at >= since)
    if until is not None:
        q = q.where(AuditEvent.at < until)
    return [AuditRow(e.seq, e.at, e.user_name, e.action, e.subject_table, e.subject_id, json.loads(e.detail))
            for e in session.scalars(q)]


def view_events(session: Session, by, **filters) -> list[AuditRow]:
    """The audit viewer's query: only roles allowed to see the audit trail get it."""
    from okmot import permissions

    permissions.require(by, "audit.view")
    return events(session, **filters)


def user_names(session: Session) -> list[str]:
    """Every name that appears in the audit trail, for the viewer's filter."""
    return sorted(set(session.scalars(select(AuditEvent.user_name).distinct())), key=str.casefold)
