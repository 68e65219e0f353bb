"""Certificates: content from the book as of a date, PDF text and fonts, signed QR, numbering, reprint, CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import threading

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFontFile

from okmot.cli import main as cli_main
from okmot.db.engine import Actor
from okmot.errors import UserError, ValidationError
from okmot.services import certificates as C
from okmot.services import farm, households, persons, settings, signing
from okmot.services.context import open_context
from reports.certificates import render_pdf
from reports.fonts import SERIF, SERIF_BOLD, font_files
from tests.certificate_fixtures import build, decode_qr, pdf_text

TODAY = dt.date.today()


@pytest.fixture
def ctx(tmp_path):
    context = build(tmp_path / "village.sqlite3")
    yield context
    context.close()


def _hid(ctx, account="0002"):
    with ctx.read() as s:
        return households.household_id_by_account(s, account)


def _backdate(ctx, hid):
    """The hand-built village opens every household today; pretend this one was opened a year ago."""
    from sqlalchemy import select

    from okmot.models import Household, Membership
    with ctx.write() as s:
        s.get(Household, hid).opened_on = TODAY - dt.timedelta(days=365)
        for m in s.scalars(select(Membership).where(Membership.household_id == hid)):
            m.from_date = None


def _issue(ctx, **kw):
    with ctx.write() as s:
        return C.issue_certificate(s, **kw)


def test_family_certificate_in_both_languages_names_in_each_form(ctx, tmp_path):
    issued = _issue(ctx, kind="family", language="ky+ru", household_id=_hid(ctx), purpose="социалдык фондго")
    pdf = render_pdf(issued.content, payload=issued.payload)
    ky, ru = pdf_text(pdf)
    flat_ky, flat_ru = " ".join(ky.split()), " ".join(ru.split())
    # Kyrgyz first, with the Kyrgyz patronymic; Russian second, with the Russian one.
    assert "МААЛЫМКАТ" in flat_ky and "үй-бүлө курамы жөнүндө" in flat_ky
    assert "Өмүрбеков Бекзат Асан уулу" in flat_ky and "Өмүрбекова Айгүл Токтосун кызы" in flat_ky
    assert "СПРАВКА" in flat_ru and "о составе семьи" in flat_ru
    assert "Өмүрбеков Бекзат Асанович" in flat_ru and "Өмүрбекова Айгүл Токтосуновна" in flat_ru
    assert "Асанович" not in flat_ky and "уулу" not in flat_ru
    assert f"№ {issued.number}" in flat_ky and issued.number in flat_ru
    assert "Бардыгы 2 адам." in flat_ky and "Всего 2 чел." in flat_ru
    assert "АК-СУУ АЙЫЛ АЙМАГЫ" in flat_ky and "Ак-Суу айылы, Манас көчөсү 1" in flat_ky
    assert "Ө. Үсөнов" in flat_ky and "О. Усенов" in flat_ru and "М.О." in flat_ky and "М.П." in flat_ru
    assert "социалдык фондго" in flat_ky


def test_single_language_has_only_that_language(ctx):
    issued = _issue(ctx, kind="family", language="ru", household_id=_hid(ctx))
    pages = pdf_text(render_pdf(issued.content, payload=issued.payload))
    assert len(pages) == 1
    assert "СПРАВКА" in pages[0] and "МААЛЫМКАТ" not in pages[0]
    assert "по месту требования" in " ".join(pages[0].split())


def test_fonts_are_embedded_and_have_every_character_used(ctx):
    with ctx.write() as s:
        issued = C.issue_certificate(s, kind="free", language="ky+ru", household_id=_hid(ctx),
                                     text="Ң Ө Ү ң ө ү — № 5, 100 сом.")
    pdf = render_pdf(issued.content, payload=issued.payload)
    reader = PdfReader(io.BytesIO(pdf))
    used_fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            used_fonts.add(str(font["/BaseFont"]).split("+", 1)[-1])
    assert used_fonts == {"DejaVuSerif", "DejaVuSerif-Bold"}
    text = "".join(pdf_text(pdf))
    assert "Ң Ө Ү ң ө ү — № 5, 100 сом." in text
    files = font_files()
    for name in (SERIF, SERIF_BOLD):
        cmap = TTFontFile(files[name]).charToGlyph
        missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not missing, f"{name} lacks {missing}"


def test_qr_decodes_with_zbar_and_verifies_one_changed_byte_is_altered(ctx, tmp_path):
    issued = _issue(ctx, kind="residence", language="ky", household_id=_hid(ctx))
    pdf = render_pdf(issued.content, payload=issued.payload)
    decoded = decode_qr(pdf, tmp_path)
    assert decoded == [issued.payload]
    with ctx.read() as s:
        verdict = C.verify(s, decoded[0])
        assert verdict.status == "valid"
        assert verdict.record.number == issued.number and verdict.record.kind == "residence"
        # Change one byte of the signed record (its number) and of the signature.
        prefix, body, sig = decoded[0].split(".")
        record = signing.unb64(body).replace(issued.number.encode(), issued.number[:-1].encode() + b"9")
        assert C.verify(s, f"{prefix}.{signing.b64(record)}.{sig}").status == "altered"
        flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
        assert C.verify(s, f"{prefix}.{body}.{flipped}").status == "altered"
        assert C.verify(s, decoded[0][:-3]).status == "altered"


def test_unknown_office_and_cancelled(ctx, tmp_path):
    issued = _issue(ctx, kind="family", language="ky", household_id=_hid(ctx))
    other = open_context(tmp_path / "other.sqlite3")
    try:
        with other.read() as s:
            assert C.verify(s, issued.payload).status == "unknown_office"
        # Once the office's public key is known (sent by the district), the same code is valid.
        with ctx.read() as s:
            key = signing.list_keys(s)[0]
        with other.system("test") as s:
            signing.add_public_key(s, office_code=key.office_code, installation_code=key.installation_code,
                                   public_key=key.public_key)
        with other.read() as s:
            assert C.verify(s, issued.payload).status == "valid"
    finally:
        other.close()
    with ctx.write() as s:
        C.cancel_certificate(s, issued.id, reason="Маалымат туура эмес")
    with ctx.read() as s:
        verdict = C.verify(s, issued.payload)
    assert verdict.status == "cancelled" and "Маалымат туура эмес" in verdict.message
    with ctx.write() as s, pytest.raises(UserError):
        C.reprint_certificate(s, issued.id)


def test_private_key_never_enters_the_journal(ctx):
    _issue(ctx, kind="family", language="ky", household_id=_hid(ctx))
    with ctx.read() as s:
        from sqlalchemy import select

        from okmot.models import ChangeLog, SigningKey
        key = s.scalar(select(SigningKey))
        logged = s.scalar(select(ChangeLog.changes).where(ChangeLog.table_name == "signing_key"))
    assert key.private_key and key.private_key not in logged and '"private_key": "***"' in logged


def test_reprint_is_identical_in_content_and_marked_duplicate_with_the_fee(ctx):
    issued = _issue(ctx, kind="household_extract", language="ky+ru", household_id=_hid(ctx))
    original = render_pdf(issued.content, payload=issued.payload)
    # The book changes afterwards: a reprint must still say what was issued.
    with ctx.write() as s:
        farm.save_livestock(s, _hid(ctx), TODAY.year, {"cattle": 40, "cows": 20, "sheep": 100})
    with ctx.write() as s:
        with pytest.raises(ValidationError) as err:
            C.reprint_certificate(s, issued.id)
        assert "receipt" in err.value.fields["receipt_number"]
    with ctx.write() as s:
        copy = C.reprint_certificate(s, issued.id, receipt_number="Б-1001")
    assert copy.duplicate and copy.prints == 2
    assert copy.content == issued.content and copy.payload == issued.payload
    assert render_pdf(copy.content, payload=copy.payload) == original
    duplicate_pdf = render_pdf(copy.content, payload=copy.payload, duplicate=True)
    ky, ru = pdf_text(duplicate_pdf)
    assert "ДУБЛИКАТ" in ky and "ДУБЛИКАТ" in ru and "ДУБЛИКАТ" not in pdf_text(original)[0]
    assert " ".join(pdf_text(duplicate_pdf)[0].split()).replace("ДУБЛИКАТ ", "", 1) == " ".join(
        pdf_text(original)[0].split())
    with ctx.read() as s:
        from okmot.services import fees
        totals = fees.totals(s, by="day")
    assert [(t.service_code, t.amount_tyiyn) for t in totals] == [("household_extract", 2000)]


def test_as_of_an_earlier_date_reads_the_book_then(ctx):
    hid = _hid(ctx)
    _backdate(ctx, hid)
    with ctx.write() as s:
        child, _check = households.add_member(
            s, hid, persons.PersonData("Өмүрбеков", "Нурсултан", "M", father_name="Бекзат",
                                       birth_date=TODAY - dt.timedelta(days=3)), relation="son",
            from_date=TODAY - dt.timedelta(days=3))
    before = _issue(ctx, kind="family", language="ky", household_id=hid, as_of=TODAY - dt.timedelta(days=10))
    now = _issue(ctx, kind="family", language="ky", household_id=hid)
    text_before = " ".join(pdf_text(render_pdf(before.content))[0].split())
    text_now = " ".join(pdf_text(render_pdf(now.content))[0].split())
    assert "Нурсултан" not in text_before and "Бардыгы 2 адам." in text_before
    assert "Өмүрбеков Нурсултан Бекзат уулу" in text_now and "Бардыгы 3 адам." in text_now
    assert (TODAY - dt.timedelta(days=10)).strftime("%d.%m.%Y") in text_before


def test_land_livestock_and_income_from_the_latest_january(ctx):
    hid = _hid(ctx, "0001")
    land = _issue(ctx, kind="land", language="ru", household_id=hid)
    stock = _issue(ctx, kind="livestock", language="ky", household_id=hid)
    income = _issue(ctx, kind="income", language="ru", household_id=hid)
    land_text = " ".join(pdf_text(render_pdf(land.content))[0].split())
    assert f"на 1 января {TODAY.year} г." in land_text and "Приусадебный участок 0,0800" in land_text
    stock_text = " ".join(pdf_text(render_pdf(stock.content))[0].split())
    assert "Бодо мал 3" in stock_text and "Кой 10" in stock_text and "анын ичинде уй 2" in stock_text
    income_text = " ".join(pdf_text(render_pdf(income.content))[0].split())
    # 0.08 ha × 50 000 + 1 cattle × 15 000 + 2 cows × 30 000 + 10 sheep × 3 000 = 109 000 som a year.
    assert "Годовой доход: 109 000 сом 00 тыйын." in income_text
    assert "Месячный доход: 9 083 сом 33 тыйын" in income_text
    assert "4 541 сом 66 тыйын (2 чел.)" in income_text


def test_income_needs_norms(ctx):
    with ctx.write() as s:
        settings.put(s, "income_norms", {"land": {}, "livestock": {}})
    with ctx.write() as s, pytest.raises(UserError, match="norms"):
        C.issue_certificate(s, kind="income", language="ky", household_id=_hid(ctx))


def test_deceased_or_departed_subject_is_refused_with_the_reason(ctx):
    hid = _hid(ctx, "0003")
    _backdate(ctx, hid)
    with ctx.read() as s:
        card = households.get_card(s, hid)
    spouse = next(m for m in card.members if m.relation == "spouse")
    head = card.head
    with ctx.write() as s:
        households.update_member(s, hid, spouse.person.id, _status(spouse, "deceased"), relation="spouse")
        households.update_member(s, hid, head.person.id, _status(head, "left"), relation="head")
    with ctx.write() as s:
        with pytest.raises(UserError, match="deceased"):
            C.issue_certificate(s, kind="residence", language="ky", person_id=spouse.person.id)
        with pytest.raises(UserError, match="has left"):
            C.issue_certificate(s, kind="residence", language="ky", person_id=head.person.id)
        # Before they left, the certificate is still lawful (as of an earlier date).
        earlier = C.issue_certificate(s, kind="residence", language="ky", person_id=head.person.id,
                                      as_of=TODAY - dt.timedelta(days=5))
    assert "Бекзат Асан уулу" in " ".join(pdf_text(render_pdf(earlier.content))[0].split())


def _status(member, status):
    from dataclasses import replace
    return replace(member.person.data, residence_status=status, status_date=TODAY - dt.timedelta(days=1))


def test_numbers_unique_when_two_installations_of_one_office_issue_offline(ctx, tmp_path):
    ctx.close()
    source = tmp_path / "village.sqlite3"
    laptops = []
    for name in ("office-pc", "laptop"):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(source, path)
        laptops.append(open_context(path))
    try:
        numbers = []
        for laptop in laptops:
            with laptop.write() as s:
                hid = households.household_id_by_account(s, "0002")
                for _ in range(3):
                    numbers.append(C.issue_certificate(s, kind="family", language="ky", household_id=hid).number)
        assert len(set(numbers)) == 6
        offices = {n.split("/")[0] for n in numbers}
        installations = {n.split("/")[1] for n in numbers}
        assert offices == {"41708-10"} and len(installations) == 2
        assert all(re.fullmatch(rf"41708-10/[0-9A-F]{{6}}/{TODAY.year}/0000[123]", n) for n in numbers)
    finally:
        for laptop in laptops:
            laptop.close()
        ctx = open_context(source)
        ctx.close()


def test_concurrent_issue_on_one_installation_never_repeats_a_number(ctx):
    hid = _hid(ctx)
    numbers, errors = [], []

    def clerk(name):
        try:
            for _ in range(4):
                with ctx.db.session(Actor(None, f"system:{name}")) as s:
                    numbers.append(C.issue_certificate(s, kind="family", language="ky", household_id=hid).number)
        except Exception as exc:  # reported below; a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(f"clerk{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 12 and len(set(numbers)) == 12


def test_paper_series_continues_from_the_configured_start(ctx):
    with ctx.write() as s:
        settings.put(s, "certificate_number_start", 146)
    first = _issue(ctx, kind="family", language="ky", household_id=_hid(ctx))
    second = _issue(ctx, kind="family", language="ky", household_id=_hid(ctx))
    assert first.number.endswith(f"/{TODAY.year}/00146") and second.number.endswith("/00147")


def test_register_lists_filters_and_searches(ctx):
    a = _issue(ctx, kind="family", language="ky", household_id=_hid(ctx, "0001"), applicant_name="Асанов Бекзат")
    b = _issue(ctx, kind="land", language="ru", household_id=_hid(ctx, "0002"), purpose="в банк")
    with ctx.write() as s:
        C.cancel_certificate(s, b.id, reason="ката")
    with ctx.read() as s:
        assert [r.number for r in C.list_certificates(s, C.CertificateFilter(kind="family"))] == [a.number]
        assert [r.number for r in C.list_certificates(s, C.CertificateFilter(status="cancelled"))] == [b.number]
        assert [r.number for r in C.list_certificates(s, C.CertificateFilter(text="в бАНК"))] == [b.number]
        row = C.list_certificates(s, C.CertificateFilter(text="асанов бекзат"))[0]
    assert row.applicant_name == "Асанов Бекзат" and row.signatory_name == "Ө. Үсөнов"


def test_cli_issue_verify_list_kinds(ctx, tmp_path, capsys):
    path = str(ctx.db.engine.url.database)
    ctx.close()
    out = tmp_path / "c.pdf"
    assert cli_main(["certificate", "issue", "--db", path, "--kind", "family", "--household", "0004",
                     "--lang", "ky+ru", "--out", str(out), "--purpose", "банкка"]) == 0
    number = capsys.readouterr().out.strip()
    assert re.fullmatch(r"41708-10/[0-9A-F]{6}/\d{4}/00001", number)
    ky, ru = (" ".join(t.split()) for t in pdf_text(out.read_bytes()))
    assert "Токтосунов Бекзат Асан уулу" in ky and "Токтосунов Бекзат Асанович" in ru and number in ky
    assert cli_main(["certificate", "verify", "--db", path, str(out), "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("valid:")
    payload = decode_qr(out.read_bytes(), tmp_path)[0]
    assert cli_main(["certificate", "verify", "--db", path, "--payload", payload[:-2] + "xx", "--lang", "en"]) == 1
    assert capsys.readouterr().out.startswith("altered:")
    assert cli_main(["certificate", "list", "--db", path, "--json"]) == 0
    listed = __import__("json").loads(capsys.readouterr().out)
    assert [(r["number"], r["kind"], r["purpose"]) for r in listed] == [(number, "family", "банкка")]
    assert cli_main(["certificate", "kinds", "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "family\tfamily composition"
    # Unknown subject: non-zero with the reason, and nothing registered.
    assert cli_main(["certificate", "issue", "--db", path, "--kind", "residence", "--pin", "21505199900000",
                     "--lang", "ru", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "21505199900000" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
