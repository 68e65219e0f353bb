"""Definitions of the services reports: applications by service and outcome, certificates by kind, fees."""

from __future__ import annotations

from decimal import Decimal

from okmot.i18n import N_
from okmot.reporting.data import FeesData, MonthCount, ServicesData
from reports.common import build, t
from reports.model import COUNT, DATE, INT, MONEY, SUM, Chart, Column, Report, Table
from reports.offices import not_carried

TYIYN_PER_SOM = 100


def som(tyiyn: int) -> Decimal:
    """Som with tyiyn exactly (a Decimal, never a float): 1 som = 100 tyiyn."""
    return Decimal(tyiyn) / TYIYN_PER_SOM


def applications_table(data: ServicesData, lang: str) -> Table:
    cols = (Column(t(lang, N_("Service")), width=40),
            Column(t(lang, N_("Received in the period")), INT, 12, SUM),
            Column(t(lang, N_("Issued on time")), INT, 12, SUM),
            Column(t(lang, N_("Issued late")), INT, 12, SUM),
            Column(t(lang, N_("Issued in all")), INT, 12, formula="{2}+{3}", compute=lambda r: r[2] + r[3]),
            Column(t(lang, N_("Refused")), INT, 12, SUM),
            Column(t(lang, N_("Returned for correction at the end")), INT, 14, SUM),
            Column(t(lang, N_("Open at the end")), INT, 12, SUM),
            Column(t(lang, N_("Of them overdue")), INT, 12, SUM))
    rows = [(r.name(lang), r.received, r.on_time, r.late, r.on_time + r.late, r.refused, r.returned, r.open,
             r.overdue) for r in data.rows]
    return Table(t(lang, N_("Applications by service")), cols, rows=rows, sheet=t(lang, N_("Applications")),
                 note=t(lang, N_("On time: handed over by the deadline of the application, counted in working "
                                 "days by the office's calendar. Open and overdue: as at the last day of the period.")))


def certificates_table(data: ServicesData, lang: str) -> Table:
    cols = (Column(t(lang, N_("Certificate")), width=40),
            Column(t(lang, N_("Issued")), INT, 12, SUM),
            Column(t(lang, N_("Of them cancelled")), INT, 12, SUM),
            Column(t(lang, N_("Duplicates printed")), INT, 12, SUM))
    rows = [(t(lang, r.label), r.issued, r.cancelled, r.duplicates) for r in data.certificates]
    return Table(t(lang, N_("Certificates by kind")), cols, rows=rows, sheet=t(lang, N_("Certificates")))


def late_table(data: ServicesData, lang: str) -> Table:
    cols = (Column(t(lang, N_("Received")), DATE, 12),
            Column(t(lang, N_("Application No.")), width=16, total=COUNT),
            Column(t(lang, N_("Service")), width=36), Column(t(lang, N_("Applicant")), width=26),
            Column(t(lang, N_("Deadline")), DATE, 12), Column(t(lang, N_("Handed over")), DATE, 12),
            Column(t(lang, N_("Working days past the deadline")), INT, 14))
    rows = [(a.received_on, a.number, a.service(lang), a.applicant, a.due_on, a.closed_on, a.working_days_late)
            for a in data.late]
    return Table(t(lang, N_("Applications handed over late or overdue")), cols, rows=rows,
                 sheet=t(lang, N_("Late")),
                 note=t(lang, N_("Without a hand-over date: still open at the end of the period, counted to that day.")))


def months_chart(months: tuple[MonthCount, ...], lang: str) -> Chart:
    return Chart("bars", t(lang, N_("Services per month")), tuple(m.month.strftime("%m.%Y") for m in months),
                 ((t(lang, N_("Applications received")), tuple(m.applications for m in months)),
                  (t(lang, N_("Certificates issued")), tuple(m.certificates for m in months))))


def services(data: ServicesData, lang: str) -> Report:
    notice = not_carried(data.header, lang, own_records=_any_services(data))
    if notice is not None and not _any_services(data):
        # A district database: a line saying why there is nothing, not tables of zeros.
        return build("services", data.header, lang, [notice], landscape=True)
    sections = [applications_table(data, lang), certificates_table(data, lang), late_table(data, lang),
                months_chart(data.months, lang)]
    return build("services", data.header, lang, [*([notice] if notice else []), *sections], landscape=True)


def _any_services(data: ServicesData) -> bool:
    return any(r.received or r.on_time or r.late or r.refused or r.returned or r.open for r in data.rows) \
        or any(c.issued or c.duplicates for c in data.certificates) or bool(data.late)


def fees(data: FeesData, lang: str) -> Report:
    cols = (Column(t(lang, N_("Service")), width=40),
            Column(t(lang, N_("Payments")), INT, 11, SUM),
            Column(t(lang, N_("Amount, som")), MONEY, 14, SUM),
            Column(t(lang, N_("Of them for duplicates: payments")), INT, 14, SUM),
            Column(t(lang, N_("Of them for duplicates: som")), MONEY, 14, SUM))
    rows = [(r.name(lang), r.payments, som(r.amount_tyiyn), r.duplicate_payments, som(r.duplicate_tyiyn))
            for r in data.rows]
    table = Table(t(lang, N_("Fees collected by service")), cols, rows=rows, sheet=t(lang, N_("Fees")))
    notice = not_carried(data.header, lang, own_records=any(r.payments for r in data.rows))
    if notice is not None and not any(r.payments for r in data.rows):
        return build("fees", data.header, lang, [notice])  # a district database: say why, not zeros
    return build("fees", data.header, lang, [*([notice] if notice else []), table])
