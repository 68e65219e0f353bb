"""Certificates filled from the household book as of a date, numbered across installations, signed, registered."""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from okmot.errors import NotFoundError, UserError, ValidationError
from okmot.i18n import N_, _, current_language
from okmot.identity import pin as pins
from okmot.models import Application, Certificate, CertificatePrint, FeePayment, Household, Membership, Person
from okmot.paths import resource_dir
from okmot.services import asof, households, numbering, persons, settings, signing, territory
from okmot.services import service_register as register
from okmot.services.farm import M2_PER_HA
from okmot.permissions import require_session

#: Kinds of certificate: label and what the certificate is about.
KINDS: dict[str, str] = {
    "family": N_("family composition"),
    "residence": N_("residence"),
    "household_extract": N_("extract from the household book"),
    "land": N_("land in use"),
    "livestock": N_("livestock kept"),
    "income": N_("household income estimate"),
    "free": N_("free text on the letterhead"),
}
#: Kinds about one person; the others are about a household.
PERSON_KINDS = {"residence"}
LANGUAGE_CHOICES = ("ky", "ru", "ky+ru")
STATUSES = {"issued": N_("issued"), "cancelled": N_("cancelled")}
CONTENT_VERSION = 1


@functools.cache
def wording() -> dict:
    """Certificate texts in Kyrgyz and Russian (document wording, not interface strings)."""
    return json.loads((resource_dir() / "services" / "certificate_wording.json").read_text(encoding="utf-8"))


def languages_of(language: str) -> list[str]:
    if language not in LANGUAGE_CHOICES:
        raise ValidationError({"language": _("Choose the language: ky, ru or ky+ru.")})
    return language.split("+")


def format_date(day: dt.date, lang: str) -> str:
    return wording()[lang]["date_format"].format(d=day.day, m=day.month, y=day.year)


def format_money(tyiyn: int, lang: str) -> str:
    som, rest = divmod(tyiyn, 100)
    return wording()[lang]["som"].format(som=f"{som:,}".replace(",", " "), tyiyn=rest)


def format_area_ha(area_m2: int) -> str:
    return f"{area_m2 / M2_PER_HA:.4f}".replace(".", ",")


# --- the issued record -------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedCertificate:
    id: uuid.UUID
    number: str
    kind: str
    issued_on: dt.date
    as_of: dt.date
    language: str
    subject_name: str
    applicant_name: str
    purpose: str
    signatory_name: str
    fee_tyiyn: int
    status: str
    cancel_reason: str
    content: dict
    payload: str
    household_id: uuid.UUID | None
    person_id: uuid.UUID | None
    application_id: uuid.UUID | None
    #: True for a repeat copy: the PDF is marked DUPLICATE, the content is the original's.
    duplicate: bool = False
    prints: int = 0


def _issued(row: Certificate, *, duplicate: bool = False, prints: int = 0) -> IssuedCertificate:
    return IssuedCertificate(
        row.id, row.number, row.kind, row.issued_on, row.as_of, row.language, row.subject_name,
        row.applicant_name, row.purpose, row.signatory_name, row.fee_tyiyn, row.status, row.cancel_reason or "",
        row.content, row.payload, row.household_id, row.person_id, row.application_id, duplicate, prints)


# --- subject ----------------------------------------------------------------------------------

def person_by_pin(session: Session, pin: str) -> Person:
    """The person with this PIN: a living one first, else the latest record (to say they died or left)."""
    clean = pins.clean(pin)
    rows = session.scalars(select(Person).where(Person.pin == clean, Person.deleted_at.is_(None),
                                                Person.merged_into_id.is_(None))).all()
    if not rows:
        raise NotFoundError(_("No person with PIN {pin} is in the household book.").format(pin=clean))
    rows.sort(key=lambda p: (p.residence_status not in persons.LIVING_STATUSES, -(p.version or 0)))
    return rows[0]


def _stay_of(session: Session, person_id: uuid.UUID, on: dt.date) -> Membership | None:
    return session.scalar(select(Membership).where(
        Membership.person_id == person_id, Membership.deleted_at.is_(None),
        or_(Membership.from_date.is_(None), Membership.from_date <= on),
        or_(Membership.to_date.is_(None), Membership.to_date > on)))


