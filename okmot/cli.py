"""Command-line interface: `python -m okmot demo | stats | pin-check ...`, one function per command."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from okmot import codes, logsetup
from okmot.db.engine import Database, is_url
from okmot.db.migrate import open_database
from okmot.errors import EnvironmentProblem, OkmotError, UserError
from okmot.gcpause import background_job
from okmot.i18n import _, set_language

ENV_LANG = "OKMOT_LANG"
CLI_LANGUAGES = ("ky", "ru", "en")
DEFAULT_CLI_LANGUAGE = "ky"

#: Exit codes: 0 done, 1 a checked value is invalid (pin-check), 2 the command could not be carried out.
EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


# --- helpers ------------------------------------------------------------------------------------

def _shown(target: str) -> str:
    """A database location fit to print: a URL's password is never shown."""
    if not is_url(target):
        return target
    try:
        return make_url(target).render_as_string(hide_password=True)
    except ArgumentError:
        return target.split("://", 1)[0] + "://…"


def _open_existing(target: str) -> Database:
    """Open (and migrate) a database that must already exist; a missing file is never created."""
    if not is_url(target):
        path = Path(target).expanduser()
        if not path.is_file():
            raise EnvironmentProblem(_("database not found: {path}").format(path=_shown(target)))
    try:
        return open_database(target)
    except DBAPIError as exc:
        reason = exc.orig if exc.orig is not None else exc
        raise EnvironmentProblem(_("Cannot open the database {path}: {reason}").format(
            path=_shown(target), reason=reason)) from None


def _cli_actor():
    """The program itself, run from the command line by this operating-system user (named in the audit trail)."""
    import getpass

    from okmot.db.engine import Actor

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "okmot"
    return Actor(user_id=None, username=f"system:cli ({who})"[:60])


def _audit_cli(target: str | Path, action: str, **subject) -> None:
    """Record a command-line backup, restore or export in the database's own audit trail.

    Best effort: the file was already written, so a database that cannot take the record (read-only,
    an old version) gets a warning rather than a failed command.
    """
    from okmot.services import audit

    actor = _cli_actor()
    db = Database(target)
    try:
        with db.session(actor) as session:
            audit.record(session, actor, action, **subject)
    except (DBAPIError, OSError) as exc:
        print(_("Could not record this in the audit trail: {reason}").format(reason=exc), file=sys.stderr)
    finally:
        db.dispose()


def _table(rows: list[tuple[str, str]]) -> str:
    """Label/value rows aligned in two columns; a row with an empty value is a section heading."""
    width = max((len(label) for label, value in rows if value), default=0)
    vwidth = max((len(value) for _label, value in rows), default=0)
    out = []
    for label, value in rows:
        out.append(label if not value else f"{label:<{width}}  {value:>{vwidth}}")
    return "\n".join(out)


# --- demo -----------------------------------------------------------------------------------------

def _setup_demo(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from okmot import demo

    p = sub.add_parser("demo", parents=[common], allow_abbrev=False,
                       help=_("create a demo database with a generated village"),
                       description=_("Create a new database holding a generated demo village. The file must not "
                                     "exist yet; it appears only when the village is complete."))
    p.add_argument("--db", required=True, metavar="PATH",
                   help=_("the new database file (or an empty PostgreSQL database URL)"))
    p.add_argument("--households", type=int, default=demo.DEFAULT_HOUSEHOLDS, metavar="N",
                   help=_("number of households (default: %(default)s)"))
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, metavar="S",
                   help=_("random seed; the same seed gives the same village (default: %(default)s)"))
    p.add_argument("--office-code", metavar="CODE",
                   help=_("the aiyl aimak's code (to try a district with several demo offices, give each its own)"))
    p.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from okmot import demo

    code = (args.office_code or "").strip()
    if args.office_code is not None and not (0 < len(code) <= 20 and all(c.isalnum() or c == "-" for c in code)):
        print(_("The office code must be 1 to 20 letters, digits or dashes."), file=sys.stderr)
        return EXIT_ERROR
    summary = demo.generate_into(args.db, households=args.households, seed=args.seed, office_code=code or None)
    print(_("Demo village written to {path}: {households} households ({closed} closed), {persons} persons, "
            "{villages} villages, land and livestock for {first}–{last}; {seconds:.1f} s.").format(
        path=_shown(args.db), households=summary.households, closed=summary.closed_households,
        persons=summary.persons, villages=summary.villages, first=summary.years[0], last=summary.years[-1],
        seconds=summary.seconds))
    return EXIT_OK


