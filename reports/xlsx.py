"""Render a Report to an .xlsx workbook: title block, frozen header, filters, formulas for every total.

Sheets are written in openpyxl's write-only (streaming) mode, so a 50 000-row list never sits in
memory as cell objects. That mode writes the sheet's head (column widths, frozen panes, page
properties) with the first row, so those are set before any row; filters, merges and page setup are
written at the sheet's end and may be set after the rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from okmot.i18n import N_, gettext_in
from reports.model import AREA_HA, AREA_M2, DATE, DECIMAL, INT, MONEY, PERCENT, SUM, TEXT, Facts, Report, Table
from reports.output import atomic_path, checker

NUMBER_FORMATS = {INT: "#,##0", AREA_HA: "#,##0.0000", AREA_M2: "#,##0", MONEY: "#,##0.00",
                  DATE: "DD.MM.YYYY", PERCENT: "0.0%", DECIMAL: "0.00"}
DEFAULT_WIDTHS = {TEXT: 24, INT: 11, DATE: 12, AREA_HA: 14, AREA_M2: 13, MONEY: 14, PERCENT: 10, DECIMAL: 10}
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
PROGRESS_EVERY = 1000

_THIN = Side(style="thin", color="808080")
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_BOLD = Font(bold=True)
#: openpyxl's data type for the values a number-formatted cell takes as they are (bool is not an int here).
_DIRECT_TYPES = {int: "n", float: "n", decimal.Decimal: "n", dt.date: "d", dt.datetime: "d"}


def _sheet_name(name: str, used: set[str]) -> str:
    base = (name.translate(_BAD_SHEET_CHARS).strip() or "Sheet")[:31]
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(candidate.casefold())
    return candidate


class _Sheet:
    """Writes one table (or facts) into a streaming worksheet, keeping count of the row number."""

    def __init__(self, ws: WriteOnlyWorksheet, report: Report, width: int):
        self.ws, self.report, self.width, self.row = ws, report, max(width, 2), 0

    def cell(self, value, *, bold=False, fmt=None, fill=None, border=False, wrap=False, size=None):
        c = WriteOnlyCell(self.ws, value)
        if bold or size:
            c.font = Font(bold=bold, size=size) if size else _BOLD
        if fmt:
            c.number_format = fmt
        if fill is not None:
            c.fill = fill
        if border:
            c.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="top")
        return c

    def like(self, value, template):
        """A cell styled as ``template``, made without openpyxl's per-cell style lookups.

        On a 50 000-row list those cost more than writing the values: a date given to a new cell
        first gets openpyxl's default date format (a style lookup) before ours replaces it. Numbers
        and dates are filled in directly with openpyxl's own data type for them; the template's
        style array is shared, not copied (a write-only cell is written once and dropped, and
        nothing changes a template after it is made). Any other value goes through openpyxl's checks.
        """
        c = WriteOnlyCell(self.ws)
        kind = _DIRECT_TYPES.get(type(value))
        if kind is None:
            c.value = value
        else:
            c._value, c.data_type = value, kind
        c._style = template._style
        return c

    def append(self, values) -> int:
        self.ws.append(values)
        self.row += 1
        return self.row

    def title_line(self, text: str, **style) -> None:
        r = self.append([self.cell(text, **style)])
        self.ws.merged_cells.add(f"A{r}:{get_column_letter(self.width)}{r}")

    def title_block(self, subtitle: str = "") -> None:
        rep = self.report
        self.title_line(rep.office, bold=True, size=13)
        self.title_line(rep.title, bold=True, size=12)
        if subtitle and subtitle != rep.title:
            self.title_line(subtitle, bold=True)
        self.title_line(rep.when)
        self.title_line(rep.scope)
        self.title_line(rep.labels["generated"])
        self.append([])


def _label(report: Report, msg: str) -> str:
    return gettext_in(report.language, msg)


def _prepare(ws: WriteOnlyWorksheet, widths: list[float], header_row: int | None, landscape: bool) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    if header_row is not None:
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5


def _title_rows(report: Report, table: Table) -> int:
    return 5 + (1 if table.title and table.title != report.title else 0) + 1


def _write_table(wb: Workbook, report: Report, table: Table, used: set[str], step) -> None:
    ws = wb.create_sheet(_sheet_name(table.sheet or table.title, used))
    cols = table.columns
    widths = [c.width or DEFAULT_WIDTHS.get(c.kind, 14) for c in cols]
    header_row = _title_rows(report, table) + 1
    _prepare(ws, widths, header_row, report.landscape)
    sheet = _Sheet(ws, report, len(cols))
    sheet.title_block(table.title)
    assert sheet.row == header_row - 1
    sheet.append([sheet.cell(c.header, bold=True, fill=_HEADER_FILL, border=True, wrap=True) for c in cols])
    letters = [get_column_letter(i) for i in range(1, len(cols) + 1)]
    formats = [NUMBER_FORMATS.get(c.kind) for c in cols]
    templates = [sheet.cell(None, fmt=f) if f else None for f in formats]

    def formula(col: int, r: int) -> str:
        return "=" + cols[col].formula.format(*(f"{letter}{r}" for letter in letters))

    def data_row(values: tuple) -> None:
        r = sheet.row + 1
        out = []
        for i, v in enumerate(values):
            if cols[i].formula:
                out.append(sheet.cell(formula(i, r), fmt=formats[i]))
            elif v is None or v == "":
                # No cell at all: an empty-text cell would count in COUNTA and cost a cell to write.
                out.append(None)
            elif formats[i]:
                out.append(sheet.like(v, templates[i]))
            else:
                out.append(v)
        sheet.append(out)

    def total_row(label: str, first: int, last: int, *, grouped: bool, grand: bool) -> None:
        r = sheet.row + 1
        out = []
        for i, c in enumerate(cols):
            value = None
            if c.total and (c.grand_total or not grand):
                rng = f"{letters[i]}{first}:{letters[i]}{last}"
                if grouped:
                    value = f"=SUBTOTAL({9 if c.total == SUM else 3},{rng})"
                else:
                    value = f"=SUM({rng})" if c.total == SUM else f"=COUNTA({rng})"
            elif c.formula and any(cols[j].total and (cols[j].grand_total or not grand) for j in range(len(cols))
                                   if "{%d}" % j in c.formula):
                value = formula(i, r)
            if i == 0:
                value = label
            out.append(sheet.cell(value, bold=True, fmt=formats[i] if i else None, fill=_TOTAL_FILL, border=True))
        sheet.append(out)

    total = table.row_count
    done = 0
    first_data = sheet.row + 1
    has_totals = any(c.total for c in cols)
    if total == 0:
        sheet.append([sheet.cell(_label(report, N_("No records.")))])
    elif table.groups:
        for g in table.groups:
            sheet.append([sheet.cell(g.label, bold=True)])
            start = sheet.row + 1
            for values in g.rows:
                data_row(values)
                done += 1
                if done % PROGRESS_EVERY == 0:
                    step(done, total)
            if has_totals and g.rows:
                total_row(report.labels["subtotal"].format(label=g.label), start, sheet.row,
                          grouped=True, grand=False)
    else:
        for values in table.rows:
            data_row(values)
            done += 1
            if done % PROGRESS_EVERY == 0:
                step(done, total)
    last_data = sheet.row
    ws.auto_filter.ref = f"A{header_row}:{letters[-1]}{max(last_data, header_row + 1)}"
    if total and table.totals and has_totals and any(c.total and c.grand_total for c in cols):
        total_row(report.labels["total"], first_data, last_data, grouped=bool(table.groups), grand=True)
    if table.note:
        sheet.append([])
        sheet.append([table.note])
    step(done, total)


def _write_facts(wb: Workbook, report: Report, facts: Facts, used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name(facts.title, used))
    _prepare(ws, [34, 60], None, False)
    sheet = _Sheet(ws, report, 2)
    sheet.title_block(facts.title)
    for label, value in facts.items:
        sheet.append([sheet.cell(label, bold=True), sheet.cell(value, wrap=True)])


def write_xlsx(report: Report, path: str | Path, *, progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Path:
    """Write ``report`` to ``path`` atomically; returns the path."""
    step = checker(progress, cancelled)
    wb = Workbook(write_only=True)
    props = wb.properties
    props.title = report.title
    props.subject = f"{report.office} — {report.when}"
    props.creator = report.generated_by
    props.lastModifiedBy = report.generated_by
    props.keywords = f"okmot {report.kind}"
    props.description = report.scope
    props.language = report.language
    props.created = props.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    used: set[str] = set()
    try:
        for section in report.sections:
            if isinstance(section, Table):
                _write_table(wb, report, section, used, step)
            elif isinstance(section, Facts):
                _write_facts(wb, report, section, used)
        if not used:
            _write_facts(wb, report, Facts(report.title, ()), used)
        step(0, 0)
    except BaseException:
        _discard(wb)
        raise
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def _discard(wb: Workbook) -> None:
    """Close the streaming sheets of an abandoned workbook and remove their temporary files."""
    for ws in wb.worksheets:
        if isinstance(ws, WriteOnlyWorksheet) and not ws.closed:
            with contextlib.suppress(Exception):
                ws.close()
            if ws._writer is not None:
                with contextlib.suppress(OSError, ValueError):
                    ws._writer.cleanup()