def _not_resident_reason(session: Session, person: Person, on: dt.date) -> str:
    """Why a person did not live in any household of the book on ``on``."""
    name = persons.display_name(persons.to_data(person), "ru" if current_language() == "ru" else "ky")
    last = session.scalar(select(Membership).where(
        Membership.person_id == person.id, Membership.deleted_at.is_(None), Membership.to_date.is_not(None),
        Membership.to_date <= on).order_by(Membership.to_date.desc()))
    if person.residence_status == "deceased" and (person.status_date is None or person.status_date <= on) \
            or (last is not None and last.end_reason == "died"):
        when = (last.to_date if last else person.status_date)
        return _("{name} is deceased ({date}); this certificate cannot be issued about them.").format(
            name=name, date=when.strftime("%d.%m.%Y") if when else "—")
    if last is not None or person.residence_status == "left":
        when = last.to_date if last else person.status_date
        return _("{name} has left the household book ({date}); this certificate cannot be issued about them.").format(
            name=name, date=when.strftime("%d.%m.%Y") if when else "—")
    return _("{name} did not live in any household of the book on {date}.").format(
        name=name, date=on.strftime("%d.%m.%Y"))


@dataclass(frozen=True)
class Subject:
    household_id: uuid.UUID | None
    person_id: uuid.UUID | None


