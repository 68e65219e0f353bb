"""`python -m okmot sync reference-export | reference-import | district-key`: reference packages from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from okmot.i18n import _


def setup(cmds: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the reference-package actions to `python -m okmot sync`."""
    key = cmds.add_parser("district-key", parents=[common], allow_abbrev=False,
                          help=_("write the district's public key file for the offices"),
                          description=_("Write the district database's public key file (made on first use) and "
                                        "print its path and fingerprint. Give the file to every office."))
    key.add_argument("--db", required=True, metavar="URL_OR_PATH", help=_("the district database"))
    key.add_argument("--out", required=True, metavar="FILE_OR_DIR", help=_("the key file, or a folder to put it in"))
    key.set_defaults(run=_run_district_key)

    export = cmds.add_parser("reference-export", parents=[common], allow_abbrev=False,
                             help=_("publish a reference package"),
                             description=_("Write the next signed reference package (service register, fees, "
                                           "calendar, income norms) and print its path."))
    export.add_argument("--db", required=True, metavar="URL_OR_PATH", help=_("the district database"))
    export.add_argument("--out", required=True, metavar="DIR", help=_("the folder to write the package to"))
    export.set_defaults(run=_run_reference_export)

    imp = cmds.add_parser("reference-import", parents=[common], allow_abbrev=False,
                          help=_("apply a reference package from the district"),
                          description=_("Check a reference package against the district key of this office, show "
                                        "what changes and apply it. Exit 1 when it is refused."))
    imp.add_argument("--db", required=True, metavar="PATH", help=_("the office's database file"))
    imp.add_argument("package", metavar="FILE", help=_("the reference package"))
    imp.add_argument("--dry-run", action="store_true", help=_("show what would change; write nothing"))
    imp.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    imp.set_defaults(run=_run_reference_import)


def _run_district_key(args: argparse.Namespace) -> int:
    from okmot.cli_sync import CLI_ACTOR, EXIT_OK, _open
    from okmot.sync.district_key import export_key_file

    db = _open(args.db)
    try:
        path, fingerprint = export_key_file(db, args.out, actor=CLI_ACTOR)
    finally:
        db.dispose()
    print(path)
    print(_("Fingerprint: {fp} — read it out to each office when they install the key.").format(fp=fingerprint),
          file=sys.stderr)
    return EXIT_OK


def _run_reference_export(args: argparse.Namespace) -> int:
    from okmot.cli_sync import CLI_ACTOR, EXIT_OK, _open
    from okmot.sync.reference import publish

    db = _open(args.db)
    try:
        result = publish(db, args.out, actor=CLI_ACTOR)
    finally:
        db.dispose()
    print(result.path)
    print(_("Reference package version {n}: {counts}").format(
        n=result.version, counts=", ".join(f"{k}: {v}" for k, v in result.counts.items())), file=sys.stderr)
    return EXIT_OK


def report_lines(report) -> list[str]:
    """The text form of a reference report: the verdict, then per kind the counts and the names of what changes."""
    from okmot.sync.reference_apply import STATUSES

    lines = [f"{report.path}: {report.message}"]
    for kind in report.kinds:
        lines.append("  " + _("{kind}: {new} new, {changed} changed, {unchanged} unchanged, {removed} removed").format(
            kind=kind.label, new=kind.count("new"), changed=kind.count("changed"),
            unchanged=kind.count("unchanged"), removed=kind.count("removed")))
        for c in kind.changes:
            if c.status != "unchanged":
                detail = f" ({', '.join(c.fields)})" if c.fields else ""
                lines.append(f"    {_(STATUSES[c.status])}: {c.name}{detail}")
    return lines


def _run_reference_import(args: argparse.Namespace) -> int:
    from okmot.cli_sync import CLI_ACTOR, EXIT_OK, EXIT_REFUSED, _open
    from okmot.sync.reference_apply import apply_file

    db = _open(args.db)
    try:
        report = apply_file(db, args.package, actor=CLI_ACTOR, dry_run=args.dry_run)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        print("\n".join(report_lines(report)))
    return EXIT_REFUSED if report.refused else EXIT_OK
