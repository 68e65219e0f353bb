"""The `import-book` and `import-template` commands of `python -m okmot`."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy.exc import DBAPIError

from okmot.db.engine import Actor
from okmot.errors import UserError
from okmot.i18n import _
from okmot.importer.apply import apply_plan
from okmot.importer.fields import FIELDS, PERSONS
from okmot.importer.mapping import normalise, remember
from okmot.importer.plan import ImportPlan, check_mappings, detect_mappings, plan_import
from okmot.importer.reader import read_file
from okmot.importer.template import save_template
from okmot.services.context import storage_problem

ACTOR = Actor(user_id=None, username="system:import-book")


def setup_import_book(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import-book", parents=[common], allow_abbrev=False,
                       help=_("import a household book from an .xlsx or .csv file"),
                       description=_("Check a household book file against the database and import it in one "
                                     "transaction. Any row with an error stops the import: nothing is written and "
                                     "the exit code is 1. Importing the same file again changes nothing."))
    p.add_argument("--db", required=True, metavar="PATH", help=_("the database file or PostgreSQL URL"))
    p.add_argument("file", metavar="FILE", help=_("the .xlsx or .csv file (UTF-8 or Windows-1251)"))
    p.add_argument("--dry-run", action="store_true", help=_("only check and summarise; write nothing"))
    p.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    p.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                   help=_("read the column with this header as this field (repeatable); fields: {fields}").format(
                       fields=", ".join(f.key for f in FIELDS[PERSONS])))
    p.set_defaults(run=run_import_book)


def setup_import_template(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import-template", parents=[common], allow_abbrev=False,
                       help=_("save the household book import template (.xlsx)"),
                       description=_("Save an .xlsx template with bilingual headers: one row per person on the "
                                     "first sheet, land and livestock on the second."))
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help=_("where to save the template"))
    p.set_defaults(run=run_import_template)


def run_import_template(args: argparse.Namespace) -> int:
    from okmot import cli

    path = save_template(args.out)
    print(_("Template saved to {path}.").format(path=path))
    return cli.EXIT_OK


def _apply_overrides(mappings: dict, overrides: list[str]) -> dict:
    if not overrides:
        return mappings
    persons_map = mappings.get(PERSONS)
    if persons_map is None:
        raise UserError(_("No header line was found to apply --map to."))
    keys = {f.key for f in FIELDS[PERSONS]}
    columns = dict(persons_map.columns)
    for item in overrides:
        header, sep, key = item.partition("=")
        index = next((i for i, h in enumerate(persons_map.headers) if normalise(h) == normalise(header)), None)
        if not sep or key not in keys or index is None:
            raise UserError(_("--map {item}: give a column header of the file and one of: {fields}.").format(
                item=item, fields=", ".join(sorted(keys))))
        columns = {i: k for i, k in columns.items() if k != key}
        columns[index] = key
    return {**mappings, PERSONS: persons_map.with_columns(columns)}


def _report(plan: ImportPlan, *, dry_run: bool, imported: bool) -> dict:
    return {"file": plan.source, "encoding": plan.encoding or None, "dry_run": dry_run, "imported": imported,
            "summary": plan.summary.as_json(),
            "errors": [p.as_json() for p in plan.errors], "warnings": [p.as_json() for p in plan.warnings]}


def _print_text(plan: ImportPlan, *, dry_run: bool, imported: bool) -> None:
    s = plan.summary
    print(_("File: {path}").format(path=plan.source) + (f" ({plan.encoding})" if plan.encoding else ""))
    print(_("Rows read: {n}").format(n=s.rows))
    print(_("Households: {c} to create, {u} to update, {n} unchanged").format(
        c=s.households_create, u=s.households_update, n=s.households_unchanged))
    print(_("Persons: {c} to create, {u} to update, {n} unchanged").format(
        c=s.persons_create, u=s.persons_update, n=s.persons_unchanged))
    print(_("Land and livestock (household and year): {c} to create, {u} to update, {n} unchanged").format(
        c=s.farm_create, u=s.farm_update, n=s.farm_unchanged))
    if s.streets_create:
        print(_("New streets: {n}").format(n=s.streets_create))
    for title, problems in ((_("Errors"), plan.errors), (_("Warnings"), plan.warnings)):
        if problems:
            print(f"{title} ({len(problems)}):")
            for p in problems:
                print("  " + _("{sheet}, row {row}, column “{column}”, value “{value}”: {problem}").format(
                    sheet=p.sheet, row=p.row, column=p.column, value=p.value, problem=p.message))
    if plan.errors:
        print(_("Nothing was written: correct the rows with errors and run again."))
    elif imported:
        print(_("Imported."))
    elif dry_run:
        print(_("Dry run: nothing was written."))


def run_import_book(args: argparse.Namespace) -> int:
    from okmot import cli

    source = read_file(args.file)
    db = cli._open_existing(args.db)
    try:
        if args.dry_run:
            with db.session(None) as session:
                mappings = _apply_overrides(detect_mappings(session, source), args.map)
                check_mappings(mappings)
                plan = plan_import(session, source, mappings)
            imported = False
        else:
            with db.session(ACTOR) as session:
                mappings = _apply_overrides(detect_mappings(session, source), args.map)
                check_mappings(mappings)
                plan = plan_import(session, source, mappings)
                imported = not plan.errors and plan.summary.writes > 0
                if not plan.errors:
                    apply_plan(session, plan)
                    if args.map:
                        remember(session, mappings[PERSONS])
    except DBAPIError as exc:  # locked by the app, read-only, full or damaged: said with a way forward
        raise storage_problem(exc, cli._shown(args.db)) from None
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(_report(plan, dry_run=args.dry_run, imported=imported), ensure_ascii=False))
    else:
        _print_text(plan, dry_run=args.dry_run, imported=imported)
    sys.stdout.flush()
    return cli.EXIT_INVALID if plan.errors else cli.EXIT_OK