def resolve_subject(session: Session, kind: str, *, household_id: uuid.UUID | None = None,
                    person_id: uuid.UUID | None = None, on: dt.date) -> Subject:
    """The household and person a certificate is about on ``on``, or a clear reason why there are none."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Unknown kind of certificate: {kind}.").format(kind=kind)})
    if person_id is not None:
        person = persons.load(session, person_id)
        stay = _stay_of(session, person_id, on)
        if stay is None:
            if kind == "free":
                return Subject(None, person_id)
            raise UserError(_not_resident_reason(session, person, on))
        household_id = household_id or stay.household_id
    if household_id is None:
        if kind == "free":
            return Subject(None, None)
        raise ValidationError({"subject": _("Choose the household or the person the certificate is about.")})
    hh = session.get(Household, household_id)
    if hh is None or hh.deleted_at is not None:
        raise NotFoundError(_("The household was not found; it may have been removed."))
    status = asof.household_status_on(hh.opened_on, hh.closed_on, on)
    if status != "open" and kind != "free":
        raise UserError(_("Household {account} was not open on {date}.").format(
            account=hh.account_number, date=on.strftime("%d.%m.%Y")))
    if kind in PERSON_KINDS and person_id is None:
        head = next((m for m in households.members_as_of(session, household_id, on) if m.relation == "head"), None)
        if head is None:
            raise UserError(_("Household {account} had no head on {date}; choose the person.").format(
                account=hh.account_number, date=on.strftime("%d.%m.%Y")))
        person_id = head.person.id
    return Subject(household_id, person_id)


# --- content ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Letterhead:
    office_code: str
    header: dict[str, list[str]]
    address: dict[str, str]
    signatory_name: dict[str, str]
    signatory_position: dict[str, str]


def letterhead(session: Session) -> Letterhead:
    office = territory.home_office(session)
    if office is None:
        raise UserError(_("The office is not set up yet: its code and names are needed on certificates."))
    w = wording()
    header = {}
    for lang in ("ky", "ru"):
        name = office.name_ru if lang == "ru" else office.name_ky
        rayon = office.rayon_ru if lang == "ru" else office.rayon_ky
        oblast = office.oblast_ru if lang == "ru" else office.oblast_ky
        lines = [w[lang]["country"]]
        lines += [", ".join(p for p in (oblast, rayon) if p)] if (oblast or rayon) else []
        lines += [name.upper(), w[lang]["office_suffix"]]
        header[lang] = lines
    get = lambda key: settings.get(session, key) or ""  # noqa: E731
    return Letterhead(
        office.code, header,
        {"ky": get("office_address_ky"), "ru": get("office_address_ru") or get("office_address_ky")},
        {"ky": get("signatory_name_ky"), "ru": get("signatory_name_ru") or get("signatory_name_ky")},
        {"ky": get("signatory_position_ky"), "ru": get("signatory_position_ru")})


def _address(card, lang: str) -> str:
    village = card.village_ru if lang == "ru" else card.village_ky
    rest = card.address(lang)
    return ", ".join(p for p in (village, rest) if p)


def _member_rows(members, lang: str) -> list[list[str]]:
    w = wording()[lang]
    return [[str(i), m.member.person.full_name(lang), w["relations"].get(m.member.relation, m.member.relation),
             format_date(m.member.person.data.birth_date, lang) if m.member.person.data.birth_date else w["unknown"]]
            for i, m in enumerate(members, 1)]


def _land_table(state, lang: str) -> dict:
    w = wording()[lang]
    rows = [[str(i), w["land"].get(p.category, p.category), format_area_ha(p.area_m2), p.document or ""]
            for i, p in enumerate(state.land, 1)]
    return {"caption": w["land_caption"].format(year=state.land_year), "columns": w["cols_land"], "rows": rows,
            "widths": [0.07, 0.43, 0.18, 0.32]}


def _livestock_table(state, lang: str) -> dict:
    w = wording()[lang]
    rows = [[w["species"].get(s, s), str(n)] for s, n in state.livestock.items() if n]
    return {"caption": w["livestock_caption"].format(year=state.livestock_year), "columns": w["cols_livestock"],
            "rows": rows, "widths": [0.6, 0.4]}


def _dwelling_text(dwelling, lang: str) -> str:
    w = wording()[lang]
    if dwelling is None:
        return w["dwelling_none"]
    u = w["unknown"]
    area = lambda dm2: f"{dm2 / 100:.1f}".replace(".", ",") if dm2 else u  # noqa: E731
    return w["dwelling_text"].format(
        kind=w["dwelling_kinds"].get(dwelling.kind, dwelling.kind), year=dwelling.year_built or u,
        walls=w["walls"].get(dwelling.wall_material, dwelling.wall_material or u), rooms=dwelling.rooms or u,
        living=area(dwelling.living_area_dm2), total=area(dwelling.total_area_dm2))


@dataclass(frozen=True)
class IncomeLine:
    source: str
    kind: str
    quantity: int  # m² for land, heads for livestock
    norm_tyiyn: int
    income_tyiyn: int


def income_lines(state, norms: dict) -> list[IncomeLine]:
    """Annual income per source from the norms (tyiyn per ha, tyiyn per head); integer arithmetic only."""
    land_norms, stock_norms = norms.get("land", {}), norms.get("livestock", {})
    out = []
    for p in state.land:
        norm = int(land_norms.get(p.category, 0))
        out.append(IncomeLine("land", p.category, p.area_m2, norm, p.area_m2 * norm // M2_PER_HA))
    stock = dict(state.livestock)
    cows = stock.get("cows", 0)
    if "cows" in stock_norms and cows:
        # Cows are counted among the cattle: the cow norm replaces the cattle norm for them.
        stock["cattle"] = max(stock.get("cattle", 0) - cows, 0)
    else:
        stock.pop("cows", None)
    for species, heads in stock.items():
        if heads:
            norm = int(stock_norms.get(species, 0))
            out.append(IncomeLine("livestock", species, heads, norm, heads * norm))
    return out


def _income_block(state, lang: str, norms: dict) -> tuple[list[str], dict]:
    w = wording()[lang]
    lines = income_lines(state, norms)
    split_cows = any(line.kind == "cows" for line in lines)
    rows = []
    for line in lines:
        if line.source == "land":
            rows.append([w["land"].get(line.kind, line.kind), f"{format_area_ha(line.quantity)} {w['hectare']}",
                         format_money(line.norm_tyiyn, lang), format_money(line.income_tyiyn, lang)])
        else:
            label = w["species"].get(line.kind, line.kind)
            if line.kind == "cows" or (line.kind == "cattle" and split_cows):
                label = w["income_species"]["cows" if line.kind == "cows" else "cattle_other"]
            rows.append([label, f"{line.quantity} {w['heads']}",
                         format_money(line.norm_tyiyn, lang), format_money(line.income_tyiyn, lang)])
    total = sum(line.income_tyiyn for line in lines)
    n = max(len(state.members), 1)
    paragraphs = [w["income_year"].format(amount=format_money(total, lang)),
                  w["income_month"].format(amount=format_money(total // 12, lang),
                                           per_member=format_money(total // 12 // n, lang), n=len(state.members))]
    table = {"caption": w["income_caption"], "columns": w["cols_income"], "rows": rows,
             "widths": [0.34, 0.18, 0.24, 0.24]}
    return paragraphs, table


def _page(session: Session, kind: str, lang: str, *, subject: Subject, as_of: dt.date, state, head: Letterhead,
          number: str, issued_on: dt.date, purpose: str, text: str) -> dict:
    w = wording()[lang]
    date = format_date(as_of, lang)
    paragraphs: list[str] = []
    tables: list[dict] = []
    subject_name = ""
    if state is not None:
        address = _address(state.card, lang)
        head_member = state.head
        head_name = head_member.member.person.full_name(lang) if head_member else w["unknown"]
        subject_name = head_name
        account = w["account"].format(account=state.card.data.account_number)
    if kind == "family":
        paragraphs.append(w["family_intro"].format(address=address, head=head_name, date=date))
        tables.append({"caption": "", "columns": w["cols_members"], "rows": _member_rows(state.members, lang),
                       "widths": [0.07, 0.45, 0.28, 0.2]})
        paragraphs_after = [w["family_count"].format(n=len(state.members)), account]
    elif kind == "residence":
        member = next(m for m in state.members if m.member.person.id == subject.person_id)
        data = member.member.person.data
        subject_name = member.member.person.full_name(lang)
        paragraphs.append(w["residence_text"].format(
            name=subject_name, birth=format_date(data.birth_date, lang) if data.birth_date else w["unknown"],
            date=date, address=address))
        if member.member.from_date:
            paragraphs.append(w["residence_since"].format(since=format_date(member.member.from_date, lang)))
        paragraphs_after = [account]
    elif kind == "household_extract":
        paragraphs.append(w["extract_intro"].format(address=address, date=date))
        paragraphs.append(account)
        tables.append({"caption": w["members_caption"], "columns": w["cols_members"],
                       "rows": _member_rows(state.members, lang), "widths": [0.07, 0.45, 0.28, 0.2]})
        tables.append({"caption": w["dwelling_caption"], "text": _dwelling_text(state.card.dwelling, lang)})
        if state.land_year:
            tables.append(_land_table(state, lang))
        if state.livestock_year:
            tables.append(_livestock_table(state, lang))
        paragraphs_after = []
    elif kind == "land":
        year = state.land_year or as_of.year
        if state.land:
            paragraphs.append(w["land_intro"].format(head=head_name, address=address, year=year))
            table = _land_table(state, lang)
            table["caption"] = ""
            tables.append(table)
            paragraphs_after = [w["land_total"].format(area=format_area_ha(sum(p.area_m2 for p in state.land))),
                                account]
        else:
            paragraphs.append(w["land_none"].format(year=year))
            paragraphs_after = [account]
    elif kind == "livestock":
        year = state.livestock_year or as_of.year
        if any(state.livestock.values()):
            paragraphs.append(w["livestock_intro"].format(head=head_name, address=address, year=year))
            table = _livestock_table(state, lang)
            table["caption"] = ""
            tables.append(table)
        else:
            paragraphs.append(w["livestock_none"].format(year=year))
        paragraphs_after = [account]
    elif kind == "income":
        year = state.land_year or state.livestock_year or as_of.year
        paragraphs.append(w["income_intro"].format(head=head_name, address=address, year=year))
        after, table = _income_block(state, lang, _norms(session))
        tables.append(table)
        paragraphs_after = after + [account]
    else:  # free text on the letterhead
        paragraphs += [p for p in text.splitlines() if p.strip()]
        paragraphs_after = []
        if subject.person_id is not None:
            subject_name = persons.get_person(session, subject.person_id).full_name(lang)
    title = w["extract_title"] if kind == "household_extract" else w["title"]
    return {
        "lang": lang,
        "header": head.header[lang],
        "address": head.address[lang],
        "title": title,
        "subtitle": w["kinds"][kind],
        "number_line": w["number_date"].format(number=number, date=format_date(issued_on, lang)),
        "as_of_line": w["as_of"].format(date=date) if as_of != issued_on else "",
        "paragraphs": paragraphs,
        "tables": tables,
        "paragraphs_after": paragraphs_after,
        "purpose": w["purpose"].format(purpose=purpose or w["purpose_default"]),
        "signatory_position": head.signatory_position[lang],
        "signatory_name": head.signatory_name[lang],
        "signature": w["signature"],
        "stamp": w["stamp"],
        "duplicate": w["duplicate"],
        "verify_note": w["verify_note"],
        "subject_name": subject_name,
    }


def _norms(session: Session) -> dict:
    norms = settings.get(session, "income_norms") or {}
    if not any((norms.get("land") or {}).values()) and not any((norms.get("livestock") or {}).values()):
        raise UserError(_("The income norms per hectare and per head are not set; the administrator sets them "
                          "under Services → Income norms."))
    return norms


def build_content(session: Session, *, kind: str, subject: Subject, language: str, as_of: dt.date,
                  issued_on: dt.date, number: str, purpose: str = "", text: str = "") -> dict:
    """Everything the certificate prints, in each language asked for (Kyrgyz first)."""
    if kind == "free" and not text.strip():
        raise ValidationError({"text": _("Enter the text of the certificate.")})
    head = letterhead(session)
    state = asof.card_as_of(session, subject.household_id, as_of) if subject.household_id else None
    if state is not None and kind != "free" and not state.members:
        raise UserError(_("Nobody lived in household {account} on {date}.").format(
            account=state.card.data.account_number, date=as_of.strftime("%d.%m.%Y")))
    if kind in PERSON_KINDS and state is not None and not any(
            m.member.person.id == subject.person_id for m in state.members):
        raise UserError(_not_resident_reason(session, persons.load(session, subject.person_id), as_of))
    pages = [_page(session, kind, lang, subject=subject, as_of=as_of, state=state, head=head, number=number,
                   issued_on=issued_on, purpose=purpose, text=text) for lang in languages_of(language)]
    return {"version": CONTENT_VERSION, "number": number, "kind": kind, "issued_on": issued_on.isoformat(),
            "as_of": as_of.isoformat(), "office_code": head.office_code, "language": language, "pages": pages}


# --- issuing ------------------------------------------------------------------------------------

def format_number(office_code: str, installation: str, year: int, seq: int) -> str:
    return f"{office_code}/{installation}/{year}/{seq:05d}"


def issue_certificate(session: Session, *, kind: str, language: str, household_id: uuid.UUID | None = None,
                      person_id: uuid.UUID | None = None, as_of: dt.date | None = None,
                      issued_on: dt.date | None = None, purpose: str = "", text: str = "",
                      applicant_name: str = "", application_id: uuid.UUID | None = None,
                      receipt_number: str = "") -> IssuedCertificate:
    """Fill, number, sign and register a certificate; one unit of work, so nothing is half-issued."""
    require_session(session, "certificate.issue")
    issued_on = issued_on or dt.date.today()
    as_of = as_of or issued_on
    if as_of > issued_on:
        raise ValidationError({"as_of": _("The as-of date cannot be after the issue date.")})
    languages_of(language)
    subject = resolve_subject(session, kind, household_id=household_id, person_id=person_id, on=as_of)
    head = letterhead(session)
    installation = numbering.installation_code(session)
    signing.ensure_own_key(session, head.office_code, installation, for_action="certificate.issue")
    seq = numbering.next_sequence(session, Certificate, start=settings.get(session, "certificate_number_start") or 1,
                                  office_code=head.office_code, installation_code=installation,
                                  year=issued_on.year)
    number = format_number(head.office_code, installation, issued_on.year, seq)
    content = build_content(session, kind=kind, subject=subject, language=language, as_of=as_of,
                            issued_on=issued_on, number=number, purpose=purpose.strip(), text=text)
    digest = signing.content_digest(content)
    payload = signing.sign_record(session, office_code=head.office_code, installation_code=installation,
                                  number=number, issued_on=issued_on, kind=kind, digest_hex=digest)
    fee, service, application = 0, register.for_certificate_kind(session, kind), None
    if application_id is not None:
        application = session.get(Application, application_id)
        if application is None or application.deleted_at is not None:
            raise NotFoundError(_("The application was not found."))
        service = register.get_service(session, application.service_id)
        applicant_name = applicant_name or application.applicant_name
        fee = service.data.fee_for(application.applicant_category)
    if fee and not receipt_number.strip():
        raise ValidationError({"receipt_number": _("The service is paid: enter the receipt number.")})
    row = Certificate(
        number=number, office_code=head.office_code, installation_code=installation, year=issued_on.year, seq=seq,
        kind=kind, issued_on=issued_on, as_of=as_of, language=language, household_id=subject.household_id,
        person_id=subject.person_id, application_id=application_id,
        subject_name=content["pages"][0]["subject_name"], applicant_name=applicant_name.strip(),
        purpose=purpose.strip(), signatory_name=head.signatory_name[languages_of(language)[0]],
        signatory_position=head.signatory_position[languages_of(language)[0]], fee_tyiyn=fee,
        content=content, content_digest=digest, payload=payload, status="issued")
    session.add(row)
    session.flush()
    payment_id = None
    if fee:
        payment = FeePayment(service_id=service.id, application_id=application_id, certificate_id=row.id,
                             paid_on=issued_on, amount_tyiyn=fee, receipt_number=receipt_number.strip(),
                             reason="service", payer_name=applicant_name.strip())
        session.add(payment)
        session.flush()
        payment_id = payment.id
    session.add(CertificatePrint(certificate_id=row.id, printed_at=dt.datetime.now(), duplicate=False,
                                 fee_tyiyn=fee, payment_id=payment_id))
    if application is not None and application.status in ("received", "in_work"):
        application.status, application.status_on = "ready", issued_on
    session.flush()
    _audit(session, "certificate_issued", row)
    return _issued(row, prints=1)


def _audit(session: Session, action: str, row: Certificate) -> None:
    """Record an issue, reprint or cancellation in the audit trail, about the certificate's subject."""
    from okmot.db.journal import actor_of
    from okmot.services import audit

    table, subject = ("person", row.person_id) if row.person_id else ("household", row.household_id)
    audit.record(session, actor_of(session), action, subject_table=table, subject_id=subject,
                 detail={"number": row.number, "certificate_id": str(row.id)})


