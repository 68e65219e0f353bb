"""The subject-access report as a PDF, and the audit trail as a workbook: plain data in, files out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from okmot import codes
from okmot.i18n import N_
from reports.common import code_label, d, t
from reports.model import DATE, TEXT, Column, Facts, Report, Table
from reports.pdf import write_pdf
from reports.xlsx import write_xlsx


def _when(value: dt.datetime) -> str:
    """A UTC time stamp of the journal as local time."""
    return value.replace(tzinfo=dt.UTC).astimezone().strftime("%d.%m.%Y %H:%M")


def _labels(lang: str, generated: str) -> dict[str, str]:
    return {"total": t(lang, N_("Total")), "subtotal": t(lang, N_("Subtotal: {label}")),
            "generated": generated, "page": t(lang, N_("Page {n}"))}


def access_table(lang: str, rows: Sequence, action_labels: dict[str, str], title: str) -> Table:
    """Audit events (okmot.services.audit.AuditRow) as a table: when, who, what, about which record."""
    columns = (Column(t(lang, N_("When")), TEXT, 16), Column(t(lang, N_("User")), TEXT, 16),
               Column(t(lang, N_("Action")), TEXT, 24), Column(t(lang, N_("Record")), TEXT, 14),
               Column(t(lang, N_("Record id")), TEXT, 36), Column(t(lang, N_("Details")), TEXT, 40))
    body = [(_when(r.at), r.user_name, t(lang, action_labels[r.action]) if r.action in action_labels else r.action,
             r.subject_table, str(r.subject_id or ""),
             ", ".join(f"{k}: {v}" for k, v in sorted(r.detail.items()))) for r in rows]
    return Table(title, columns, rows=body, totals=False, sheet=title[:28])


def audit_report(rows: Sequence, *, action_labels: dict[str, str], office: str, filters: str, lang: str,
                 generated_by: str) -> Report:
    now = dt.datetime.now()
    generated = t(lang, N_("Generated {at} by {who}")).format(at=now.strftime("%d.%m.%Y %H:%M"), who=generated_by)
    title = t(lang, N_("Audit trail"))
    return Report(kind="audit", title=title, language=lang, office=office, when=filters,
                  scope=t(lang, N_("Events: {n}")).format(n=len(rows)), generated_at=now.isoformat(),
                  generated_by=generated_by, sections=(access_table(lang, rows, action_labels, title),),
                  landscape=True, labels=_labels(lang, generated))


def write_audit_xlsx(rows: Sequence, path: str | Path, **kw) -> Path:
    """The audit events shown in the viewer, as a workbook written atomically."""
    return write_xlsx(audit_report(rows, **kw), path)


def _person_facts(lang: str, data) -> Facts:
    p = data.person
    categories = ", ".join(code_label(lang, codes.SOCIAL_CATEGORIES, c) for c in p.social_categories)
    items = [
        (N_("Surname"), p.surname), (N_("Given name"), p.given_name), (N_("Father's name"), p.father_name),
        (N_("Sex"), code_label(lang, codes.SEXES, p.sex)), (N_("Date of birth"), d(p.birth_date)),
        (N_("PIN"), p.pin), (N_("Nationality"), code_label(lang, codes.NATIONALITIES, p.nationality)),
        (N_("Education"), code_label(lang, codes.EDUCATION, p.education)), (N_("Occupation"), p.occupation),
        (N_("Workplace"), p.workplace), (N_("Social categories"), categories),
        (N_("Disability group"), str(p.disability_group or "")),
        (N_("Residence status"), code_label(lang, codes.RESIDENCE_STATUSES, p.residence_status)),
        (N_("Phone"), p.phone), (N_("Note"), p.note),
    ]
    return Facts(t(lang, N_("Personal data")), tuple((t(lang, label), value) for label, value in items))


def subject_access_report(data, lang: str) -> Report:
    """``data`` is an okmot.services.subject_access.SubjectAccess."""
    generated = t(lang, N_("Generated {at} by {who}")).format(
        at=data.generated_at.strftime("%d.%m.%Y %H:%M"), who=data.generated_by)
    stays = Table(t(lang, N_("Households")), (
        Column(t(lang, N_("Account No.")), TEXT, 12), Column(t(lang, N_("Relation to the head")), TEXT, 20),
        Column(t(lang, N_("From")), DATE, 12), Column(t(lang, N_("To")), DATE, 12),
        Column(t(lang, N_("Reason")), TEXT, 20)),
        rows=[(s.account_number, code_label(lang, codes.RELATIONS, s.relation), s.from_date, s.to_date,
               s.end_reason) for s in data.stays], totals=False)
    moves = Table(t(lang, N_("Movements")), (
        Column(t(lang, N_("Date")), DATE, 12), Column(t(lang, N_("Movement")), TEXT, 20),
        Column(t(lang, N_("Account No.")), TEXT, 12), Column(t(lang, N_("Place")), TEXT, 24),
        Column(t(lang, N_("Recorded by")), TEXT, 16)),
        rows=[(m.on_date, code_label(lang, codes.MOVEMENT_KINDS, m.kind), m.account_number,
               ", ".join(x for x in (m.place, m.country) if x), m.recorded_by) for m in data.movements],
        totals=False)
    certs = Table(t(lang, N_("Certificates")), (
        Column(t(lang, N_("Number")), TEXT, 18), Column(t(lang, N_("Issued on")), DATE, 12),
        Column(t(lang, N_("Kind")), TEXT, 24), Column(t(lang, N_("Status")), TEXT, 12),
        Column(t(lang, N_("About")), TEXT, 24)),
        rows=[(c.number, c.issued_on, t(lang, data.kind_labels[c.kind]) if c.kind in data.kind_labels else c.kind,
               c.status, c.subject_name) for c in data.certificates], totals=False)
    changes = Table(t(lang, N_("Changes of the records")), (
        Column(t(lang, N_("When")), TEXT, 16), Column(t(lang, N_("User")), TEXT, 14),
        Column(t(lang, N_("Record")), TEXT, 12), Column(t(lang, N_("Operation")), TEXT, 10),
        Column(t(lang, N_("Old → new")), TEXT, 60)),
        rows=[(_when(c.at), c.user_name, c.table_name, c.op, c.changes) for c in data.changes], totals=False)
    accesses = access_table(lang, data.accesses, data.action_labels, t(lang, N_("Who accessed the data")))
    return Report(
        kind="subject_access", title=t(lang, N_("Subject-access report: {name}")).format(name=data.full_name),
        language=lang, office=data.office,
        when=t(lang, N_("As of {date}")).format(date=d(data.generated_at.date())),
        scope=t(lang, N_("Everything this office holds about the person (Law 58, Article 17).")),
        generated_at=data.generated_at.isoformat(), generated_by=data.generated_by,
        sections=(_person_facts(lang, data), stays, moves, certs, changes, accesses), landscape=True,
        labels=_labels(lang, generated))


def write_subject_access_pdf(data, path: str | Path, lang: str) -> Path:
    return write_pdf(subject_access_report(data, lang), path)
