"""The district's work list of persons who seem to live in two offices, as a workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from okmot.i18n import N_
from reports.common import t
from reports.model import DATE, PIN_WIDTH, Column, Report, Table

KIND = "cross_office_duplicates"


def _side(lang: str, label: str) -> tuple[Column, ...]:
    return (Column(t(lang, N_("Office")) + f" ({label})", width=10),
            Column(t(lang, N_("Aiyl aimak")) + f" ({label})", width=20),
            Column(t(lang, N_("Village")) + f" ({label})", width=16),
            Column(t(lang, N_("Account No.")) + f" ({label})", width=10),
            Column(t(lang, N_("Full name")) + f" ({label})", width=30),
            Column(t(lang, N_("PIN")) + f" ({label})", width=PIN_WIDTH),
            Column(t(lang, N_("Birth date")) + f" ({label})", DATE, 12))


def _values(lang: str, p) -> tuple:
    return (p.office_code, p.office_name(lang), p.village(lang), p.account_number, p.name, p.pin, p.birth_date)


def cross_office_report(pairs: Sequence, lang: str, *, district: str, generated_by: str,
                        generated_at: dt.datetime) -> Report:
    """``pairs`` are okmot.services.cross_office.CrossOfficePair (read by attribute: plain data in)."""
    columns = (Column(t(lang, N_("Why listed")), width=24), *_side(lang, "1"), *_side(lang, "2"))
    rows = [(t(lang, p.reason_label), *_values(lang, p.first), *_values(lang, p.second)) for p in pairs]
    title = t(lang, N_("Persons living in two offices"))
    table = Table(title, columns, rows=rows, totals=False, sheet=t(lang, N_("Pairs")),
                  note=t(lang, N_("Current residents of two different aiyl aimaks with the same PIN, or the same "
                                  "name and birth date. The offices check and correct their books.")))
    generated = t(lang, N_("Generated {at} by {who}")).format(at=generated_at.strftime("%d.%m.%Y %H:%M"),
                                                               who=generated_by)
    return Report(kind=KIND, title=title, language=lang, office=district,
                  when=t(lang, N_("As of {date}")).format(date=generated_at.strftime("%d.%m.%Y")),
                  scope=t(lang, N_("Pairs to review: {n}")).format(n=len(rows)),
                  generated_at=generated_at.isoformat(), generated_by=generated_by, sections=(table,),
                  landscape=True, labels={"total": t(lang, N_("Total")), "subtotal": t(lang, N_("Subtotal: {label}")),
                                          "generated": generated, "page": t(lang, N_("Page {n}"))})
