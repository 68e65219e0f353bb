"""The import template: a workbook with bilingual headers, one row per person and a land/livestock sheet."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from okmot import atomic
from okmot.i18n import _
from okmot.importer.fields import FARM_FIELDS, PERSON_FIELDS

PERSONS_SHEET = "Адамдар - Жители"
FARM_SHEET = "Жер, мал - Земля, скот"
HELP_SHEET = "Нускама - Инструкция"

_EXAMPLE_PERSONS = (
    ("0001", "Ак-Суу", "Манас көчөсү", "12", "", "үй-бүлө башчысы", "Асанов", "Бекзат", "Асан уулу", "эркек",
     "15.05.1970", "21505197000001", "жашайт", ""),
    ("0001", "", "", "", "", "жубайы", "Асанова", "Айгүл", "Токтосун кызы", "аял", "02.01.1975", "", "", ""),
    ("0002", "Ак-Суу", "", "", "мектептин жанында", "башчы", "Үсөнов", "Нурлан", "", "эркек", "", "", "", ""),
)
_EXAMPLE_FARM = (("0001", dt.date.today().year, 0.08, "", "", "", "", "", "", 3, 2, 10, "", "", "", "", "", "", "", ""),)


def _help_lines() -> list[str]:
    return [
        _("How to fill in this template"),
        _("Sheet 1: one row per person. The household columns (account No., village, street, house No., "
          "address note) may be filled on the first row of each household only."),
        _("Required: account No., village, surname, given name. The house number may stay empty."),
        _("Dates as dd.mm.yyyy; the PIN as 14 digits; sex, relation and status in Kyrgyz or Russian words."),
        _("Sheet 2: land in hectares and livestock in heads as of 1 January of the year, one row per "
          "household and year. An empty cell leaves what the book has; 0 means none."),
        _("Delete the example rows before importing. Import the same file again at any time: rows already "
          "in the book are left unchanged."),
    ]


def build_template() -> bytes:
    """The template workbook as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws = book.active
    ws.title = PERSONS_SHEET
    for sheet, fields, examples in ((ws, PERSON_FIELDS, _EXAMPLE_PERSONS),
                                    (book.create_sheet(FARM_SHEET), FARM_FIELDS, _EXAMPLE_FARM)):
        sheet.append([f.header for f in fields])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in examples:
            sheet.append([v if v != "" else None for v in row])
        for i, f in enumerate(fields, start=1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(12, min(30, len(f.header) // 2 + 4))
            if f.key in ("pin", "account_number", "house_number", "birth_date", "status_date"):
                for row in sheet.iter_rows(min_row=2, max_row=200, min_col=i, max_col=i):
                    row[0].number_format = "@"
        sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(HELP_SHEET)
    for line in _help_lines():
        help_sheet.append([line])
    help_sheet["A1"].font = bold
    help_sheet.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def save_template(path: str | Path) -> Path:
    path = Path(path)
    atomic.write_bytes(path, build_template())
    return path
