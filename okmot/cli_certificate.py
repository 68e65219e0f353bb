"""`python -m okmot certificate issue | verify | list | kinds`: certificates from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from okmot import atomic, codes
from okmot.db.engine import Actor
from okmot.errors import UserError
from okmot.i18n import _
from okmot.services import certificates, households, signing

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
CLI_ACTOR = Actor(user_id=None, username="system:cli-certificate")


def setup(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("certificate", parents=[common], allow_abbrev=False,
                       help=_("issue, verify and list certificates"),
                       description=_("Certificates filled from the household book, with a signed QR code."))
    cmds = p.add_subparsers(dest="certificate_command", metavar="ACTION", title=_("actions"))

    # No common --lang here: on this command --lang is the certificate's language (messages follow it
    # when it is ky or ru, see okmot.cli._language).
    issue = cmds.add_parser("issue", allow_abbrev=False, help=_("issue a certificate as PDF"),
                            description=_("Issue a certificate, write its PDF and print its number."))
    issue.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    issue.add_argument("--kind", required=True, choices=list(certificates.KINDS), metavar="KIND",
                       help=_("kind of certificate (see `certificate kinds`)"))
    who = issue.add_mutually_exclusive_group(required=True)
    who.add_argument("--household", metavar="ACCOUNT", help=_("the household's account number"))
    who.add_argument("--pin", metavar="PIN", help=_("the person's PIN"))
    issue.add_argument("--lang", dest="doc_lang", required=True, choices=certificates.LANGUAGE_CHOICES,
                       help=_("language of the certificate: ky, ru or ky+ru"))
    issue.add_argument("--out", required=True, metavar="FILE.pdf", help=_("where to write the PDF"))
    issue.add_argument("--as-of", metavar="YYYY-MM-DD", type=_date,
                       help=_("read the household book as of this date (default: today)"))
    issue.add_argument("--purpose", default="", metavar="TEXT", help=_("for presentation to …"))
    issue.add_argument("--text", default="", metavar="TEXT", help=_("the text of a free-text certificate"))
    issue.set_defaults(run=_run_issue)

    verify = cmds.add_parser("verify", parents=[common], allow_abbrev=False, help=_("verify a certificate"),
                             description=_("Check a certificate's signed record offline. Exit 0 only when valid."))
    verify.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    src = verify.add_mutually_exclusive_group(required=True)
    src.add_argument("pdf", nargs="?", metavar="FILE.pdf", help=_("a certificate PDF made by Okmot"))
    src.add_argument("--payload", metavar="TEXT", help=_("the text of the QR code"))
    verify.set_defaults(run=_run_verify)

    listing = cmds.add_parser("list", parents=[common], allow_abbrev=False, help=_("the register of certificates"))
    listing.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    listing.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    listing.set_defaults(run=_run_list)

    kinds = cmds.add_parser("kinds", parents=[common], allow_abbrev=False, help=_("the kinds of certificate"))
    kinds.set_defaults(run=_run_kinds)
    p.set_defaults(run=lambda _args: (p.print_help(sys.stderr), EXIT_ERROR)[1])


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text} is not a date YYYY-MM-DD").format(text=text)) from None


def _open(target: str):
    from okmot.cli import _open_existing

    return _open_existing(target)


def _run_issue(args: argparse.Namespace) -> int:
    from reports.certificates import render_pdf

    db = _open(args.db)
    try:
        with db.session(CLI_ACTOR) as session:
            household_id = person_id = None
            if args.household:
                household_id = households.household_id_by_account(session, args.household)
            else:
                person_id = certificates.person_by_pin(session, args.pin).id
            issued = certificates.issue_certificate(
                session, kind=args.kind, language=args.doc_lang, household_id=household_id, person_id=person_id,
                as_of=args.as_of, purpose=args.purpose, text=args.text)
            pdf = render_pdf(issued.content, payload=issued.payload)
            # The PDF is written inside the unit of work: if it cannot be written, nothing is registered.
            atomic.write_bytes(args.out, pdf)
    except OSError as exc:
        raise atomic.write_problem(Path(args.out), exc) from None
    finally:
        db.dispose()
    print(issued.number)
    return EXIT_OK


def payload_of_pdf(path: Path) -> str:
    """The signed record a PDF made by Okmot carries in its Keywords (the same text as its QR code)."""
    import pypdfium2 as pdfium

    from reports.certificates import payload_from_keywords

    try:
        doc = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError, FileNotFoundError):
        raise UserError(_("{path} cannot be read as a PDF.").format(path=path)) from None
    try:
        payload = payload_from_keywords(doc.get_metadata_dict().get("Keywords"))
    finally:
        doc.close()
    if payload is None:
        raise UserError(_("{path} carries no Okmot certificate record.").format(path=path))
    return payload


def _run_verify(args: argparse.Namespace) -> int:
    payload = args.payload if args.payload is not None else payload_of_pdf(Path(args.pdf))
    db = _open(args.db)
    try:
        with db.session(None) as session:
            verdict = certificates.verify(session, payload)
    finally:
        db.dispose()
    print(f"{_(signing.VERDICTS[verdict.status])}: {verdict.message}")
    if verdict.record is not None:
        r = verdict.record
        print(_("Number {number}, {date}, {kind}, office {office}").format(
            number=r.number, date=r.issued_on.strftime("%d.%m.%Y"),
            kind=codes.label(certificates.KINDS, r.kind), office=r.office_code))
    return EXIT_OK if verdict.valid else EXIT_INVALID


def _run_list(args: argparse.Namespace) -> int:
    db = _open(args.db)
    try:
        with db.session(None) as session:
            rows = certificates.list_certificates(session)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False))
        return EXIT_OK
    for r in rows:
        mark = "" if r.status == "issued" else f"  [{codes.label(certificates.STATUSES, r.status)}]"
        print(f"{r.number}  {r.issued_on.strftime('%d.%m.%Y')}  {codes.label(certificates.KINDS, r.kind)}  "
              f"{r.subject_name}{mark}")
    return EXIT_OK


def _run_kinds(_args: argparse.Namespace) -> int:
    for kind in certificates.KINDS:
        print(f"{kind}\t{codes.label(certificates.KINDS, kind)}")
    return EXIT_OK

