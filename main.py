"""Okmot desktop entry point: arguments → paths → logging → database upgrade → window."""

from __future__ import annotations

import argparse
import os
import sys


def parse_args(argv: list[str]) -> argparse.Namespace:
    from okmot.i18n import _
    from okmot.paths import ENV_DB

    parser = argparse.ArgumentParser(prog="okmot", description=_("Okmot: household book and certificates."))
    parser.add_argument("--db", help=_("database file or PostgreSQL URL (default: ${env} or the user's data folder)")
                        .replace("${env}", ENV_DB))
    parser.add_argument("--demo", action="store_true",
                        help=_("open the built-in demo village (created on first use)"))
    parser.add_argument("--lang", choices=("ky", "ru"), help=_("interface language"))
    parser.add_argument("--self-test", action="store_true",
                        help=_("check this installation (database, certificate PDF, XLSX report) and exit"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and not argv[0].startswith("-"):
        # `okmot restore ...`: the frozen build has no `python -m okmot`, so the commands come this way.
        from okmot.cli import main as cli_main

        return cli_main(argv)
    args = parse_args(argv)
    if args.self_test:
        from ui.self_test import run_checks

        return run_checks()
    from okmot import logsetup, paths

    logsetup.configure()
    if args.demo:
        from okmot.demo import ensure_demo_database

        target = str(ensure_demo_database(paths.demo_db_path()))
    else:
        target = args.db or str(paths.default_db_path())
    from ui.app import run

    return run(target, language=args.lang)


if __name__ == "__main__":
    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    sys.exit(main())
