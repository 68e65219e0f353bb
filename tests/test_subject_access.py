"""Subject-access report and audit export: real content of the PDF and the workbook, and who may make them."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from okmot.errors import PermissionDenied
from okmot.services import audit, auth, certificates, households, persons, subject_access
from reports.subject_access import write_audit_xlsx, write_subject_access_pdf
from tests import certificate_fixtures
from tests.certificate_fixtures import pdf_text


@pytest.fixture
def ctx(tmp_path):
    context = certificate_fixtures.build(tmp_path / "okmot.sqlite3", households_count=2)
    yield context
    context.close()


def _spouse(ctx):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0001")
        card = households.get_card(s, hid)
    return hid, next(m for m in card.members if m.relation == "spouse").person


def test_report_holds_the_data_changes_certificates_and_accesses(ctx, tmp_path) -> None:
    hid, spouse = _spouse(ctx)
    with ctx.write() as s:
        persons.update_person(s, spouse.id, spouse.data.__class__(**{**spouse.data.__dict__, "phone": "0555 123456"}))
    with ctx.write() as s:
        certificates.issue_certificate(s, kind="residence", language="ky", person_id=spouse.id)
    ctx.audit("view_person", subject_table="person", subject_id=spouse.id)
    ctx.audit("view_household", subject_table="household", subject_id=hid)
    with ctx.write() as s:
        data = subject_access.collect(s, ctx.user, spouse.id, language="ru")
    assert data.full_name.startswith("Асанова Айгүл")
    assert [c.kind for c in data.certificates] == ["residence"]
    assert any("phone: " in c.changes and "→ 0555 123456" in c.changes for c in data.changes)
    assert [a.action for a in data.accesses] == ["certificate_issued", "view_person", "view_household"]
    path = write_subject_access_pdf(data, tmp_path / "sar.pdf", "en")
    text = "\n".join(pdf_text(path.read_bytes()))
    for expected in ("Subject-access report: Асанова Айгүл", "Personal data", "0555 123456", "Who accessed the data",
                     "viewed a person", "issued a certificate", "residence", "Changes of the records", "aida"):
        assert expected in text, expected
    with ctx.read() as s:
        recorded = audit.events(s, action="subject_access")
    assert [(e.user_name, e.subject_id) for e in recorded] == [("aida", spouse.id)]


def test_a_clerk_may_not_print_it_nor_read_the_audit_trail(ctx) -> None:
    _hid, spouse = _spouse(ctx)
    with ctx.write() as s:
        clerk = auth.create_user(s, ctx.user, username="bakyt", full_name="Бакыт", password="clerk-pass-1",
                                 role="clerk")
    with pytest.raises(PermissionDenied, match="print a subject-access report"):
        with ctx.write() as s:
            subject_access.collect(s, clerk, spouse.id)
    with pytest.raises(PermissionDenied, match="see the audit trail"):
        with ctx.read() as s:
            audit.view_events(s, clerk)
    with ctx.read() as s:
        assert audit.events(s, action="subject_access") == []


def test_audit_export_workbook_has_the_filtered_events(ctx, tmp_path) -> None:
    _hid, spouse = _spouse(ctx)
    ctx.audit("view_person", subject_table="person", subject_id=spouse.id)
    with ctx.read() as s:
        rows = audit.view_events(s, ctx.user, subject_id=spouse.id)
    path = write_audit_xlsx(rows, tmp_path / "audit.xlsx", action_labels=audit.ACTIONS, office="Ак-Суу",
                            filters="all", lang="en", generated_by="aida")
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        values = [tuple(row) for row in wb.active.iter_rows(values_only=True)]
    finally:
        wb.close()
    header = next(i for i, row in enumerate(values) if row[:3] == ("When", "User", "Action"))
    body = [r for r in values[header + 1:] if any(r)]
    assert [(r[1], r[2], r[3], r[4]) for r in body] == [("aida", "viewed a person", "person", str(spouse.id))]
    assert dt.datetime.strptime(body[0][0], "%d.%m.%Y %H:%M")


def _spouse_with_pin(ctx):
    from okmot.identity import pin as pins

    hid, spouse = _spouse(ctx)
    pin = pins.encode(spouse.data.sex, spouse.data.birth_date, 7)
    with ctx.write() as s:
        persons.update_person(s, spouse.id, spouse.data.__class__(**{**spouse.data.__dict__, "pin": pin}))
        return hid, persons.get_person(s, spouse.id)


def test_command_line_prints_the_report_and_records_it(ctx, tmp_path, capsys) -> None:
    from okmot import cli

    _hid, spouse = _spouse_with_pin(ctx)
    with ctx.write() as s:
        auth.create_user(s, ctx.user, username="bakyt", full_name="Бакыт", password="clerk-pass-1", role="clerk")
    db = str(ctx.db.engine.url.database)
    out = tmp_path / "sar.pdf"
    assert cli.main(["--lang", "en", "subject-access", "--db", db, "--pin", spouse.data.pin, "--out", str(out),
                     "--user", "AIDA"]) == cli.EXIT_OK
    assert str(out) in capsys.readouterr().out
    text = "\n".join(pdf_text(out.read_bytes()))
    for expected in ("Subject-access report: Асанова Айгүл", "Personal data", spouse.data.pin,
                     "Who accessed the data", ctx.user.full_name):
        assert expected in text, expected
    by_id = tmp_path / "by-id.pdf"
    assert cli.main(["--lang", "en", "subject-access", "--db", db, "--person", str(spouse.id),
                     "--out", str(by_id)]) == cli.EXIT_OK
    # The second report lists the first print among the accesses.
    second = "\n".join(pdf_text(by_id.read_bytes()))
    assert "printed a subject-access\nreport" in second and "system:cli (" in second
    assert f"requested_by: {ctx.user.full_name}" in second
    with ctx.read() as s:
        recorded = audit.events(s, action="subject_access")
    assert [(e.user_name.startswith("system:cli ("), e.subject_id, e.detail) for e in recorded] == [
        (True, spouse.id, {}), (True, spouse.id, {"requested_by": ctx.user.full_name})]  # newest first


def test_command_line_refuses_a_clerk_an_unknown_pin_and_a_bad_id(ctx, tmp_path, capsys) -> None:
    from okmot import cli

    _hid, spouse = _spouse_with_pin(ctx)
    with ctx.write() as s:
        auth.create_user(s, ctx.user, username="bakyt", full_name="Бакыт", password="clerk-pass-1", role="clerk")
    db = str(ctx.db.engine.url.database)
    out = tmp_path / "sar.pdf"
    base = ["--lang", "en", "subject-access", "--db", db, "--out", str(out)]
    assert cli.main([*base, "--pin", spouse.data.pin, "--user", "bakyt"]) == cli.EXIT_ERROR
    assert "The role of bakyt does not allow printing a subject-access report." in capsys.readouterr().err
    assert cli.main([*base, "--pin", spouse.data.pin, "--user", "nobody"]) == cli.EXIT_ERROR
    assert "No active user account is named nobody." in capsys.readouterr().err
    assert cli.main([*base, "--pin", "22222222222222"]) == cli.EXIT_ERROR
    assert "No person with PIN 22222222222222" in capsys.readouterr().err
    assert cli.main([*base, "--person", "not-a-uuid"]) == cli.EXIT_ERROR
    assert "Not a record id: not-a-uuid" in capsys.readouterr().err
    assert cli.main([*base[:-1], str(tmp_path / "sar.txt"), "--pin", spouse.data.pin]) == cli.EXIT_ERROR
    assert not out.exists()
    with ctx.read() as s:
        assert audit.events(s, action="subject_access") == []
