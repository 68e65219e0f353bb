"""`python -m okmot sync export | import | status`: sync packages from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from okmot import cli_reference
from okmot.db.engine import Actor, is_url
from okmot.errors import EnvironmentProblem
from okmot.i18n import _

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2
CLI_ACTOR = Actor(user_id=None, username="system:cli-sync")


def setup(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sync", parents=[common], allow_abbrev=False,
                       help=_("export and import sync packages"),
                       description=_("Signed sync packages: a village exports, the district imports."))
    cmds = p.add_subparsers(dest="sync_command", metavar="ACTION", title=_("actions"))

    export = cmds.add_parser("export", parents=[common], allow_abbrev=False, help=_("write the next package"),
                             description=_("Write this office's next sync package and print its path."))
    export.add_argument("--db", required=True, metavar="PATH", help=_("the office's database file"))
    export.add_argument("--out", required=True, metavar="DIR", help=_("the folder to write the package to"))
    export.add_argument("--full", action="store_true", help=_("a full package instead of the changes since the last"))
    export.add_argument("--encrypt", action="store_true",
                        help=_("encrypt the package to the district's key (only the district can read it)"))
    export.set_defaults(run=_run_export)
    cli_reference.setup(cmds, common)

    imp = cmds.add_parser("import", parents=[common], allow_abbrev=False, help=_("import packages"),
                          description=_("Verify and import sync packages into the district database. "
                                        "Exit 1 when any package was refused."))
    imp.add_argument("--db", required=True, metavar="URL_OR_PATH",
                     help=_("the district database file or PostgreSQL URL (a new file is created)"))
    imp.add_argument("packages", nargs="+", metavar="PACKAGE", help=_("package files, in any order"))
    imp.add_argument("--dry-run", action="store_true", help=_("show what would change; write nothing"))
    imp.add_argument("--trust-new", action="store_true",
                     help=_("trust the key of an office seen for the first time (check its fingerprint)"))
    imp.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    imp.set_defaults(run=_run_import)

    status = cmds.add_parser("status", parents=[common], allow_abbrev=False, help=_("offices and their packages"),
                             description=_("The trusted offices, their last package and record counts."))
    status.add_argument("--db", required=True, metavar="URL_OR_PATH", help=_("the district database"))
    status.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    status.set_defaults(run=_run_status)

    dups = cmds.add_parser("duplicates", parents=[common], allow_abbrev=False,
                           help=_("persons living in two offices"),
                           description=_("Persons who seem to live in two aiyl aimaks: the same PIN, or the same "
                                         "name and birth date, in the packages of two offices."))
    dups.add_argument("--db", required=True, metavar="URL_OR_PATH", help=_("the district database"))
    dups.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    dups.set_defaults(run=_run_duplicates)
    p.set_defaults(run=lambda _args: (p.print_help(sys.stderr), EXIT_ERROR)[1])


def _open(target: str, *, create: bool = False):
    from okmot.cli import _open_existing
    from okmot.db.migrate import open_database

    if create and not is_url(target):
        path = Path(target).expanduser()
        if not path.exists():
            if not path.parent.is_dir():
                raise EnvironmentProblem(_("The folder {folder} does not exist.").format(folder=path.parent))
            try:
                return open_database(path)
            except DBAPIError as exc:
                raise EnvironmentProblem(_("Cannot open the database {path}: {reason}").format(
                    path=target, reason=exc.orig or exc)) from None
    return _open_existing(target)


def _run_export(args: argparse.Namespace) -> int:
    from okmot.sync.export import NothingToExport, export_package

    db = _open(args.db)
    try:
        result = export_package(db, args.out, actor=CLI_ACTOR, full=args.full, encrypt=args.encrypt)
    except NothingToExport as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_OK
    finally:
        db.dispose()
    print(result.path)
    return EXIT_OK


def _summary_lines(report) -> list[str]:
    lines = [f"{report.path}: {report.message}"]
    if report.fingerprint:
        lines.append("  " + _("key fingerprint: {fp}").format(fp=report.fingerprint))
    for table, s in report.tables.items():
        if s.new or s.updated or s.deleted or s.conflicts or s.unchanged:
            lines.append("  " + _("{table}: {new} new, {updated} updated, {unchanged} unchanged, {deleted} deleted, "
                                  "{conflicts} conflicts").format(table=table, **s.as_json()))
    lines.extend("  " + _("warning: {text}").format(text=w) for w in report.warnings)
    return lines


def _run_import(args: argparse.Namespace) -> int:
    from okmot.sync.consolidate import import_package

    db = _open(args.db, create=True)
    reports = []
    try:
        for path in _in_sequence(args.packages, db):
            reports.append(import_package(db, path, actor=CLI_ACTOR, trust_new=args.trust_new,
                                          dry_run=args.dry_run))
    finally:
        db.dispose()
    if args.json:
        _print_json(reports)
    else:
        for r in reports:
            print("\n".join(_summary_lines(r)))
    return EXIT_REFUSED if any(r.refused for r in reports) else EXIT_OK


def _in_sequence(paths: list[str], db) -> list[str]:
    """Packages of one office in their sequence order, so `sync import *.okmsync` works whatever the shell sorts.

    Encrypted packages are opened with the district database's key to read their sequence too.
    """
    from okmot.sync.batch import plan
    from okmot.sync.sealing import opener

    return [p.path for p in plan(paths, unseal=opener(db))]


def _read(target: str, query):
    """The result of ``query(session)`` on the database at ``target``, opened for this call only."""
    db = _open(target)
    try:
        with db.session() as session:
            return query(session)
    finally:
        db.dispose()


def _print_json(items) -> int:
    print(json.dumps([item.as_json() for item in items], ensure_ascii=False, indent=1))
    return EXIT_OK


def _run_status(args: argparse.Namespace) -> int:
    from okmot.sync.status import offices

    rows = _read(args.db, offices)
    if args.json:
        return _print_json(rows)
    if not rows:
        print(_("No office has sent a package yet."))
    for r in rows:
        last = _("no package imported")
        if r.last_sequence is not None:
            last = _("package {n} of {created}, imported {at}").format(
                n=r.last_sequence, created=f"{r.last_package_created_at:%Y-%m-%d}",
                at=f"{r.last_imported_at:%Y-%m-%d %H:%M}")
        print(f"{r.office_code}  [{r.fingerprint}]  {last}")
        print("  " + ", ".join(f"{t}: {n}" for t, n in r.counts.items()))
    return EXIT_OK


def _run_duplicates(args: argparse.Namespace) -> int:
    from okmot.services.cross_office import find_pairs

    pairs = _read(args.db, find_pairs)
    if args.json:
        return _print_json(pairs)
    if not pairs:
        print(_("No person seems to live in two offices."))
    for p in pairs:
        print(f"{p.reason_text}:")
        for person in (p.first, p.second):
            born = f"{person.birth_date:%d.%m.%Y}" if person.birth_date else "—"
            print("  " + _("{office} {village}, household {account}: {name}, born {born}, PIN {pin}").format(
                office=person.office_code, village=person.village_ky, account=person.account_number,
                name=person.name, born=born, pin=person.pin or "—"))
    return EXIT_OK
