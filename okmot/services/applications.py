"""The applications journal: register against the standard's checklist, deadlines in working days, statuses."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.errors import ConflictError, NotFoundError, UserError, ValidationError
from okmot.i18n import N_, _
from okmot.identity import pin as pins
from okmot.identity.names import fix_lookalikes
from okmot.models import Application, ServiceEntry
from okmot.permissions import require_session
from okmot.services import certificates, numbering, work_calendar
from okmot.services import service_register as register

CHANNELS = {"counter": N_("at the counter"), "mail": N_("by mail"), "electronic": N_("electronic"),
            "mobile": N_("mobile reception point")}
#: Served without queue (Law No. 139 standards; 003:4679–4684).
PRIORITIES = {"": N_("no priority"), "veteran": N_("war veteran or invalid"),
              "disabled": N_("person with disability"), "pregnant": N_("pregnant woman")}
STATUSES = {"received": N_("received"), "in_work": N_("in work"), "ready": N_("ready"), "issued": N_("issued"),
            "refused": N_("refused"), "returned": N_("returned for correction")}
FINAL = {"issued", "refused"}
TRANSITIONS = {
    "received": {"in_work", "ready", "refused", "returned"},
    "in_work": {"ready", "refused", "returned"},
    "ready": {"issued"},
    "returned": {"in_work", "refused"},
    "issued": set(),
    "refused": set(),
}
#: An electronic application is answered within 3 working days (003:7249).
ELECTRONIC_ANSWER_DAYS = 3


@dataclass(frozen=True)
class ApplicationData:
    service_id: uuid.UUID | None
    applicant_name: str
    applicant_category: str = "citizen"
    applicant_pin: str = ""
    applicant_address: str = ""
    applicant_phone: str = ""
    representative_name: str = ""
    representative_authority: str = ""
    channel: str = "counter"
    documents_presented: tuple[str, ...] = ()
    priority: str = ""
    life_or_health: bool = False
    household_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    purpose: str = ""
    note: str = ""
    received_on: dt.date | None = None


@dataclass(frozen=True)
class ApplicationRecord:
    id: uuid.UUID
    version: int
    number: str
    data: ApplicationData
    service_code: str
    service_name_ky: str
    service_name_ru: str
    certificate_kind: str | None
    status: str
    status_on: dt.date
    due_on: dt.date
    correction_due_on: dt.date | None
    correction_note: str
    refusal_code: str
    refusal_note: str
    closed_on: dt.date | None
    missing_documents: tuple[str, ...] = field(default_factory=tuple)

    def service_name(self, language: str) -> str:
        return self.service_name_ru if language == "ru" else self.service_name_ky

    def overdue(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        if self.status in FINAL:
            return False
        if self.status == "returned":
            return False
        return today > self.due_on

    @property
    def received_on(self) -> dt.date:
        return self.data.received_on


def _record(row: Application, service: ServiceEntry) -> ApplicationRecord:
    data = ApplicationData(
        row.service_id, row.applicant_name, row.applicant_category, row.applicant_pin, row.applicant_address,
        row.applicant_phone, row.representative_name, row.representative_authority, row.channel,
        tuple(row.documents_presented or ()), row.priority, row.life_or_health, row.household_id, row.person_id,
        row.purpose, row.note, row.received_on)
    checklist = [d["code"] for d in (service.documents or {}).get(row.applicant_category, ())]
    missing = tuple(c for c in checklist if c not in data.documents_presented)
    return ApplicationRecord(row.id, row.version, row.number, data, service.code, service.name_ky, service.name_ru,
                             service.certificate_kind, row.status, row.status_on, row.due_on, row.correction_due_on,
                             row.correction_note or "", row.refusal_code or "", row.refusal_note or "", row.closed_on,
                             missing)


def _load(session: Session, application_id: uuid.UUID) -> Application:
    row = session.get(Application, application_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(_("The application was not found."))
    return row


def get_application(session: Session, application_id: uuid.UUID) -> ApplicationRecord:
    row = _load(session, application_id)
    return _record(row, session.get(ServiceEntry, row.service_id))


def due_date(session: Session, service: register.ServiceData, received_on: dt.date, channel: str) -> dt.date:
    """The deadline: the standard's accepting + providing + issuing days, counted in working days."""
    days = service.total_days
    if channel == "electronic":
        days = min(days, ELECTRONIC_ANSWER_DAYS)
    return work_calendar.load(session).add_working_days(received_on, days)


