"""Municipal services for a period: applications by service and outcome, certificates by kind, fees, months."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from okmot.models import Application, Certificate, CertificatePrint, FeePayment, Household, ServiceEntry
from okmot.reporting.data import (
    CertificateKindRow, FeeRow, FeesData, Header, LateApplication, MonthCount, ServiceRow, ServicesData,
)
from okmot.services import applications, certificates, work_calendar
from okmot.services import service_register as register


def _households(session: Session, header: Header) -> set[uuid.UUID] | None:
    """Households of the chosen villages; None when every village is chosen (records without one count too)."""
    if header.all_villages:
        return None
    ids = [v.id for v in header.villages]
    return set(session.scalars(select(Household.id).where(Household.village_id.in_(ids))))


def _in(households: set[uuid.UUID] | None, household_id: uuid.UUID | None) -> bool:
    return households is None or household_id in households


def outcome(record: applications.ApplicationRecord, end: dt.date) -> str:
    """Where an application stood at the end of ``end``: on_time, late, refused, returned or open.

    Whether an issue was on time is judged against the application's own ``due_on``, which the
    applications service computed with the working-day calendar (and recomputed when a returned
    application came back), so the report and the journal always agree.
    """
    closed = record.closed_on is not None and record.closed_on <= end
    if closed and record.status == "issued":
        return "on_time" if record.closed_on <= record.due_on else "late"
    if closed and record.status == "refused":
        return "refused"
    if record.status == "returned" and record.status_on <= end:
        return "returned"
    return "open"


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, month = [], start.replace(day=1)
    while month <= end:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def _records(session: Session, header: Header, end: dt.date) -> list[applications.ApplicationRecord]:
    households = _households(session, header)
    found = applications.list_applications(session, applications.ApplicationFilter(date_to=end), today=end)
    return [r for r in found if _in(households, r.data.household_id)]


def _certificates(session: Session, header: Header, start: dt.date, end: dt.date) -> list:
    """Certificates issued in the period (the columns counted, not the stored content)."""
    households = _households(session, header)
    rows = session.execute(select(
        Certificate.kind, Certificate.household_id, Certificate.issued_on, Certificate.status,
        Certificate.cancelled_on).where(
        Certificate.deleted_at.is_(None), Certificate.issued_on >= start, Certificate.issued_on <= end))
    return [c for c in rows if _in(households, c.household_id)]


def months(session: Session, header: Header, start: dt.date, end: dt.date) -> tuple[MonthCount, ...]:
    """Applications received and certificates issued in each month of the period."""
    received = Counter(r.received_on.replace(day=1) for r in _records(session, header, end)
                       if r.received_on >= start)
    issued = Counter(c.issued_on.replace(day=1) for c in _certificates(session, header, start, end))
    return tuple(MonthCount(m, received[m], issued[m]) for m in _months(start, end))


def services(session: Session, header: Header, start: dt.date, end: dt.date) -> ServicesData:
    records = _records(session, header, end)
    calendar = work_calendar.load(session)
    counts: dict[str, Counter] = defaultdict(Counter)
    late: list[LateApplication] = []
    for r in records:
        state = outcome(r, end)
        c = counts[r.service_code]
        if r.received_on >= start:
            c["received"] += 1
        # Issued and refused count when that happened in the period; returned and open are the stock at its end.
        if state == "open":
            c["open"] += 1
            if end > r.due_on:
                c["overdue"] += 1
                late.append(_late(r, None, calendar.working_days_between(r.due_on, end)))
        elif state == "returned":
            c["returned"] += 1  # awaiting the applicant's correction at the period's end
        elif r.closed_on >= start:
            c[state] += 1
            if state == "late":
                late.append(_late(r, r.closed_on, calendar.working_days_between(r.due_on, r.closed_on)))
    rows = []
    for service in register.list_services(session):
        c = counts.pop(service.data.code, Counter())
        if not service.data.active and not c:
            continue
        rows.append(ServiceRow(service.data.code, service.data.name_ky, service.data.name_ru, c["received"],
                               c["on_time"], c["late"], c["refused"], c["returned"], c["open"], c["overdue"]))
    issued = _certificates(session, header, start, end)
    by_kind = Counter(c.kind for c in issued)
    cancelled = Counter(c.kind for c in issued if c.status == "cancelled" and c.cancelled_on and c.cancelled_on <= end)
    duplicates = _duplicates(session, header, start, end)
    kinds = list(certificates.KINDS) + sorted((set(by_kind) | set(duplicates)) - set(certificates.KINDS))
    cert_rows = tuple(CertificateKindRow(k, certificates.KINDS.get(k, k), by_kind[k], cancelled[k], duplicates[k])
                      for k in kinds)
    late.sort(key=lambda a: (a.received_on, a.number))
    return ServicesData(header, tuple(rows), cert_rows, months(session, header, start, end), tuple(late))


def _late(r: applications.ApplicationRecord, closed_on: dt.date | None, days: int) -> LateApplication:
    return LateApplication(r.number, r.service_name_ky, r.service_name_ru, r.data.applicant_name, r.received_on,
                           r.due_on, closed_on, days)


def _duplicates(session: Session, header: Header, start: dt.date, end: dt.date) -> Counter:
    """Duplicates printed in the period, by the kind of certificate (issued in the period or before)."""
    households = _households(session, header)
    q = (select(Certificate.kind, Certificate.household_id, CertificatePrint.printed_at)
         .join(Certificate, Certificate.id == CertificatePrint.certificate_id)
         .where(CertificatePrint.deleted_at.is_(None), CertificatePrint.duplicate.is_(True),
                Certificate.deleted_at.is_(None)))
    out: Counter = Counter()
    for kind, household_id, printed_at in session.execute(q):
        if start <= printed_at.date() <= end and _in(households, household_id):
            out[kind] += 1
    return out


def fees(session: Session, header: Header, start: dt.date, end: dt.date) -> FeesData:
    """Payments and amounts (integer tyiyn) per service; a payment's village is its certificate's or application's."""
    households = _households(session, header)
    cert, app = aliased(Certificate), aliased(Application)
    q = (select(FeePayment.service_id, FeePayment.amount_tyiyn, FeePayment.reason,
                func.coalesce(cert.household_id, app.household_id))
         .outerjoin(cert, cert.id == FeePayment.certificate_id)
         .outerjoin(app, app.id == FeePayment.application_id)
         .where(FeePayment.deleted_at.is_(None), FeePayment.paid_on >= start, FeePayment.paid_on <= end))
    sums: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for service_id, amount, reason, household_id in session.execute(q):
        if not _in(households, household_id):
            continue
        acc = sums[service_id]
        acc[0] += 1
        acc[1] += amount
        if reason == "duplicate":
            acc[2] += 1
            acc[3] += amount
    rows = []
    for service in session.scalars(select(ServiceEntry).where(ServiceEntry.deleted_at.is_(None))
                                   .order_by(ServiceEntry.register, ServiceEntry.code)):
        # Every active service that may take a fee, and any other that took one in the period.
        if not (service.active and (service.is_paid or service.duplicate_fee_tyiyn)) and service.id not in sums:
            continue
        n, amount, dup_n, dup_amount = sums.get(service.id, (0, 0, 0, 0))
        rows.append(FeeRow(service.code, service.name_ky, service.name_ru, n, amount, dup_n, dup_amount))
    return FeesData(header, tuple(rows))
