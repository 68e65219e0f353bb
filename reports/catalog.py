"""Report kind → its definition, and one call that renders the data to the format of the file name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from okmot.errors import ValidationError
from okmot.i18n import _
from okmot.reporting.kinds import KINDS, PDF, XLSX
from reports import card, farm, movement, pack, people, services
from reports.model import Report
from reports.pdf import write_pdf
from reports.xlsx import write_xlsx

DEFINITIONS: dict[str, Callable[..., Report]] = {
    "population": people.population,
    "households": people.households,
    "movement": movement.movement,
    "voters": people.voters,
    "pension_age": people.pension_age,
    "school_age": people.school_age,
    "land": farm.land,
    "livestock": farm.livestock,
    "land_tax": farm.land_tax,
    "book": people.book,
    "household_card": card.household_card,
    "services": services.services,
    "fees": services.fees,
    "half_year": pack.half_year,
}


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in (XLSX, PDF):
        raise ValidationError({"out": _("The file name must end in .xlsx or .pdf.")})
    return suffix


def check_format(kind: str, path: str | Path) -> str:
    fmt = file_format(path)
    if fmt not in KINDS[kind].formats:
        raise ValidationError({"out": _("This report is made as {formats} only.").format(
            formats=", ".join("." + f for f in KINDS[kind].formats))})
    return fmt


def build_report(kind: str, data, language: str) -> Report:
    return DEFINITIONS[kind](data, language)


def render(kind: str, data, language: str, path: str | Path, *,
           progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> Path:
    """Build the report of ``kind`` from ``data`` and write it to ``path`` (.xlsx or .pdf), atomically."""
    fmt = check_format(kind, path)
    report = build_report(kind, data, language)
    writer = write_xlsx if fmt == XLSX else write_pdf
    return writer(report, path, progress=progress, cancelled=cancelled)
