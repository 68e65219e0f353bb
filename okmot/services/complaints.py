"""Complaints and citizens' appeals: registered within 1 working day, answered within the set days, escalated."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import N_, _
from okmot.identity.names import fix_lookalikes
from okmot.models import Complaint
from okmot.permissions import require_session
from okmot.services import numbering, settings, work_calendar

KINDS = {"complaint": N_("complaint about a service"), "appeal": N_("citizen's appeal")}
STATUSES = {"received": N_("received"), "registered": N_("registered"), "extended": N_("extended"),
            "escalated": N_("escalated"), "answered": N_("answered")}
OUTCOMES = {"upheld": N_("upheld"), "partly_upheld": N_("partly upheld"), "rejected": N_("rejected"),
            "explained": N_("explained")}
#: Registered within one working day (003:4891); an extension may not go beyond 30 days (Law No. 67).
REGISTER_DAYS = 1
MAX_EXTENSION_DAYS = 30


@dataclass(frozen=True)
class ComplaintRecord:
    id: uuid.UUID
    version: int
    number: str
    kind: str
    received_on: dt.date
    register_due_on: dt.date
    registered_on: dt.date | None
    answer_due_on: dt.date
    author_name: str
    author_contact: str
    subject: str
    application_id: uuid.UUID | None
    service_id: uuid.UUID | None
    status: str
    extension_reason: str
    escalated_to: str
    outcome: str
    answer: str
    answered_on: dt.date | None

    def overdue(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        if self.status == "answered":
            return False
        if self.registered_on is None and today > self.register_due_on:
            return True
        return today > self.answer_due_on


def _record(r: Complaint) -> ComplaintRecord:
    return ComplaintRecord(r.id, r.version, r.number, r.kind, r.received_on, r.register_due_on, r.registered_on,
                           r.answer_due_on, r.author_name, r.author_contact, r.subject, r.application_id,
                           r.service_id, r.status, r.extension_reason or "", r.escalated_to or "", r.outcome or "",
                           r.answer or "", r.answered_on)


def _load(session: Session, complaint_id: uuid.UUID) -> Complaint:
    row = session.get(Complaint, complaint_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(_("The complaint was not found."))
    return row


def receive(session: Session, *, author_name: str, subject: str, kind: str = "complaint", author_contact: str = "",
            received_on: dt.date | None = None, application_id: uuid.UUID | None = None,
            service_id: uuid.UUID | None = None, register_now: bool = True) -> ComplaintRecord:
    """Take a complaint or appeal; the answer is due the set number of days after registration."""
    require_session(session, "complaint.edit")
    errors = {}
    if kind not in KINDS:
        errors["kind"] = _("Choose complaint or appeal.")
    name = fix_lookalikes(author_name).text
    if not name:
        errors["author_name"] = _("Enter the name of the person who complains.")
    if not subject.strip():
        errors["subject"] = _("Write what the complaint is about.")
    received = received_on or dt.date.today()
    if received > dt.date.today():
        errors["received_on"] = _("The date of receipt is in the future.")
    if errors:
        raise ValidationError(errors)
    cal = work_calendar.load(session)
    installation = numbering.installation_code(session)
    seq = numbering.next_sequence(session, Complaint, installation_code=installation, year=received.year)
    register_due = cal.add_working_days(received, REGISTER_DAYS)
    row = Complaint(number=f"Ж-{received.year}-{installation}-{seq:04d}", installation_code=installation,
                    year=received.year, seq=seq, kind=kind, received_on=received, register_due_on=register_due,
                    author_name=name, author_contact=author_contact.strip(), subject=subject.strip(),
                    application_id=application_id, service_id=service_id, status="received",
                    answer_due_on=_answer_due(session, register_due))
    session.add(row)
    session.flush()
    if register_now:
        return register(session, row.id, on=received)
    return _record(row)


def _answer_due(session: Session, registered_on: dt.date) -> dt.date:
    return registered_on + dt.timedelta(days=settings.get(session, "complaint_answer_days") or 14)


def register(session: Session, complaint_id: uuid.UUID, *, on: dt.date | None = None) -> ComplaintRecord:
    require_session(session, "complaint.edit")
    row = _load(session, complaint_id)
    if row.registered_on is not None:
        raise ValidationError({"status": _("The complaint is registered already.")})
    on = on or dt.date.today()
    row.registered_on, row.status = on, "registered"
    row.answer_due_on = _answer_due(session, on)
    session.flush()
    return _record(row)


def extend(session: Session, complaint_id: uuid.UUID, *, until: dt.date, reason: str) -> ComplaintRecord:
    require_session(session, "complaint.edit")
    row = _load(session, complaint_id)
    errors = {}
    if row.status == "answered":
        errors["status"] = _("The complaint is answered already.")
    if not reason.strip():
        errors["extension_reason"] = _("Give the reason for the extension.")
    start = row.registered_on or row.received_on
    if until <= row.answer_due_on:
        errors["until"] = _("The new deadline must be later than the current one.")
    elif (until - start).days > MAX_EXTENSION_DAYS:
        errors["until"] = _("An answer may not take more than {n} days in all.").format(n=MAX_EXTENSION_DAYS)
    if errors:
        raise ValidationError(errors)
    row.answer_due_on, row.extension_reason, row.status = until, reason.strip(), "extended"
    session.flush()
    return _record(row)


def escalate(session: Session, complaint_id: uuid.UUID, *, to: str, on: dt.date | None = None) -> ComplaintRecord:
    require_session(session, "complaint.edit")
    row = _load(session, complaint_id)
    if not to.strip():
        raise ValidationError({"escalated_to": _("Say where the complaint was sent.")})
    row.escalated_to, row.escalated_on, row.status = to.strip(), on or dt.date.today(), "escalated"
    session.flush()
    return _record(row)


def answer(session: Session, complaint_id: uuid.UUID, *, outcome: str, text: str,
           on: dt.date | None = None) -> ComplaintRecord:
    require_session(session, "complaint.edit")
    row = _load(session, complaint_id)
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose the outcome.")
    if not text.strip():
        errors["answer"] = _("Write the answer given.")
    if row.status == "answered":
        errors["status"] = _("The complaint is answered already.")
    if errors:
        raise ValidationError(errors)
    if row.registered_on is None:
        row.registered_on = on or dt.date.today()
    row.outcome, row.answer, row.answered_on, row.status = outcome, text.strip(), on or dt.date.today(), "answered"
    session.flush()
    return _record(row)


def list_complaints(session: Session, *, overdue_only: bool = False,
                    today: dt.date | None = None) -> list[ComplaintRecord]:
    rows = session.scalars(select(Complaint).where(Complaint.deleted_at.is_(None))
                           .order_by(Complaint.received_on.desc(), Complaint.number.desc()))
    out = [_record(r) for r in rows]
    return [r for r in out if r.overdue(today)] if overdue_only else out
