"""The local register of municipal services: base register + supplementary list, each with its standard."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field, fields as dc_fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.db import journal
from okmot.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from okmot.i18n import N_, _
from okmot.models import ChangeLog, ServiceEntry
from okmot.paths import resource_dir
from okmot.permissions import require_session

#: The 18 sections of a standard (Law No. 139, art. 11), in the law's order.
SECTIONS: dict[str, str] = {
    "name": N_("1. Name and short description"),
    "provider": N_("2. Provider"),
    "consumers": N_("3. Consumers"),
    "legal_basis": N_("4. Legal basis"),
    "result": N_("5. Result"),
    "conditions": N_("6. Conditions of provision"),
    "time_limits": N_("7. Time limits"),
    "information": N_("8. Information to consumers"),
    "channels": N_("9. Ways of spreading information"),
    "ethics": N_("10. Rules of conduct with visitors"),
    "confidentiality": N_("11. Confidentiality"),
    "documents": N_("12. Required documents"),
    "price": N_("13. Price formation"),
    "quality": N_("14. Quality indicators"),
    "electronic": N_("15. Electronic provision"),
    "refusal": N_("16. Refusal grounds and procedure"),
    "appeal": N_("17. Appeal procedure"),
    "review": N_("18. Review period"),
}
REGISTERS = {"base": N_("base register"), "supplementary": N_("supplementary list")}
APPLICANT_CATEGORIES = {"citizen": N_("citizen in person"), "representative": N_("representative"),
                        "organisation": N_("organisation")}
MAX_REVIEW_YEARS = 3


@dataclass(frozen=True)
class Ground:
    code: str
    ky: str
    ru: str

    def text(self, language: str) -> str:
        return self.ru if language == "ru" else self.ky


@dataclass(frozen=True)
class ServiceData:
    """A register entry with its standard, as the editor and the data file hold it."""

    code: str
    name_ky: str
    name_ru: str
    register: str = "base"
    approving_act: str = ""
    responsible_ky: str = ""
    responsible_ru: str = ""
    provider_ky: str = ""
    provider_ru: str = ""
    is_paid: bool = False
    active: bool = True
    is_example: bool = False
    certificate_kind: str | None = None
    sections: dict = field(default_factory=dict)
    accept_days: int = 0
    provide_days: int = 1
    issue_days: int = 0
    documents: dict = field(default_factory=dict)
    fees: dict = field(default_factory=dict)
    duplicate_fee_tyiyn: int = 0
    refusal_grounds: tuple[Ground, ...] = ()
    appeal_ky: str = ""
    appeal_ru: str = ""
    review_on: dt.date | None = None
    valid_from: dt.date | None = None

    def name(self, language: str) -> str:
        return self.name_ru if language == "ru" else self.name_ky

    def appeal(self, language: str) -> str:
        return self.appeal_ru if language == "ru" else self.appeal_ky

    def checklist(self, category: str) -> list[Ground]:
        return [Ground(d["code"], d["ky"], d["ru"]) for d in self.documents.get(category, ())]

    def fee_for(self, category: str) -> int:
        """The fee in tyiyn for an applicant category; always 0 for a free service."""
        return int(self.fees.get(category, 0)) if self.is_paid else 0

    def ground(self, code: str) -> Ground | None:
        return next((g for g in self.refusal_grounds if g.code == code), None)

    @property
    def total_days(self) -> int:
        return self.accept_days + self.provide_days + self.issue_days


@dataclass(frozen=True)
class ServiceRecord:
    id: uuid.UUID
    version: int
    data: ServiceData


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    user_name: str
    version: int
    changes: dict


_SCALARS = [f.name for f in dc_fields(ServiceData) if f.name != "refusal_grounds"]


def _record(row: ServiceEntry) -> ServiceRecord:
    values = {name: getattr(row, name) for name in _SCALARS}
    values["sections"] = dict(row.sections or {})
    values["documents"] = dict(row.documents or {})
    values["fees"] = dict(row.fees or {})
    grounds = tuple(Ground(g["code"], g.get("ky", ""), g.get("ru", "")) for g in (row.refusal_grounds or ()))
    return ServiceRecord(row.id, row.version, ServiceData(**values, refusal_grounds=grounds))


def list_services(session: Session, *, active_only: bool = False) -> list[ServiceRecord]:
    q = select(ServiceEntry).where(ServiceEntry.deleted_at.is_(None))
    if active_only:
        q = q.where(ServiceEntry.active.is_(True))
    rows = session.scalars(q.order_by(ServiceEntry.register, ServiceEntry.code))
    return [_record(r) for r in rows]


def get_service(session: Session, service_id: uuid.UUID) -> ServiceRecord:
    row = session.get(ServiceEntry, service_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(_("The service was not found in the register."))
    return _record(row)


def by_code(session: Session, code: str) -> ServiceRecord:
    row = session.scalar(select(ServiceEntry).where(ServiceEntry.code == code, ServiceEntry.deleted_at.is_(None)))
    if row is None:
        raise NotFoundError(_("The service {code} is not in the register.").format(code=code))
    return _record(row)


def for_certificate_kind(session: Session, kind: str) -> ServiceRecord | None:
    row = session.scalar(select(ServiceEntry).where(
        ServiceEntry.certificate_kind == kind, ServiceEntry.active.is_(True), ServiceEntry.deleted_at.is_(None)))
    return _record(row) if row else None


def validate(data: ServiceData) -> None:
    errors = {}
    if not data.code.strip():
        errors["code"] = _("Enter the service code.")
    if not data.name_ky.strip() or not data.name_ru.strip():
        errors["name_ky"] = _("Enter the name in Kyrgyz and in Russian.")
    if data.register not in REGISTERS:
        errors["register"] = _("Choose the base register or the supplementary list.")
    for name in ("accept_days", "provide_days", "issue_days"):
        if not 0 <= getattr(data, name) <= 90:
            errors[name] = _("A time limit is between 0 and 90 working days.")
    if data.is_paid and not any(int(v) > 0 for v in data.fees.values()):
        errors["fees"] = _("A paid service needs a fee for at least one applicant category.")
    if not data.is_paid and any(int(v) for v in data.fees.values()):
        errors["fees"] = _("A free service takes no fee; mark it as paid or clear the fees.")
    if any(int(v) < 0 for v in data.fees.values()) or data.duplicate_fee_tyiyn < 0:
        errors["fees"] = _("A fee cannot be negative.")
    if not (data.appeal_ky.strip() and data.appeal_ru.strip()):
        errors["appeal_ky"] = _("Describe the appeal procedure in Kyrgyz and in Russian.")
    codes_seen = [g.code for g in data.refusal_grounds]
    if len(set(codes_seen)) != len(codes_seen) or any(not c.strip() for c in codes_seen):
        errors["refusal_grounds"] = _("Every refusal ground needs its own code.")
    unknown = [s for s in data.sections if s not in SECTIONS]
    if unknown:
        errors["sections"] = _("Unknown section of the standard: {names}.").format(names=", ".join(unknown))
    if data.review_on and data.valid_from and data.review_on > _add_years(data.valid_from, MAX_REVIEW_YEARS):
        errors["review_on"] = _("A standard must be reviewed at least every three years.")
    if errors:
        raise ValidationError(errors)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _apply(row: ServiceEntry, data: ServiceData) -> None:
    for name in _SCALARS:
        setattr(row, name, getattr(data, name))
    row.code = data.code.strip()
    row.refusal_grounds = [{"code": g.code, "ky": g.ky, "ru": g.ru} for g in data.refusal_grounds]


def save_service(session: Session, data: ServiceData, *, service_id: uuid.UUID | None = None,
                 expected_version: int | None = None, by_admin: bool = True,
                 for_action: str = "service_register.edit") -> uuid.UUID:
    """Create or change a register entry; the journal keeps the previous wording as history.

    ``for_action`` names the guarded action the change is part of (publishing a district's first
    reference package starts from the shipped register)."""
    require_session(session, for_action)
    if not by_admin:
        raise PermissionDenied(_("Only an administrator can change the register of services."))
    validate(data)
    clash = session.scalar(select(ServiceEntry.id).where(ServiceEntry.code == data.code.strip()))
    if clash is not None and clash != service_id:
        raise ValidationError({"code": _("The code {code} is already used by another service.").format(code=data.code)})
    if service_id is None:
        row = ServiceEntry()
        session.add(row)
    else:
        row = session.get(ServiceEntry, service_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError(_("The service was not found in the register."))
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(_("Someone else changed this service meanwhile. Close the form and open it again."))
    _apply(row, data)
    if row.valid_from is None:
        row.valid_from = dt.date.today()
    session.flush()
    return row.id


def history(session: Session, service_id: uuid.UUID) -> list[HistoryEntry]:
    """Every change of a register entry, oldest first, from the change journal."""
    rows = session.scalars(select(ChangeLog).where(ChangeLog.record_id == service_id,
                                                   ChangeLog.table_name == ServiceEntry.__tablename__)
                           .order_by(ChangeLog.seq))
    return [HistoryEntry(r.at, r.user_name, r.version, journal.payload(r.changes)) for r in rows]


def shipped_services() -> list[ServiceData]:
    """The starting register shipped in data/services/register.json (example wording)."""
    raw = json.loads((resource_dir() / "services" / "register.json").read_text(encoding="utf-8"))
    common = raw["common_sections"]
    out = []
    for item in raw["services"]:
        item = dict(item)
        years = item.pop("review_years", MAX_REVIEW_YEARS)
        sections = {**common, **item.pop("sections", {})}
        grounds = tuple(Ground(g["code"], g["ky"], g["ru"]) for g in item.pop("refusal_grounds", ()))
        today = dt.date.today()
        out.append(ServiceData(**item, sections=sections, refusal_grounds=grounds, valid_from=today,
                               review_on=_add_years(today, years)))
    return out


def install_shipped(session: Session, *, for_action: str = "service_register.edit") -> int:
    """Add the shipped services that the register does not have yet; returns how many were added."""
    have = set(session.scalars(select(ServiceEntry.code)))
    added = 0
    for data in shipped_services():
        if data.code not in have:
            save_service(session, data, for_action=for_action)
            added += 1
    return added
