"""Services reports (applications by service, certificates by kind, fees) and the pack's services chart.

The journal is filled through the real services (applications, certificates, fees), then the
workbooks are read back and compared with independent SQL over the database file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from okmot import cli
from okmot.services import applications as A
from okmot.services import certificates as C
from okmot.services import fees, households, service_register, territory, work_calendar
from okmot.services.persons import PersonData
from tests import village
from tests.certificate_fixtures import prepare
from tests.reports_helpers import libreoffice_csv, make_report, sheet_rows, sql

TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=120)
END = TODAY


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports-services") / "village.sqlite3"
    ctx = village.build(path, households_count=0)
    try:
        _households(ctx)
        prepare(ctx)
        _fill(ctx)
    finally:
        ctx.close()
    return path


def _households(ctx) -> None:
    """Four households open since before the period (certificates read the book as of their date)."""
    with ctx.write() as s:
        places = {v.code: v.id for v in territory.list_villages(s)}
        for i, name in enumerate(("Асанов", "Өмүрбеков", "Үсөнов", "Токтосунов")):
            households.create_household(
                s, households.HouseholdData(f"{i + 1:04d}", places["01" if i % 2 == 0 else "02"],
                                            opened_on=START - dt.timedelta(days=60)),
                head=PersonData(name, "Бекзат", "M", father_name="Асан", birth_date=dt.date(1970 + i, 5, 15)))


def _fill(ctx) -> None:
    with ctx.read() as s:
        hid = {acc: households.household_id_by_account(s, acc) for acc in ("0001", "0002", "0003", "0004")}
        service = {code: service_register.by_code(s, code) for code in (
            "family_certificate", "land_certificate", "archive_copy_business")}

    def apply(code: str, account: str, on: dt.date, **kw) -> A.ApplicationRecord:
        docs = ("passport",) if code != "archive_copy_business" else ()
        return A.register_application(s, A.ApplicationData(
            service[code].id, "Асанов Бекзат", documents_presented=docs, household_id=hid[account],
            received_on=on, **kw))

    with ctx.write() as s:
        # Before the period and never finished: open and overdue at the end, not received in the period.
        apply("family_certificate", "0002", START - dt.timedelta(days=10))
        # Handed over on the day of receipt: on time.
        a1 = apply("family_certificate", "0001", START + dt.timedelta(days=5))
        A.change_status(s, a1.id, "in_work", on=a1.received_on)
        c1 = C.issue_certificate(s, kind="family", language="ky", household_id=hid["0001"], application_id=a1.id,
                                 issued_on=a1.received_on)
        A.change_status(s, a1.id, "issued", on=a1.received_on)
        # Handed over a month late, and its certificate cancelled later.
        a2 = apply("family_certificate", "0002", START + dt.timedelta(days=10))
        late_on = START + dt.timedelta(days=40)
        A.change_status(s, a2.id, "in_work", on=a2.received_on)
        c2 = C.issue_certificate(s, kind="family", language="ky", household_id=hid["0002"], application_id=a2.id,
                                 issued_on=late_on)
        A.change_status(s, a2.id, "issued", on=late_on)
        C.cancel_certificate(s, c2.id, reason="ката", on=START + dt.timedelta(days=50))
        # Refused.
        a3 = apply("land_certificate", "0003", START + dt.timedelta(days=12))
        ground = service["land_certificate"].data.refusal_grounds[0].code
        A.change_status(s, a3.id, "refused", on=a3.received_on + dt.timedelta(days=1), refusal_code=ground)
        # Returned for correction and not back.
        a4 = apply("family_certificate", "0001", START + dt.timedelta(days=20))
        A.change_status(s, a4.id, "returned", on=a4.received_on, note="паспорт",
                        correction_due_on=a4.received_on + dt.timedelta(days=5))
        # A paid service: the certificate takes its fee, with a receipt.
        a5 = apply("archive_copy_business", "0002", START + dt.timedelta(days=30))
        C.issue_certificate(s, kind="free", language="ru", text="Копия", application_id=a5.id,
                            household_id=hid["0002"], issued_on=a5.received_on, receipt_number="К-10")
        A.change_status(s, a5.id, "issued", on=a5.received_on)
        # Received today: open, not overdue.
        apply("land_certificate", "0004", TODAY)
        # A certificate without an application, and a paid duplicate of the first one (paid today).
        C.issue_certificate(s, kind="residence", language="ky",
                            person_id=households.members_as_of(s, hid["0003"], TODAY)[0].person.id,
                            issued_on=START + dt.timedelta(days=60))
        C.reprint_certificate(s, c1.id, receipt_number="К-11")
        # A fee taken at the counter with no application or certificate (no village), and one before the period.
        fees.record_payment(s, service_id=service["archive_copy_business"].id, amount_tyiyn=12345,
                            receipt_number="К-12", paid_on=START + dt.timedelta(days=70))
        fees.record_payment(s, service_id=service["archive_copy_business"].id, amount_tyiyn=10000,
                            receipt_number="К-9", paid_on=START - dt.timedelta(days=1))


def _period(**kw) -> dict:
    return {"start": START, "end": END, **kw}


def _rows_by_label(path: Path, sheet: int = 0) -> tuple[dict, list[tuple], int]:
    rows, header = sheet_rows(path, sheet)
    body = [r for r in rows[header:] if r and r[0] not in (None, "")]
    return {r[0]: r for r in body}, rows, header


APPLICATIONS_SQL = """
    SELECT se.name_ky, a.received_on, a.status, a.status_on, a.closed_on, a.due_on, v.code
    FROM application a JOIN service_entry se ON se.id = a.service_id
    LEFT JOIN household h ON h.id = a.household_id LEFT JOIN village v ON v.id = h.village_id
    WHERE a.deleted_at IS NULL