def register_application(session: Session, data: ApplicationData) -> ApplicationRecord:
    """Register an application; only a service of the active register can be applied for."""
    require_session(session, "application.edit")
    errors = {}
    service_row = session.get(ServiceEntry, data.service_id) if data.service_id else None
    if service_row is None or service_row.deleted_at is not None or not service_row.active:
        errors["service_id"] = _("Choose a service of the office's active register.")
    name = fix_lookalikes(data.applicant_name).text
    if not name:
        errors["applicant_name"] = _("Enter the applicant's name.")
    pin = pins.clean(data.applicant_pin)
    if pin:
        try:
            pins.decode(pin)
        except pins.PinError as exc:
            errors["applicant_pin"] = exc.message
    if data.applicant_category not in register.APPLICANT_CATEGORIES:
        errors["applicant_category"] = _("Choose the applicant category.")
    if data.applicant_category == "representative" and not (
            data.representative_name.strip() and data.representative_authority.strip()):
        errors["representative_authority"] = _(
            "A representative needs a name and the document giving the authority (number and date).")
    if data.channel not in CHANNELS:
        errors["channel"] = _("Choose how the application came in.")
    if data.priority not in PRIORITIES:
        errors["priority"] = _("Choose the priority category.")
    received = data.received_on or dt.date.today()
    if received > dt.date.today():
        errors["received_on"] = _("The date of receipt is in the future.")
    if errors:
        raise ValidationError(errors)
    service = register.get_service(session, service_row.id).data
    known = {d.code for d in service.checklist(data.applicant_category)}
    unknown = [c for c in data.documents_presented if c not in known]
    if unknown:
        raise ValidationError({"documents_presented": _("Documents not in the standard's checklist: {codes}.").format(
            codes=", ".join(unknown))})
    installation = numbering.installation_code(session)
    seq = numbering.next_sequence(session, Application, installation_code=installation, year=received.year)
    row = Application(
        number=f"{received.year}-{installation}-{seq:04d}", installation_code=installation, year=received.year,
        seq=seq, service_id=service_row.id, received_on=received, channel=data.channel, applicant_name=name,
        applicant_pin=pin, applicant_address=data.applicant_address.strip(),
        applicant_phone=data.applicant_phone.strip(), applicant_category=data.applicant_category,
        representative_name=fix_lookalikes(data.representative_name).text,
        representative_authority=data.representative_authority.strip(), household_id=data.household_id,
        person_id=data.person_id, documents_presented=list(dict.fromkeys(data.documents_presented)),
        priority=data.priority, life_or_health=data.life_or_health, purpose=data.purpose.strip(),
        note=data.note.strip(), status="received", status_on=received,
        due_on=due_date(session, service, received, data.channel))
    session.add(row)
    session.flush()
    return _record(row, service_row)


def change_status(session: Session, application_id: uuid.UUID, status: str, *, on: dt.date | None = None,
                  refusal_code: str = "", note: str = "", correction_due_on: dt.date | None = None,
                  expected_version: int | None = None) -> ApplicationRecord:
    """Move an application along received → in work → ready → issued, or refuse / return it."""
    require_session(session, "application.edit")
    row = _load(session, application_id)
    service_row = session.get(ServiceEntry, row.service_id)
    on = on or dt.date.today()
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(_("Someone else changed this application meanwhile. Open it again."))
    if status not in STATUSES:
        raise ValidationError({"status": _("Unknown status.")})
    if status not in TRANSITIONS[row.status]:
        raise ValidationError({"status": _("An application that is {current} cannot become {new}.").format(
            current=_(STATUSES[row.status]), new=_(STATUSES[status]))})
    if status == "refused":
        if row.life_or_health:
            raise UserError(_("This service protects life or health: it may not be refused (Law No. 139)."))
        grounds = {g["code"] for g in service_row.refusal_grounds or ()}
        if refusal_code not in grounds:
            raise ValidationError({"refusal_code": _("Choose the refusal ground from the service's standard.")})
        row.refusal_code, row.refusal_note, row.closed_on = refusal_code, note.strip(), on
    elif status == "returned":
        if correction_due_on is None or correction_due_on <= on:
            raise ValidationError({"correction_due_on": _("Set a correction deadline after today.")})
        if not note.strip():
            raise ValidationError({"correction_note": _("Say what must be corrected or brought.")})
        row.correction_due_on, row.correction_note = correction_due_on, note.strip()
    elif status == "in_work" and row.status == "returned":
        # The corrected application is a fresh start: the standard's time runs again from today.
        service = register.get_service(session, service_row.id).data
        row.due_on = due_date(session, service, on, row.channel)
    elif status == "issued":
        row.closed_on = on
    row.status, row.status_on = status, on
    session.flush()
    return _record(row, service_row)


def set_documents(session: Session, application_id: uuid.UUID, codes: tuple[str, ...]) -> ApplicationRecord:
    """Tick the documents presented (a returned application comes back with the missing ones)."""
    require_session(session, "application.edit")
    row = _load(session, application_id)
    service_row = session.get(ServiceEntry, row.service_id)
    known = {d["code"] for d in (service_row.documents or {}).get(row.applicant_category, ())}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"documents_presented": _("Documents not in the standard's checklist: {codes}.").format(
            codes=", ".join(unknown))})
    row.documents_presented = list(dict.fromkeys(codes))
    session.flush()
    return _record(row, service_row)


