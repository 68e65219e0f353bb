"""Entry point for `python -m okmot`: the command-line interface."""

import sys

from okmot.cli import main

sys.exit(main())