# --- stats ----------------------------------------------------------------------------------------

def _setup_stats(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stats", parents=[common], allow_abbrev=False,
                       help=_("headline counts of a household book"),
                       description=_("Count villages, households, persons, land and livestock in a database."))
    p.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    p.add_argument("--json", action="store_true", help=_("print one JSON object instead of a table"))
    p.set_defaults(run=_run_stats)


def _run_stats(args: argparse.Namespace) -> int:
    from okmot.services.stats import book_stats

    db = _open_existing(args.db)
    try:
        with db.session(None) as session:
            stats = book_stats(session)
    except DBAPIError as exc:
        raise EnvironmentProblem(_("Cannot read the database {path}: {reason}").format(
            path=_shown(args.db), reason=exc.orig if exc.orig is not None else exc)) from None
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(stats.as_json(), ensure_ascii=False))
        return EXIT_OK
    rows = [(_("Villages"), str(stats.villages)), (_("Households"), "")]
    rows += [("  " + codes.label(codes.HOUSEHOLD_STATUSES, s), str(n)) for s, n in stats.households.items()]
    rows.append((_("Persons"), ""))
    rows += [("  " + codes.label(codes.RESIDENCE_STATUSES, s), str(n)) for s, n in stats.persons.items()]
    if stats.land_year is None:
        rows.append((_("Land in use: no records"), ""))
    else:
        rows.append((_("Land in use on 1 January {year}").format(year=stats.land_year), ""))
        rows.append(("  " + _("plots"), str(stats.land_plots)))
        rows.append(("  " + _("area, ha"), f"{stats.land_area_m2 / 10_000:.2f}"))
    if stats.livestock_year is None:
        rows.append((_("Livestock: no records"), ""))
    else:
        rows.append((_("Livestock on 1 January {year}").format(year=stats.livestock_year), ""))
        rows += [("  " + codes.label(codes.SPECIES, s), str(n)) for s, n in stats.livestock.items()]
    print(_table(rows))
    return EXIT_OK


# --- pin-check ------------------------------------------------------------------------------------