"""


def _expected_applications(db: Path, village: str | None = None) -> dict[str, list[int]]:
    """Independent counts: received, on time, late, refused, returned, open, overdue per service name."""
    s, e = START.isoformat(), END.isoformat()
    out: dict[str, list[int]] = {}
    for name, received, status, status_on, closed, due, code in sql(db, APPLICATIONS_SQL):
        if village and code != village:
            continue
        c = out.setdefault(name, [0] * 7)
        if s <= received <= e:
            c[0] += 1
        if received > e:
            continue
        if status == "issued" and closed and closed <= e:
            if closed >= s:
                c[1 if closed <= due else 2] += 1
        elif status == "refused" and closed and closed <= e:
            c[3] += closed >= s
        elif status == "returned" and status_on <= e:
            c[4] += 1
        else:
            c[5] += 1
            c[6] += e > due
    return out


def test_applications_by_service_match_the_journal(journal: Path, tmp_path: Path) -> None:
    out = make_report(journal, tmp_path / "s.xlsx", "services", **_period())
    by_label, rows, header = _rows_by_label(out)
    assert rows[header - 1][:5] == ("Service", "Received in the period", "Issued on time", "Issued late",
                                    "Issued in all")
    expected = _expected_applications(journal)
    family = sql(journal, "SELECT name_ky FROM service_entry WHERE code = 'family_certificate'")[0][0]
    # The hand-made journal: the independent counts are what was done above.
    assert expected[family] == [3, 1, 1, 0, 1, 1, 1]
    first = header + 1
    for name, counts in expected.items():
        row = by_label[name]
        assert [row[1], row[2], row[3], row[5], row[6], row[7], row[8]] == counts, name
        i = first + [r[0] for r in rows[header:]].index(name)
        assert row[4] == f"=C{i}+D{i}"
    services_listed = [r for r in rows[header:] if r[0] not in ("Total", None) and isinstance(r[1], int)]
    assert {r[0] for r in services_listed} == {n for (n,) in sql(
        journal, "SELECT name_ky FROM service_entry WHERE deleted_at IS NULL AND active = 1")}
    total = by_label["Total"]
    last = first + len(services_listed) - 1
    assert total[1] == f"=SUM(B{first}:B{last})" and total[8] == f"=SUM(I{first}:I{last})"
    assert total[4] == f"=C{last + 1}+D{last + 1}"
    received = sql(journal, "SELECT COUNT(*) FROM application WHERE received_on BETWEEN ? AND ?",
                   START.isoformat(), END.isoformat())[0][0]
    assert sum(r[1] for r in services_listed) == received == 6


def test_village_filter_and_the_deadline_comes_from_the_working_day_calendar(journal: Path, tmp_path: Path) -> None:
    out = make_report(journal, tmp_path / "v.xlsx", "services", **_period(villages=("02",)))
    by_label, _rows, _header = _rows_by_label(out)
    for name, counts in _expected_applications(journal, "02").items():
        row = by_label[name]
        assert [row[1], row[2], row[3], row[5], row[6], row[7], row[8]] == counts, name
    # The late application's deadline in the report is the journal's: the working-day calendar's.
    due, received = sql(journal, "SELECT due_on, received_on FROM application WHERE status = 'issued' "
                                 "AND closed_on > due_on")[0]
    from okmot.services.context import open_context
    ctx = open_context(journal)
    try:
        with ctx.read() as s:
            assert work_calendar.load(s).add_working_days(dt.date.fromisoformat(received), 1).isoformat() == due
    finally:
        ctx.close()


def test_certificates_by_kind(journal: Path, tmp_path: Path) -> None:
    out = make_report(journal, tmp_path / "c.xlsx", "services", **_period())
    by_label, rows, header = _rows_by_label(out, 1)
    assert rows[header - 1] == ("Certificate", "Issued", "Of them cancelled", "Duplicates printed")
    issued = dict(sql(journal, "SELECT kind, COUNT(*) FROM certificate WHERE issued_on BETWEEN ? AND ? "
                               "GROUP BY kind", START.isoformat(), END.isoformat()))
    cancelled = dict(sql(journal, "SELECT kind, COUNT(*) FROM certificate WHERE status = 'cancelled' "
                                  "GROUP BY kind"))
    duplicates = dict(sql(journal, "SELECT c.kind, COUNT(*) FROM certificate_print p JOIN certificate c "
                                   "ON c.id = p.certificate_id WHERE p.duplicate = 1 GROUP BY c.kind"))
    assert issued == {"family": 2, "free": 1, "residence": 1} and cancelled == {"family": 1}
    assert duplicates == {"family": 1}
    for kind, label in C.KINDS.items():
        row = by_label[label]
        assert row[1:] == (issued.get(kind, 0), cancelled.get(kind, 0), duplicates.get(kind, 0)), kind
    first, last = header + 1, header + len(C.KINDS)
    assert by_label["Total"][1:] == (f"=SUM(B{first}:B{last})", f"=SUM(C{first}:C{last})",
                                     f"=SUM(D{first}:D{last})")


def test_fees_by_service_in_som_with_tyiyn(journal: Path, tmp_path: Path) -> None:
    out = make_report(journal, tmp_path / "f.xlsx", "fees", **_period())
    by_label, rows, header = _rows_by_label(out)
    assert rows[header - 1][:3] == ("Service", "Payments", "Amount, som")
    expected = {name: (n, amount, dn, da) for name, n, amount, dn, da in sql(
        journal, "SELECT se.name_ky, COUNT(*), SUM(f.amount_tyiyn), SUM(f.reason = 'duplicate'), "
                 "SUM(CASE WHEN f.reason = 'duplicate' THEN f.amount_tyiyn ELSE 0 END) "
                 "FROM fee_payment f JOIN service_entry se ON se.id = f.service_id "
                 "WHERE f.paid_on BETWEEN ? AND ? GROUP BY se.name_ky", START.isoformat(), END.isoformat())}
    archive = sql(journal, "SELECT name_ky FROM service_entry WHERE code = 'archive_copy_business'")[0][0]
    assert expected[archive] == (2, 22345, 0, 0)
    for name, (n, amount, dn, da) in expected.items():
        row = by_label[name]
        assert row[1] == n and Decimal(str(row[2])) == Decimal(amount) / 100
        assert row[3] == dn and Decimal(str(row[4])) == Decimal(da) / 100
    from openpyxl import load_workbook
    wb = load_workbook(out)
    try:
        ws = wb.worksheets[0]
        amount_cell = ws.cell(header + 1, 3)
        assert amount_cell.number_format == "#,##0.00"
        total_row = next(r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value == "Total")
        assert ws.cell(total_row, 3).value == f"=SUM(C{header + 1}:C{total_row - 1})"
    finally:
        wb.close()
    # Village 01: only the duplicate of the certificate of household 0001 (the counter fee has no village).
    one, *_ = _rows_by_label(make_report(journal, tmp_path / "f1.xlsx", "fees", **_period(villages=("01",))))
    family = sql(journal, "SELECT name_ky FROM service_entry WHERE code = 'family_certificate'")[0][0]
    assert one[archive][1:3] == (0, 0) and one[family][1] == 1 and Decimal(str(one[family][2])) == Decimal("20")


def test_pdfs_and_the_half_year_services_chart(journal: Path, tmp_path: Path) -> None:
    def text(path: Path) -> str:
        return "\n".join(p.extract_text() for p in PdfReader(path).pages)

    services_pdf = text(make_report(journal, tmp_path / "s.pdf", "services", **_period()))
    assert "Applications by service" in services_pdf and "Certificates by kind" in services_pdf
    assert "Services per month" in services_pdf and "Applications received" in services_pdf
    fees_pdf = text(make_report(journal, tmp_path / "f.pdf", "fees", **_period()))
    assert "223,45" in fees_pdf  # 22 345 tyiyn
    pack = text(make_report(journal, tmp_path / "h.pdf", "half_year", **_period()))
    for label in ("Services per month", "Applications received", "Certificates issued",
                  START.strftime("%m.%Y"), END.strftime("%m.%Y")):
        assert label in pack, label
    # The pack's month table: applications received and certificates issued per month, from SQL.
    month = START.replace(day=1) + dt.timedelta(days=40)
    key = month.strftime("%Y-%m")
    apps = sql(journal, "SELECT COUNT(*) FROM application WHERE substr(received_on, 1, 7) = ? AND received_on >= ?",
               key, START.isoformat())[0][0]
    certs = sql(journal, "SELECT COUNT(*) FROM certificate WHERE substr(issued_on, 1, 7) = ?", key)[0][0]
    assert f"{month.strftime('%m.%Y')}\n{apps}\n{certs}\n" in pack


def test_cli_lists_and_makes_the_services_reports(journal: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["report", "--list", "--lang", "en"]) == 0
    listed = capsys.readouterr().out
    assert "services" in listed and "fees" in listed and "Fees collected by service" in listed
    out = tmp_path / "fees.xlsx"
    assert cli.main(["report", "--db", str(journal), "--kind", "fees", "--out", str(out), "--from",
                     START.isoformat(), "--to", END.isoformat(), "--lang", "ru"]) == 0
    rows, header = sheet_rows(out)
    assert rows[0][0] == "Ак-Суйский айылный аймак" and rows[header][0]


def test_libreoffice_converts_the_services_workbooks(journal: Path, tmp_path: Path) -> None:
    made = [make_report(journal, tmp_path / f"{kind}.xlsx", kind, **_period()) for kind in ("services", "fees")]
    tables = libreoffice_csv(made, tmp_path)
    services = tables["services"]
    header = next(i for i, r in enumerate(services) if r[:2] == ["Service", "Received in the period"])
    end = next(i for i, r in enumerate(services) if r and r[0] == "Total")
    body, total = services[header + 1:end], services[end]
    assert len(body) == len(sql(journal, "SELECT 1 FROM service_entry WHERE active = 1"))
    for col in range(1, 9):
        assert int(total[col]) == sum(int(r[col]) for r in body)
    for r in body:  # "issued in all" recomputed by LibreOffice
        assert int(r[4]) == int(r[2]) + int(r[3])
    fee_rows = tables["fees"]
    header = next(i for i, r in enumerate(fee_rows) if r[:2] == ["Service", "Payments"])
    end = next(i for i, r in enumerate(fee_rows) if r and r[0] == "Total")
    body, total = fee_rows[header + 1:end], fee_rows[end]
    assert Decimal(total[2]) == sum(Decimal(r[2]) for r in body)
    paid = sql(journal, "SELECT SUM(amount_tyiyn) FROM fee_payment WHERE paid_on BETWEEN ? AND ?",
               START.isoformat(), END.isoformat())[0][0]
    assert Decimal(total[2]) == Decimal(paid) / 100


def test_report_dialog_offers_and_makes_the_fees_report(qtbot, journal: Path, tmp_path: Path) -> None:
    from okmot.services.context import open_context
    from ui.report_dialog import ReportDialog

    ctx = open_context(journal)
    try:
        dialog = ReportDialog(ctx)
        qtbot.addWidget(dialog)
        assert dialog.kind_combo.findData("services") >= 0
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("fees"))
        assert dialog.start.isVisibleTo(dialog) and not dialog.as_of.isVisibleTo(dialog)
        dialog.start.set_value(START)
        dialog.end.set_value(END)
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ru"))
        dialog.open_when_done.setChecked(False)
        out = tmp_path / "fees.xlsx"
        dialog.path_edit.setText(str(out))
        dialog.make_button.click()
        qtbot.waitUntil(lambda: dialog.worker is None and "ready" in dialog.message.text(), timeout=20000)
        by_label, _rows, _header = _rows_by_label(out)
        archive = sql(journal, "SELECT name_ru FROM service_entry WHERE code = 'archive_copy_business'")[0][0]
        assert by_label[archive][1] == 2 and Decimal(str(by_label[archive][2])) == Decimal("223.45")
    finally:
        ctx.close()


def test_late_and_overdue_list_counts_working_days_by_the_calendar(journal: Path, tmp_path: Path) -> None:
    from okmot.services.context import open_context

    out = make_report(journal, tmp_path / "late.xlsx", "services", **_period())
    rows, header = sheet_rows(out, 2)
    assert rows[header - 1][:3] == ("Received", "Application No.", "Service")
    end = next(i for i, r in enumerate(rows) if r[0] == "Total")
    listed = rows[header:end]
    late = sql(journal, "SELECT number, due_on, closed_on FROM application WHERE status = 'issued' "
                        "AND closed_on BETWEEN ? AND ? AND closed_on > due_on", START.isoformat(), END.isoformat())
    overdue = sql(journal, "SELECT number, due_on, NULL FROM application WHERE status IN ('received', 'in_work', "
                           "'ready') AND due_on < ?", END.isoformat())
    assert len(late) == 1 and len(overdue) == 1
    ctx = open_context(journal)
    try:
        with ctx.read() as s:
            calendar = work_calendar.load(s)
    finally:
        ctx.close()
    expected = {n: (dt.date.fromisoformat(due), calendar.working_days_between(
        dt.date.fromisoformat(due), dt.date.fromisoformat(closed) if closed else END)) for n, due, closed in
        late + overdue}
    assert {r[1]: (r[4].date(), r[6]) for r in listed} == expected
    assert all(days > 0 for _due, days in expected.values())
    assert rows[end][1] == f"=COUNTA(B{header + 1}:B{end})"