@dataclass(frozen=True)
class ApplicationFilter:
    text: str = ""
    status: str | None = None
    service_id: uuid.UUID | None = None
    overdue_only: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def list_applications(session: Session, flt: ApplicationFilter = ApplicationFilter(), *,
                      today: dt.date | None = None) -> list[ApplicationRecord]:
    today = today or dt.date.today()
    q = select(Application, ServiceEntry).join(ServiceEntry, ServiceEntry.id == Application.service_id).where(
        Application.deleted_at.is_(None))
    if flt.status:
        q = q.where(Application.status == flt.status)
    if flt.service_id:
        q = q.where(Application.service_id == flt.service_id)
    if flt.date_from:
        q = q.where(Application.received_on >= flt.date_from)
    if flt.date_to:
        q = q.where(Application.received_on <= flt.date_to)
    needle = flt.text.strip().casefold()
    out = []
    for row, service in session.execute(q.order_by(Application.received_on.desc(), Application.number.desc())):
        record = _record(row, service)
        if flt.overdue_only and not record.overdue(today):
            continue
        if needle and needle not in f"{record.number} {record.data.applicant_name} {record.data.applicant_pin}".casefold():
            continue
        out.append(record)
    return out


def overdue(session: Session, today: dt.date | None = None) -> list[ApplicationRecord]:
    return list_applications(session, ApplicationFilter(overdue_only=True), today=today)


# --- printed papers ------------------------------------------------------------------------------

def _pages(session: Session, language: str, build) -> dict:
    head = certificates.letterhead(session)
    w = certificates.wording()
    pages = []
    for lang in certificates.languages_of(language):
        page = {"lang": lang, "header": head.header[lang], "address": head.address[lang], "subtitle": "",
                "signatory_position": "", "signatory_name": "", "signature": w[lang]["signature"], "stamp": "",
                "paragraphs_after": [], "tables": []}
        page.update(build(lang, w[lang], head))
        pages.append(page)
    return {"version": certificates.CONTENT_VERSION, "pages": pages}


def receipt_content(session: Session, application_id: uuid.UUID, *, language: str = "ky+ru",
                    clerk_name: str = "") -> dict:
    """The receipt given to the applicant: number, date, service, documents taken, deadline."""
    record = get_application(session, application_id)
    service = register.get_service(session, record.data.service_id).data
    checklist = {g.code: g for g in service.checklist(record.data.applicant_category)}

    def build(lang, w, _head):
        fmt = lambda d: certificates.format_date(d, lang)  # noqa: E731
        taken = [checklist[c].text(lang) for c in record.data.documents_presented if c in checklist]
        missing = [checklist[c].text(lang) for c in record.missing_documents]
        paragraphs = [w["receipt_text"].format(name=record.data.applicant_name, date=fmt(record.received_on),
                                               number=record.number, service=service.name(lang),
                                               due=fmt(record.due_on))]
        if taken:
            paragraphs.append(w["receipt_docs"].format(docs="; ".join(taken)))
        if missing:
            paragraphs.append(w["receipt_missing"].format(docs="; ".join(missing)))
        return {"title": w["receipt_title"], "number_line": f"№ {record.number}", "paragraphs": paragraphs,
                "purpose": "", "signatory_position": w["clerk"], "signatory_name": clerk_name}

    return _pages(session, language, build)


def refusal_content(session: Session, application_id: uuid.UUID, *, language: str = "ky+ru") -> dict:
    """The refusal letter: the ground from the standard and the appeal route (Law No. 139, art. 11 item 17)."""
    record = get_application(session, application_id)
    if record.status != "refused":
        raise UserError(_("The application was not refused."))
    service = register.get_service(session, record.data.service_id).data
    ground = service.ground(record.refusal_code)

    def build(lang, w, head):
        fmt = lambda d: certificates.format_date(d, lang)  # noqa: E731
        reason = ground.text(lang) if ground else record.refusal_code
        if record.refusal_note:
            reason = f"{reason}. {record.refusal_note}"
        return {"title": w["refusal_title"], "number_line": f"№ {record.number}  {fmt(record.closed_on or record.status_on)}",
                "paragraphs": [w["refusal_to"].format(name=record.data.applicant_name),
                               w["refusal_text"].format(date=fmt(record.received_on), number=record.number,
                                                        service=service.name(lang)),
                               w["refusal_reason"].format(reason=reason),
                               w["refusal_appeal"].format(appeal=service.appeal(lang))],
                "purpose": "", "signatory_position": head.signatory_position[lang],
                "signatory_name": head.signatory_name[lang], "stamp": w["stamp"]}

    return _pages(session, language, build)
