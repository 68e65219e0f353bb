"""Service register and standards, working-day calendar, applications journal, fees and complaints."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from okmot.errors import PermissionDenied, UserError, ValidationError
from okmot.services import applications as A
from okmot.services import certificates as C
from okmot.services import complaints, fees, households, service_register, work_calendar
from reports.certificates import render_pdf
from tests.certificate_fixtures import build, pdf_text

TODAY = dt.date.today()


@pytest.fixture
def ctx(tmp_path):
    context = build(tmp_path / "village.sqlite3")
    yield context
    context.close()


def _service(ctx, code):
    with ctx.read() as s:
        return service_register.by_code(s, code)


# --- calendar ------------------------------------------------------------------------------------

def test_deadlines_skip_weekends_fixed_and_movable_holidays(ctx):
    with ctx.write() as s:
        # Orozo ait 2026 as set by decree, and a transferred day off after it.
        work_calendar.set_day(s, on_date=dt.date(2026, 3, 20), kind="holiday", name_ky="Орозо айт",
                              name_ru="Орозо айт")
        work_calendar.set_day(s, on_date=dt.date(2026, 3, 23), kind="day_off")
    with ctx.read() as s:
        cal = work_calendar.load(s)
        entries = work_calendar.year_days(s, 2026)
    # Thursday 19 March + 1 working day: Fri 20 Orozo ait, Sat 21 Nooruz, Sun 22, Mon 23 off → Tue 24.
    assert cal.add_working_days(dt.date(2026, 3, 19), 1) == dt.date(2026, 3, 24)
    # 3 working days from Thursday 30 April: Fri 1 May holiday, weekend, Mon 4, Tue 5 May holiday, Wed 6, Thu 7.
    assert cal.add_working_days(dt.date(2026, 4, 30), 3) == dt.date(2026, 5, 7)
    assert cal.add_working_days(dt.date(2026, 11, 6), 0) == dt.date(2026, 11, 6)
    assert cal.add_working_days(dt.date(2026, 11, 7), 0) == dt.date(2026, 11, 9)
    assert cal.working_days_between(dt.date(2026, 3, 19), dt.date(2026, 3, 24)) == 1
    assert [(e.on_date, e.fixed) for e in entries if e.on_date.month == 3] == [
        (dt.date(2026, 3, 8), True), (dt.date(2026, 3, 20), False), (dt.date(2026, 3, 21), True),
        (dt.date(2026, 3, 23), False)]
    with ctx.write() as s:
        work_calendar.set_day(s, on_date=dt.date(2026, 3, 28), kind="working_day")
        work_calendar.remove_day(s, dt.date(2026, 3, 20))
    with ctx.read() as s:
        cal = work_calendar.load(s)
    assert cal.is_working_day(dt.date(2026, 3, 28)) and cal.is_working_day(dt.date(2026, 3, 20))
    with ctx.write() as s, pytest.raises(ValidationError):
        work_calendar.set_day(s, on_date=dt.date(2026, 6, 1), kind="holiday")


# --- register -----------------------------------------------------------------------------------

def test_shipped_register_has_the_standard_in_both_languages(ctx):
    with ctx.read() as s:
        services = service_register.list_services(s)
    by_code = {r.data.code: r.data for r in services}
    assert {"family_certificate", "residence_certificate", "household_extract", "land_certificate",
            "livestock_certificate", "income_certificate", "free_certificate"} <= set(by_code)
    family = by_code["family_certificate"]
    assert not family.is_paid and family.fee_for("citizen") == 0 and family.is_example
    assert set(family.sections) == set(service_register.SECTIONS) - {"time_limits", "documents", "refusal", "appeal"}
    assert all(v["ky"] and v["ru"] for v in family.sections.values())
    assert [d.code for d in family.checklist("representative")] == ["passport", "power_of_attorney"]
    assert family.appeal_ky and "суд" in family.appeal_ru
    assert by_code["archive_copy_business"].register == "supplementary"
    assert by_code["archive_copy_business"].fee_for("citizen") == 10000


def test_admin_edits_the_register_and_history_is_kept(ctx):
    record = _service(ctx, "family_certificate")
    changed = replace(record.data, provide_days=2, name_ru="Справка о составе семьи (новая редакция)")
    with ctx.write() as s:
        with pytest.raises(PermissionDenied):
            service_register.save_service(s, changed, service_id=record.id, by_admin=False)
    with ctx.write() as s:
        service_register.save_service(s, changed, service_id=record.id, expected_version=record.version)
    with ctx.write() as s:
        with pytest.raises(ValidationError) as err:
            service_register.save_service(s, replace(changed, fees={"citizen": 500}), service_id=record.id)
        assert "free service" in err.value.fields["fees"]
    with ctx.read() as s:
        history = service_register.history(s, record.id)
        now = service_register.get_service(s, record.id)
    assert now.data.provide_days == 2 and now.version == record.version + 1
    assert history[-1].changes["provide_days"] == [1, 2]
    assert history[-1].changes["name_ru"][0] == "Выдача справки о составе семьи"
    assert history[0].changes["name_ru"] == "Выдача справки о составе семьи"


# --- applications --------------------------------------------------------------------------------

def _data(ctx, code="family_certificate", **kw):
    with ctx.read() as s:
        hid = households.household_id_by_account(s, "0001")
    values = dict(service_id=_service(ctx, code).id, applicant_name="Асанов Бекзат", documents_presented=("passport",),
                  household_id=hid)
    values.update(kw)
    return A.ApplicationData(**values)


def test_application_from_receipt_to_issued_certificate(ctx):
    with ctx.write() as s:
        app = A.register_application(s, _data(ctx, purpose="мектепке"))
    assert app.status == "received" and app.missing_documents == ()
    with ctx.read() as s:
        assert app.due_on == work_calendar.load(s).add_working_days(app.received_on, 1)
        receipt = A.receipt_content(s, app.id)
    text = " ".join("".join(pdf_text(render_pdf(receipt))).split())
    assert f"№ {app.number}" in text and "Паспорт (ID-карта)" in text and "РАСПИСКА в приёме заявления" in text
    with ctx.write() as s:
        A.change_status(s, app.id, "in_work")
        issued = C.issue_certificate(s, kind="family", language="ky", household_id=app.data.household_id,
                                     application_id=app.id, purpose=app.data.purpose)
    with ctx.write() as s:
        assert A.get_application(s, app.id).status == "ready"
        done = A.change_status(s, app.id, "issued")
    assert done.status == "issued" and done.closed_on == TODAY and issued.applicant_name == "Асанов Бекзат"
    with ctx.write() as s, pytest.raises(ValidationError):
        A.change_status(s, app.id, "in_work")


def test_representative_needs_authority_and_checklist_is_checked(ctx):
    with ctx.write() as s:
        with pytest.raises(ValidationError) as err:
            A.register_application(s, _data(ctx, applicant_category="representative", representative_name="Нурлан"))
        assert "authority" in err.value.fields["representative_authority"]
        with pytest.raises(ValidationError):
            A.register_application(s, _data(ctx, documents_presented=("birth_certificate",)))
    with ctx.write() as s:
        app = A.register_application(s, _data(ctx, applicant_category="representative", representative_name="Нурлан",
                                              representative_authority="Ишеним кат № 12, 01.11.2026"))
    assert app.missing_documents == ("power_of_attorney",)


def test_service_outside_the_active_register_cannot_be_applied_for(ctx):
    record = _service(ctx, "land_certificate")
    with ctx.write() as s:
        service_register.save_service(s, replace(record.data, active=False), service_id=record.id)
    with ctx.write() as s, pytest.raises(ValidationError) as err:
        A.register_application(s, _data(ctx, "land_certificate"))
    assert "active register" in err.value.fields["service_id"]


def test_refusal_prints_the_ground_and_appeal_route_and_life_or_health_cannot_be_refused(ctx):
    with ctx.write() as s:
        app = A.register_application(s, _data(ctx))
        urgent = A.register_application(s, _data(ctx, life_or_health=True))
    with ctx.write() as s:
        with pytest.raises(ValidationError):
            A.change_status(s, app.id, "refused", refusal_code="no_such_ground")
        with pytest.raises(UserError, match="life or health"):
            A.change_status(s, urgent.id, "refused", refusal_code="no_authority")
    with ctx.write() as s:
        A.change_status(s, app.id, "refused", refusal_code="not_in_book")
        letter = A.refusal_content(s, app.id)
    ky, ru = (" ".join(t.split()) for t in pdf_text(render_pdf(letter)))
    assert "Чарба китебинде катталган эмес" in ky or "чарба китебинде катталган эмес" in ky
    assert "Даттануу тартиби: Баш тартууга айыл өкмөтүнүн башчысына" in ky
    assert "Основание отказа: Лицо или хозяйство не состоит в похозяйственной книге" in ru
    assert "Порядок обжалования: Отказ может быть обжалован" in ru and "в суд" in ru


def test_return_for_correction_and_overdue(ctx):
    long_ago = TODAY - dt.timedelta(days=30)
    with ctx.write() as s:
        late = A.register_application(s, _data(ctx, received_on=long_ago))
        fresh = A.register_application(s, _data(ctx))
    assert late.overdue() and not fresh.overdue()
    with ctx.read() as s:
        assert [a.number for a in A.overdue(s)] == [late.number]
    with ctx.write() as s:
        with pytest.raises(ValidationError):
            A.change_status(s, late.id, "returned", note="паспорттун көчүрмөсү", correction_due_on=TODAY)
        back = A.change_status(s, late.id, "returned", note="паспорттун көчүрмөсү",
                               correction_due_on=TODAY + dt.timedelta(days=5))
    assert back.status == "returned" and not back.overdue()
    with ctx.write() as s:
        again = A.change_status(s, late.id, "in_work")
        cal = work_calendar.load(s)
    assert again.due_on == cal.add_working_days(TODAY, 1)


def test_electronic_application_is_answered_within_three_working_days(ctx):
    with ctx.write() as s:
        app = A.register_application(s, _data(ctx, "archive_copy_business", channel="electronic",
                                              documents_presented=()))
        cal = work_calendar.load(s)
    assert app.due_on == cal.add_working_days(app.received_on, 3)


# --- fees -------------------------------------------------------------------------------------

def test_free_service_never_takes_a_fee_paid_one_needs_a_receipt(ctx):
    free, paid = _service(ctx, "family_certificate"), _service(ctx, "archive_copy_business")
    with ctx.write() as s:
        with pytest.raises(UserError, match="free"):
            fees.record_payment(s, service_id=free.id, amount_tyiyn=1000, receipt_number="1")
        with pytest.raises(UserError):
            fees.record_payment(s, service_id=free.id, amount_tyiyn=999, receipt_number="2", reason="duplicate")
        with pytest.raises(ValidationError):
            fees.record_payment(s, service_id=paid.id, amount_tyiyn=10000, receipt_number=" ")
    with ctx.write() as s:
        fees.record_payment(s, service_id=paid.id, amount_tyiyn=10000, receipt_number="К-1", paid_on=TODAY)
        fees.record_payment(s, service_id=paid.id, amount_tyiyn=10000, receipt_number="К-2", paid_on=TODAY)
        fees.record_payment(s, service_id=free.id, amount_tyiyn=2000, receipt_number="К-3", reason="duplicate",
                            paid_on=TODAY.replace(day=1) if TODAY.day > 1 else TODAY)
        app = A.register_application(s, _data(ctx, "archive_copy_business", documents_presented=()))
        with pytest.raises(ValidationError, match="receipt"):
            C.issue_certificate(s, kind="free", language="ky", text="Көчүрмө", application_id=app.id)
    with ctx.read() as s:
        daily = fees.totals(s, by="day")
        monthly = fees.totals(s, by="month")
    assert (TODAY.isoformat(), "archive_copy_business", 2, 20000) in [
        (t.period, t.service_code, t.payments, t.amount_tyiyn) for t in daily]
    assert sorted((t.service_code, t.amount_tyiyn) for t in monthly) == [
        ("archive_copy_business", 20000), ("family_certificate", 2000)]


# --- complaints --------------------------------------------------------------------------------

def test_complaints_registered_answered_extended_escalated_overdue(ctx):
    received = dt.date(2026, 3, 20)  # Orozo-free Friday: registration due the next working day
    with ctx.write() as s:
        c = complaints.receive(s, author_name="Токтосунова Айгүл", subject="Маалымкат кечикти",
                               received_on=received, register_now=False)
    assert c.register_due_on == dt.date(2026, 3, 23) and c.status == "received"
    assert c.overdue(dt.date(2026, 3, 24))
    with ctx.write() as s:
        c = complaints.register(s, c.id, on=dt.date(2026, 3, 23))
    assert c.answer_due_on == dt.date(2026, 4, 6)
    with ctx.write() as s:
        with pytest.raises(ValidationError):
            complaints.extend(s, c.id, until=dt.date(2026, 5, 30), reason="текшерүү")
        c = complaints.extend(s, c.id, until=dt.date(2026, 4, 20), reason="райондон маалымат күтүлүүдө")
        c = complaints.escalate(s, c.id, to="Райондук мамлекеттик администрация")
    assert c.status == "escalated" and c.answer_due_on == dt.date(2026, 4, 20)
    with ctx.read() as s:
        assert [x.number for x in complaints.list_complaints(s, overdue_only=True, today=dt.date(2026, 4, 21))] == [
            c.number]
    with ctx.write() as s:
        c = complaints.answer(s, c.id, outcome="upheld", text="Маалымкат берилди", on=dt.date(2026, 4, 15))
    assert c.status == "answered" and not c.overdue(dt.date(2026, 5, 1))
