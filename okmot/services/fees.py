"""Fees taken for services, in integer tyiyn with a receipt number; totals per day or month and service."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okmot.errors import UserError, ValidationError
from okmot.i18n import N_, _
from okmot.models import FeePayment, ServiceEntry
from okmot.permissions import require_session

REASONS = {"service": N_("paid service"), "duplicate": N_("duplicate (repeat copy)")}


@dataclass(frozen=True)
class PaymentRecord:
    id: uuid.UUID
    service_id: uuid.UUID
    paid_on: dt.date
    amount_tyiyn: int
    receipt_number: str
    reason: str
    payer_name: str


def record_payment(session: Session, *, service_id: uuid.UUID, amount_tyiyn: int, receipt_number: str,
                   reason: str = "service", paid_on: dt.date | None = None, payer_name: str = "",
                   application_id: uuid.UUID | None = None, certificate_id: uuid.UUID | None = None) -> PaymentRecord:
    """Take a fee. A free service never takes one; a duplicate only the fee its standard sets."""
    require_session(session, "fee.record")
    service = session.get(ServiceEntry, service_id)
    if service is None or service.deleted_at is not None:
        raise ValidationError({"service_id": _("Choose the service.")})
    errors = {}
    if not isinstance(amount_tyiyn, int) or amount_tyiyn <= 0:
        errors["amount_tyiyn"] = _("The amount must be a positive number of tyiyn.")
    if not receipt_number.strip():
        errors["receipt_number"] = _("Enter the receipt number.")
    if reason not in REASONS:
        errors["reason"] = _("Choose what the fee is for.")
    if errors:
        raise ValidationError(errors)
    if reason == "service" and not service.is_paid:
        raise UserError(_("The service «{name}» is free: it takes no fee.").format(name=service.name_ky))
    if reason == "duplicate" and amount_tyiyn != service.duplicate_fee_tyiyn:
        raise UserError(_("The standard sets {amount} som for a duplicate of this service.").format(
            amount=f"{service.duplicate_fee_tyiyn / 100:.2f}"))
    row = FeePayment(service_id=service_id, application_id=application_id, certificate_id=certificate_id,
                     paid_on=paid_on or dt.date.today(), amount_tyiyn=amount_tyiyn,
                     receipt_number=receipt_number.strip(), reason=reason, payer_name=payer_name.strip())
    session.add(row)
    session.flush()
    return PaymentRecord(row.id, row.service_id, row.paid_on, row.amount_tyiyn, row.receipt_number, row.reason,
                         row.payer_name)


@dataclass(frozen=True)
class FeeTotal:
    period: str  # "2026-11-22" for a day, "2026-11" for a month
    service_code: str
    service_name_ky: str
    service_name_ru: str
    payments: int
    amount_tyiyn: int


def totals(session: Session, *, by: str = "day", date_from: dt.date | None = None,
           date_to: dt.date | None = None) -> list[FeeTotal]:
    """Sums per day or per month and service (computed in Python: dates group alike on SQLite and PostgreSQL)."""
    if by not in ("day", "month"):
        raise ValueError(by)
    q = (select(FeePayment.paid_on, ServiceEntry.code, ServiceEntry.name_ky, ServiceEntry.name_ru,
                FeePayment.amount_tyiyn)
         .join(ServiceEntry, ServiceEntry.id == FeePayment.service_id).where(FeePayment.deleted_at.is_(None)))
    if date_from:
        q = q.where(FeePayment.paid_on >= date_from)
    if date_to:
        q = q.where(FeePayment.paid_on <= date_to)
    sums: dict[tuple[str, str], list] = {}
    for paid_on, code, ky, ru, amount in session.execute(q):
        period = paid_on.isoformat() if by == "day" else paid_on.strftime("%Y-%m")
        entry = sums.setdefault((period, code), [ky, ru, 0, 0])
        entry[2] += 1
        entry[3] += amount
    return [FeeTotal(period, code, ky, ru, n, amount)
            for (period, code), (ky, ru, n, amount) in sorted(sums.items())]


def payment_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FeePayment).where(FeePayment.deleted_at.is_(None))) or 0