def _setup_pin_check(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("pin-check", parents=[common], allow_abbrev=False,
                       help=_("check a personal identification number (PIN)"),
                       description=_("Decode a 14-digit PIN into sex and birth date, or say why it is invalid. "
                                     "Exits with 0 for a valid PIN and 1 for an invalid one."))
    p.add_argument("pin", metavar="PIN", help=_("the PIN, 14 digits (spaces and dashes are ignored)"))
    p.set_defaults(run=_run_pin_check)


def _run_pin_check(args: argparse.Namespace) -> int:
    from okmot.identity import pin as pins

    try:
        decoded = pins.decode(args.pin)
    except pins.PinError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_INVALID
    print(_("Valid PIN: {sex}, born {date}.").format(sex=pins.sex_word(decoded.sex),
                                                     date=decoded.birth_date.strftime("%d.%m.%Y")))
    return EXIT_OK


# --- check, backup, restore --------------------------------------------------------------------------

def _setup_check(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[common], allow_abbrev=False,
                       help=_("check a database for damage"),
                       description=_("Check SQLite integrity, foreign keys and the change journal. Exit 0 when "
                                     "everything is in order, 1 with the findings listed."))
    p.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    p.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from okmot.maintenance import check_database

    db = _open_existing(args.db)
    try:
        findings = check_database(db)
    finally:
        db.dispose()
    for f in findings:
        print(f"{f.check}: {f.detail}")
    if findings:
        return EXIT_INVALID
    print(_("No problems found."))
    return EXIT_OK


def _read_password(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        password = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise EnvironmentProblem(_("Cannot read the password file {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    if not password:
        raise EnvironmentProblem(_("The password file {path} is empty.").format(path=path))
    return password


def _setup_backup(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], allow_abbrev=False, help=_("back up a database"),
                       description=_("Make a consistent, verified copy of the database (safe while the app is "
                                     "in use); encrypted when a password file is given."))
    p.add_argument("--db", required=True, metavar="PATH", help=_("the database file"))
    p.add_argument("--out", required=True, metavar="DIR", help=_("the folder to write the backup into"))
    p.add_argument("--password-file", metavar="F", help=_("encrypt the backup with the password in this file "
                                                          "(without it, with the backup password set in Settings, "
                                                          "if there is one)"))
    p.set_defaults(run=_run_backup)


def _run_backup(args: argparse.Namespace) -> int:
    from okmot.backup import take_backup
    from okmot.services.backup_password import load_key

    password = _read_password(args.password_file)
    key = load_key(Path(args.db)) if password is None else None  # the administrator's choice applies here too
    info = take_backup(Path(args.db), Path(args.out), password=password, key=key)
    _audit_cli(args.db, "backup", detail={"file": info.path.name, "via": "cli"})
    print(info.path)
    return EXIT_OK


def _setup_restore(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("restore", parents=[common], allow_abbrev=False, help=_("restore a database from a backup"),
                       description=_("Verify a backup, back up the current database, then replace it with the "
                                     "backup. Nothing is replaced if the backup is damaged or the password wrong."))
    p.add_argument("--db", required=True, metavar="PATH", help=_("the database file to replace"))
    p.add_argument("backup", metavar="BACKUP", help=_("the backup file"))
    p.add_argument("--password-file", metavar="F", help=_("the password of an encrypted backup"))
    p.set_defaults(run=_run_restore)


def _run_restore(args: argparse.Namespace) -> int:
    from okmot.backup import restore
    from okmot.paths import backups_dir

    safety = restore(Path(args.db), Path(args.backup), password=_read_password(args.password_file),
                     safety_dir=backups_dir())
    _audit_cli(args.db, "restore", detail={"file": Path(args.backup).name, "via": "cli"})
    if safety is not None:
        print(_("The previous database was saved as {path}.").format(path=safety.path))
    print(_("Restored {db} from {backup}.").format(db=args.db, backup=args.backup))
    return EXIT_OK


# --- import-book, import-template (okmot.importer.command) -------------------------------------

def _setup_import_book(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from okmot.importer.command import setup_import_book

    setup_import_book(sub, common)


def _setup_import_template(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from okmot.importer.command import setup_import_template

    setup_import_template(sub, common)


# --- report ---------------------------------------------------------------------------------------

def _date_arg(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date in the form YYYY-MM-DD: {text}").format(text=text)) from None


def _setup_report(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", parents=[common], allow_abbrev=False,
                       help=_("make a report as an Excel workbook or a PDF"),
                       description=_("Make a report from a household book: --list shows the kinds. The report "
                                     "is written in the language of --lang (ky or ru); the file appears only "
                                     "when complete."))
    p.add_argument("--list", action="store_true", help=_("list the report kinds and exit"))
    p.add_argument("--db", metavar="PATH", help=_("the database file or PostgreSQL URL"))
    p.add_argument("--kind", metavar="KIND", help=_("the report kind (see --list)"))
    p.add_argument("--out", metavar="FILE", help=_("the file to write: FILE.xlsx or FILE.pdf"))
    p.add_argument("--as-of", type=_date_arg, metavar="YYYY-MM-DD", help=_("the date (default: today)"))
    p.add_argument("--from", dest="start", type=_date_arg, metavar="YYYY-MM-DD",
                   help=_("first day of the period"))
    p.add_argument("--to", dest="end", type=_date_arg, metavar="YYYY-MM-DD", help=_("last day of the period"))
    p.add_argument("--village", action="append", default=[], metavar="CODE",
                   help=_("only this village (code; repeat for several; OFFICE/CODE in a district database)"))
    p.add_argument("--account", metavar="NUMBER", help=_("household account number (for household_card)"))
    p.add_argument("--office", metavar="CODE",
                   help=_("in a district database: only this aiyl aimak (office code; default: every office, "
                          "with a breakdown per office)"))
    p.set_defaults(run=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    import getpass

    from okmot.i18n import current_language
    from okmot.reporting.collect import collect
    from okmot.reporting.data import Params
    from okmot.reporting.kinds import HOUSEHOLD, KINDS, PERIOD
    from reports.catalog import check_format, render

    if args.list:
        width = max(len(k) for k in KINDS)
        for kind in KINDS.values():
            timing = {PERIOD: "--from/--to", HOUSEHOLD: "--account, --as-of"}.get(kind.timing, "--as-of")
            formats = ", ".join(kind.formats)
            print(f"{kind.code:<{width}}  {_(kind.title)} [{timing}; {formats}]")
        return EXIT_OK
    missing = [flag for flag, value in (("--db", args.db), ("--kind", args.kind), ("--out", args.out)) if not value]
    if missing:
        print(_("Give {flags} (or --list).").format(flags=", ".join(missing)), file=sys.stderr)
        return EXIT_ERROR
    if args.kind not in KINDS:
        print(_("Unknown report kind: {kind}. `python -m okmot report --list` shows the kinds.").format(
            kind=args.kind), file=sys.stderr)
        return EXIT_ERROR
    check_format(args.kind, args.out)
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise EnvironmentProblem(_("Cannot write {path}: the folder does not exist.").format(path=out))
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "okmot"
    params = Params(args.kind, as_of=args.as_of, start=args.start, end=args.end, villages=tuple(args.village),
                    account=args.account, language=current_language() if current_language() in ("ky", "ru") else "ky",
                    office=args.office)
    db = _open_existing(args.db)
    # As the app's report worker does: the cyclic collector would walk the growing heap again and again.
    with background_job():
        try:
            with db.session(None) as session:
                data = collect(session, params, generated_by=_("{user} (command line)").format(user=who))
        except DBAPIError as exc:
            raise EnvironmentProblem(_("Cannot read the database {path}: {reason}").format(
                path=_shown(args.db), reason=exc.orig if exc.orig is not None else exc)) from None
        finally:
            db.dispose()
        render(args.kind, data, params.language, out)
    _audit_cli(args.db, "export", detail={"report": args.kind, "file": out.name, "via": "cli"})
    print(_("Report written to {path}.").format(path=out))
    return EXIT_OK


# --- subject-access ---------------------------------------------------------------------------------

def _setup_subject_access(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("subject-access", parents=[common], allow_abbrev=False,
                       help=_("print a subject-access report (Law 58, Article 17) as a PDF"),
                       description=_("Everything the household book holds about one person, and who viewed, "
                                     "printed or changed it, as a PDF in the language of --lang. Making the "
                                     "report is recorded in the audit trail."))
    p.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--pin", metavar="PIN", help=_("the person's PIN"))
    who.add_argument("--person", metavar="UUID", help=_("the person's record id (as shown in the audit trail)"))
    p.add_argument("--out", required=True, metavar="FILE.pdf", help=_("the PDF file to write"))
    p.add_argument("--user", metavar="NAME",
                   help=_("the user account on whose request the report is made (recorded in the audit trail "
                          "and printed on the report); it must be an active account allowed to print it"))
    p.set_defaults(run=_run_subject_access)


def _requesting_account(session, name: str) -> str:
    """The full name of the active account ``name``, which must be allowed to print the report."""
    from okmot import permissions
    from okmot.services import auth

    key = name.strip().casefold()
    account = next((a for a in auth.list_accounts(session) if a.username.casefold() == key and a.is_active), None)
    if account is None:
        raise UserError(_("No active user account is named {name}.").format(name=name.strip()))
    if not permissions.allowed(account.role, "subject_access.print"):
        raise UserError(_("The role of {name} does not allow printing a subject-access report.").format(
            name=account.username))
    return account.full_name or account.username


def _run_subject_access(args: argparse.Namespace) -> int:
    import uuid

    from okmot.i18n import current_language
    from okmot.services import certificates, subject_access
    from reports.subject_access import write_subject_access_pdf

    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise EnvironmentProblem(_("The report is a PDF: give a file name ending in .pdf."))
    if not out.parent.is_dir():
        raise EnvironmentProblem(_("Cannot write {path}: the folder does not exist.").format(path=out))
    person_id = None
    if args.person:
        try:
            person_id = uuid.UUID(args.person)
        except ValueError:
            raise UserError(_("Not a record id: {text}").format(text=args.person)) from None
    db = _open_existing(args.db)
    try:
        # One unit of work: the report is written inside it, so a failed write leaves no audit event behind.
        with db.session(_cli_actor()) as session:
            requested_by = _requesting_account(session, args.user) if args.user else ""
            if person_id is None:
                person_id = certificates.person_by_pin(session, args.pin).id
            data = subject_access.collect(session, None, person_id, language=current_language(),
                                          requested_by=requested_by)
            write_subject_access_pdf(data, out, current_language())
    except DBAPIError as exc:
        raise EnvironmentProblem(_("Cannot read the database {path}: {reason}").format(
            path=_shown(args.db), reason=exc.orig if exc.orig is not None else exc)) from None
    finally:
        db.dispose()
    print(_("Subject-access report for {name} written to {path}.").format(name=data.full_name, path=out))
    return EXIT_OK


# --- certificate issue | verify | list | kinds (okmot.cli_certificate) ----------------------------

def _setup_certificate(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from okmot.cli_certificate import setup

    setup(sub, common)


# --- sync export | import | status (okmot.cli_sync) ------------------------------------------------

def _setup_sync(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from okmot.cli_sync import setup

    setup(sub, common)


#: Every subcommand: a function adding its parser (with ``run`` set as the default). Add new ones here.
COMMANDS: tuple[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None], ...] = (
    _setup_demo, _setup_stats, _setup_pin_check, _setup_check, _setup_backup, _setup_restore,
    _setup_import_book, _setup_import_template, _setup_report, _setup_certificate,
    _setup_sync, _setup_subject_access,
)


# --- entry point ----------------------------------------------------------------------------------

def _language(argv: list[str]) -> str:
    """The --lang given anywhere on the line, else $OKMOT_LANG, else Kyrgyz.

    Read before the parser is built, because its help texts are translated; the parser itself
    then reports a wrong value.
    """
    given = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            given = argv[i + 1]
        elif arg.startswith("--lang="):
            given = arg.partition("=")[2]
    for code in (given, os.environ.get(ENV_LANG)):
        if code in CLI_LANGUAGES:
            return code
    return DEFAULT_CLI_LANGUAGE


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=CLI_LANGUAGES, default=argparse.SUPPRESS,
                        help=_("language of messages: ky, ru or en (default: $OKMOT_LANG, else ky)"))
    parser = argparse.ArgumentParser(prog="python -m okmot", parents=[common], allow_abbrev=False,
                                     description=_("Okmot: the household book of an aiyl okmotu, "
                                                   "from the command line."))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=_("commands"))
    for setup in COMMANDS:
        setup(sub, common)
    return parser


def _tolerant_output() -> None:
    """A console that cannot show a letter (ң, ө, ү on an old code page) gets "?" instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, io.UnsupportedOperation):
                pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_output()
    set_language(_language(argv))
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already explained by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        with logsetup.for_command():
            return run(args)
    except OkmotError as exc:  # NewerDatabaseError included: expected problems, explained, no traceback
        print(exc.message, file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(_("Interrupted; nothing was left half-written."), file=sys.stderr)
        return 130