def _load(session: Session, certificate_id: uuid.UUID) -> Certificate:
    row = session.get(Certificate, certificate_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(_("The certificate was not found."))
    return row


def _print_count(session: Session, certificate_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(CertificatePrint).where(
        CertificatePrint.certificate_id == certificate_id)) or 0


def get_certificate(session: Session, certificate_id: uuid.UUID) -> IssuedCertificate:
    row = _load(session, certificate_id)
    prints = _print_count(session, row.id)
    return _issued(row, prints=prints)


def by_number(session: Session, number: str) -> IssuedCertificate:
    row = session.scalar(select(Certificate).where(Certificate.number == number.strip(),
                                                   Certificate.deleted_at.is_(None)))
    if row is None:
        raise NotFoundError(_("No certificate has number {number}.").format(number=number))
    return _issued(row)


def duplicate_fee(session: Session, certificate_id: uuid.UUID) -> int:
    """The fee the standard sets for a repeat copy of this certificate (tyiyn)."""
    row = _load(session, certificate_id)
    service = register.for_certificate_kind(session, row.kind)
    if row.application_id is not None:
        application = session.get(Application, row.application_id)
        service = register.get_service(session, application.service_id)
    return service.data.duplicate_fee_tyiyn if service else 0


def reprint_certificate(session: Session, certificate_id: uuid.UUID, *, receipt_number: str = "",
                        payer_name: str = "") -> IssuedCertificate:
    """A repeat copy: the very content and QR of the original, marked duplicate, with the standard's fee."""
    require_session(session, "certificate.reprint")
    row = _load(session, certificate_id)
    if row.status == "cancelled":
        raise UserError(_("Certificate {number} was cancelled; it cannot be printed again.").format(number=row.number))
    fee = duplicate_fee(session, certificate_id)
    payment_id = None
    if fee:
        if not receipt_number.strip():
            raise ValidationError({"receipt_number": _(
                "A duplicate costs {amount} som by the standard: enter the receipt number.").format(
                amount=f"{fee / 100:.2f}")})
        service = register.for_certificate_kind(session, row.kind)
        if row.application_id is not None:
            service = register.get_service(session, session.get(Application, row.application_id).service_id)
        payment = FeePayment(service_id=service.id, application_id=row.application_id, certificate_id=row.id,
                             paid_on=dt.date.today(), amount_tyiyn=fee, receipt_number=receipt_number.strip(),
                             reason="duplicate", payer_name=payer_name.strip() or row.applicant_name)
        session.add(payment)
        session.flush()
        payment_id = payment.id
    session.add(CertificatePrint(certificate_id=row.id, printed_at=dt.datetime.now(), duplicate=True,
                                 fee_tyiyn=fee, payment_id=payment_id))
    session.flush()
    _audit(session, "certificate_reprinted", row)
    prints = _print_count(session, row.id)
    return _issued(row, duplicate=True, prints=prints)


def cancel_certificate(session: Session, certificate_id: uuid.UUID, *, reason: str,
                       on: dt.date | None = None) -> IssuedCertificate:
    require_session(session, "certificate.cancel")
    row = _load(session, certificate_id)
    if row.status == "cancelled":
        raise ValidationError({"status": _("The certificate is cancelled already.")})
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Enter the reason for cancelling.")})
    row.status, row.cancelled_on, row.cancel_reason = "cancelled", on or dt.date.today(), reason.strip()
    session.flush()
    _audit(session, "certificate_cancelled", row)
    return _issued(row)


# --- register -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateFilter:
    text: str = ""
    kind: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class CertificateRow:
    id: uuid.UUID
    number: str
    issued_on: dt.date
    kind: str
    subject_name: str
    applicant_name: str
    purpose: str
    signatory_name: str
    fee_tyiyn: int
    language: str
    status: str
    cancel_reason: str

    def as_json(self) -> dict:
        return {"number": self.number, "issued_on": self.issued_on.isoformat(), "kind": self.kind,
                "subject": self.subject_name, "applicant": self.applicant_name, "purpose": self.purpose,
                "signatory": self.signatory_name, "fee_tyiyn": self.fee_tyiyn, "language": self.language,
                "status": self.status, "cancel_reason": self.cancel_reason}


def list_certificates(session: Session, flt: CertificateFilter = CertificateFilter(), *,
                      limit: int = 5000) -> list[CertificateRow]:
    q = select(Certificate).where(Certificate.deleted_at.is_(None))
    if flt.kind:
        q = q.where(Certificate.kind == flt.kind)
    if flt.status:
        q = q.where(Certificate.status == flt.status)
    if flt.date_from:
        q = q.where(Certificate.issued_on >= flt.date_from)
    if flt.date_to:
        q = q.where(Certificate.issued_on <= flt.date_to)
    rows = session.scalars(q.order_by(Certificate.issued_on.desc(), Certificate.number.desc()))
    needle = flt.text.strip().casefold()
    out = []
    for r in rows:
        # Names hold Kyrgyz letters SQLite's lower() does not fold: filter the text in Python.
        if needle and not any(needle in (v or "").casefold()
                              for v in (r.number, r.subject_name, r.applicant_name, r.purpose)):
            continue
        out.append(CertificateRow(r.id, r.number, r.issued_on, r.kind, r.subject_name, r.applicant_name, r.purpose,
                                  r.signatory_name, r.fee_tyiyn, r.language, r.status, r.cancel_reason or ""))
        if len(out) >= limit:
            break
    return out


# --- verification -------------------------------------------------------------------------------

def verify(session: Session, payload: str) -> signing.Verdict:
    """Valid, altered, unknown office, or cancelled (when this database knows the certificate)."""
    verdict = signing.check_signature(session, payload)
    if not verdict.valid:
        return verdict
    record = verdict.record
    row = session.scalar(select(Certificate).where(Certificate.number == record.number,
                                                   Certificate.deleted_at.is_(None)))
    if row is None:
        return verdict
    if row.content_digest != record.digest_hex or row.kind != record.kind or row.issued_on != record.issued_on:
        return signing.Verdict("altered", record, _(
            "The signed record does not match certificate {number} in the register.").format(number=row.number))
    if row.status == "cancelled":
        return signing.Verdict("cancelled", record, _("Certificate {number} was cancelled on {date}: {reason}").format(
            number=row.number, date=row.cancelled_on.strftime("%d.%m.%Y"), reason=row.cancel_reason))
    return signing.Verdict("valid", record, _("Certificate {number} of {date} is valid and in the register.").format(
        number=row.number, date=row.issued_on.strftime("%d.%m.%Y")))
