"""Render a Report to PDF with reportlab: title block, tables with totals, facts and vector charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from okmot.i18n import N_, gettext_in
from reports import charts, fonts
from reports.model import AREA_HA, COUNT, DATE, DECIMAL, INT, MONEY, PERCENT, SUM, TEXT, Chart, Facts, Report, Table
from reports.output import atomic_path, checker

#: Tables longer than this print text cells as plain strings (no wrapping), which is much faster.
WRAP_LIMIT = 3000
PROGRESS_EVERY = 500


def _styles():
    fonts.register()
    base = ParagraphStyle("base", fontName=fonts.SANS, fontSize=8, leading=10)
    return {
        "base": base,
        "office": ParagraphStyle("office", parent=base, fontName=fonts.SANS_BOLD, fontSize=13, leading=16),
        "title": ParagraphStyle("title", parent=base, fontName=fonts.SANS_BOLD, fontSize=12, leading=15),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts.SANS_BOLD, fontSize=10, leading=13, spaceBefore=8,
                             spaceAfter=4, keepWithNext=1),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", parent=base, fontName=fonts.SANS_BOLD, fontSize=7.5, leading=9),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_value(kind: str, value) -> str:
    """A value as printed: thousands with a space, areas with 4 decimals, dates as dd.mm.yyyy."""
    if value is None or value == "":
        return ""
    if kind == DATE and isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if kind == PERCENT:
        return f"{float(value) * 100:.1f}%".replace(".", ",")
    if kind == AREA_HA:
        return f"{Decimal(value):,.4f}".replace(",", "\u00a0").replace(".", ",")
    if kind == DECIMAL:
        return f"{float(value):.2f}".replace(".", ",")
    if kind == MONEY:
        return f"{Decimal(value):,.2f}".replace(",", "\u00a0").replace(".", ",")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", "\u00a0")
    return str(value)


def _computed(table: Table, values: Sequence) -> list:
    out = list(values)
    for i, c in enumerate(table.columns):
        if c.compute is not None:
            out[i] = c.compute(out)
    return out


def _totals(table: Table, rows: Sequence[Sequence], label: str, *, grand: bool) -> list:
    out: list = [None] * len(table.columns)
    for i, c in enumerate(table.columns):
        if c.total and (c.grand_total or not grand):
            if c.total == SUM:
                out[i] = sum((r[i] or 0) for r in rows)
            elif c.total == COUNT:
                out[i] = sum(1 for r in rows if r[i] not in (None, ""))
    for i, c in enumerate(table.columns):
        if c.compute is not None and c.formula and all(out[j] is not None for j in range(len(out))
                                                        if "{%d}" % j in c.formula):
            out[i] = c.compute(out)
    cols = table.columns
    if len(cols) > 1 and cols[0].kind == INT and cols[1].total == COUNT and out[1] is not None:
        # A list numbered in a narrow first column: the label would run into the count beside it,
        # so the row reads "Total — 6" across both cells (mark_total spans them).
        out[0], out[1] = f"{label} — {out[1]}", None
    else:
        out[0] = label
    return out


def _table_flowables(report: Report, table: Table, st, width: float, step) -> list:
    cols = table.columns
    total_width = sum(c.width or 14 for c in cols)
    widths = [width * (c.width or 14) / total_width for c in cols]
    wrap = table.row_count <= WRAP_LIMIT
    header = [Paragraph(_esc(c.header), st["head"]) for c in cols]
    data: list[list] = [header]
    style = [
        ("FONT", (0, 0), (-1, -1), fonts.SANS, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE5F0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for i, c in enumerate(cols):
        if c.kind != TEXT:
            style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))

    def cells(values: Sequence, bold: bool = False) -> list:
        out = []
        for c, v in zip(cols, values, strict=True):
            text = format_value(c.kind, v)
            if wrap and c.kind == TEXT and text:
                out.append(Paragraph(_esc(text), st["head"] if bold else st["cell"]))
            else:
                out.append(text)
        return out

    def mark_total(row_index: int, values: Sequence) -> None:
        style.append(("BACKGROUND", (0, row_index), (-1, row_index), colors.HexColor("#F2F2F2")))
        style.append(("FONT", (0, row_index), (-1, row_index), fonts.SANS_BOLD, 7.5))
        # The label spans the empty cells up to the first total, from the left: a narrow first column
        # (No. in a list) would otherwise push "Subtotal: …" out of the table.
        first = next((i for i in range(1, len(values)) if values[i] not in (None, "")), len(values))
        style.append(("ALIGN", (0, row_index), (0, row_index), "LEFT"))
        if first > 1:
            style.append(("SPAN", (0, row_index), (first - 1, row_index)))

    done, total = 0, table.row_count
    all_rows: list = []
    has_totals = any(c.total for c in cols)
    if total == 0:
        data.append(cells([gettext_in(report.language, N_("No records."))] + [None] * (len(cols) - 1)))
    for g in table.groups:
        data.append(cells([g.label] + [None] * (len(cols) - 1), bold=True))
        style.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
        # A group's label reads from the left even when the first column holds numbers (No. in a list).
        style.append(("ALIGN", (0, len(data) - 1), (-1, len(data) - 1), "LEFT"))
        style.append(("FONT", (0, len(data) - 1), (-1, len(data) - 1), fonts.SANS_BOLD, 7.5))
        rows = [_computed(table, r) for r in g.rows]
        for r in rows:
            data.append(cells(r))
            done += 1
            if done % PROGRESS_EVERY == 0:
                step(done, total)
        all_rows += rows
        if has_totals and rows:
            values = _totals(table, rows, report.labels["subtotal"].format(label=g.label), grand=False)
            data.append(cells(values, bold=True))
            mark_total(len(data) - 1, values)
    for r in table.rows:
        r = _computed(table, r)
        all_rows.append(r)
        data.append(cells(r))
        done += 1
        if done % PROGRESS_EVERY == 0:
            step(done, total)
    if total and table.totals and has_totals and any(c.total and c.grand_total for c in cols):
        values = _totals(table, all_rows, report.labels["total"], grand=True)
        data.append(cells(values, bold=True))
        mark_total(len(data) - 1, values)
    t = LongTable(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle(style))
    out = []
    if table.title and table.title != report.title:
        out.append(Paragraph(_esc(table.title), st["h2"]))
    out.append(t)
    if table.note:
        out.append(Paragraph(_esc(table.note), st["meta"]))
    out.append(Spacer(1, 4 * mm))
    return out


def _facts_flowables(facts: Facts, st, width: float) -> list:
    rows = [[Paragraph(_esc(label), st["head"]), Paragraph(_esc(value), st["cell"])] for label, value in facts.items]
    out = [Paragraph(_esc(facts.title), st["h2"])]
    if rows:
        t = LongTable(rows, colWidths=[width * 0.3, width * 0.7])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#CCCCCC"))]))
        out.append(t)
    out.append(Spacer(1, 3 * mm))
    return out


def write_pdf(report: Report, path: str | Path, *, progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> Path:
    """Write ``report`` to ``path`` atomically (fonts embedded); returns the path."""
    step = checker(progress, cancelled)
    st = _styles()
    pagesize = landscape(A4) if report.landscape else A4
    margin = 12 * mm
    width = pagesize[0] - 2 * margin
    story: list = [
        Paragraph(_esc(report.office), st["office"]),
        Paragraph(_esc(report.title), st["title"]),
        Paragraph(_esc(report.when), st["meta"]),
        Paragraph(_esc(report.scope), st["meta"]),
        Paragraph(_esc(report.labels["generated"]), st["meta"]),
        Spacer(1, 4 * mm),
    ]
    for section in report.sections:
        if isinstance(section, Table):
            story += _table_flowables(report, section, st, width, step)
        elif isinstance(section, Facts):
            story += _facts_flowables(section, st, width)
        elif isinstance(section, Chart):
            story.append(KeepTogether([charts.drawing(section, min(width, 170 * mm)), Spacer(1, 4 * mm)]))
    page_label = report.labels["page"]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(fonts.SANS, 7)
        canvas.drawString(margin, 7 * mm, f"{report.office} — {report.title} — {report.when}")
        canvas.drawRightString(pagesize[0] - margin, 7 * mm, page_label.format(n=doc.page))
        canvas.restoreState()

    # reportlab leaves a file it opened itself open when a write fails (a full disk), and an open file
    # cannot be removed on Windows: it writes to a file we close whatever happens.
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        doc = SimpleDocTemplate(fh, pagesize=pagesize, leftMargin=margin, rightMargin=margin,
                                topMargin=margin, bottomMargin=14 * mm, title=report.title,
                                author=report.generated_by, subject=f"{report.office} — {report.when}",
                                creator="Okmot", keywords=f"okmot {report.kind}", lang=report.language)
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    step(0, 0)
    return Path(path)


__all__ = ["format_value", "write_pdf"]
