"""Certificates, receipts and refusal letters as PDF: the stored content in, PDF bytes out, fonts embedded."""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from reports import fonts
from reports.fonts import SERIF, SERIF_BOLD

#: The PDF Info key that carries the signed QR record, so a verifier needs no image decoding.
PAYLOAD_KEY = "okmot-payload:"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=SERIF, bulletFontName=SERIF, fontSize=11, leading=15, alignment=TA_JUSTIFY,
                          firstLineIndent=8 * mm, spaceAfter=4)
    return {
        "header": ParagraphStyle("header", parent=base, fontName=SERIF_BOLD, fontSize=11, leading=14,
                                 alignment=TA_CENTER, firstLineIndent=0, spaceAfter=0),
        "address": ParagraphStyle("address", parent=base, fontSize=9, leading=11, alignment=TA_CENTER,
                                  firstLineIndent=0),
        "number": ParagraphStyle("number", parent=base, alignment=TA_LEFT, firstLineIndent=0),
        "title": ParagraphStyle("title", parent=base, fontName=SERIF_BOLD, fontSize=16, leading=20,
                                alignment=TA_CENTER, firstLineIndent=0, spaceBefore=10, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontName=SERIF_BOLD, fontSize=12, alignment=TA_CENTER,
                                   firstLineIndent=0, spaceAfter=4),
        "asof": ParagraphStyle("asof", parent=base, fontSize=10, alignment=TA_CENTER, firstLineIndent=0),
        "body": base,
        "caption": ParagraphStyle("caption", parent=base, fontName=SERIF_BOLD, firstLineIndent=0, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=12, alignment=TA_LEFT, firstLineIndent=0,
                               spaceAfter=0),
        "cellhead": ParagraphStyle("cellhead", parent=base, fontName=SERIF_BOLD, fontSize=9.5, leading=12,
                                   alignment=TA_CENTER, firstLineIndent=0, spaceAfter=0),
        "sign": ParagraphStyle("sign", parent=base, firstLineIndent=0, alignment=TA_LEFT),
        "signright": ParagraphStyle("signright", parent=base, fontName=SERIF_BOLD, firstLineIndent=0,
                                    alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, firstLineIndent=0, alignment=TA_LEFT),
        "duplicate": ParagraphStyle("duplicate", parent=base, fontName=SERIF_BOLD, fontSize=14,
                                    textColor=colors.HexColor("#a00000"), alignment=TA_RIGHT, firstLineIndent=0),
    }


def _esc(text: str) -> str:
    """Paragraph text is mini-markup: names with "<" or "&" must print as typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=16)
def _qr_runs(data: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Per row of the QR matrix, the (first column, length) of each run of dark modules.

    Cached: a bilingual certificate prints the same code on both pages, and choosing the best mask
    is most of the encoding time.
    """
    runs = []
    for row in segno.make(data, error="m", micro=False).matrix:
        found, start = [], None
        for col, dark in enumerate((*row, 0)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                found.append((start, col - start))
                start = None
        runs.append(tuple(found))
    return tuple(runs)


class QrCode(Flowable):
    """A QR code drawn as vector rectangles (crisp at any printer resolution, no image library)."""

    def __init__(self, data: str, size: float = 32 * mm):
        super().__init__()
        self.runs = _qr_runs(data)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        quiet = 4  # the quiet zone the standard asks for, so phone and zbar decoders find the code
        count = len(self.runs) + 2 * quiet
        cell = self.size / count
        c = self.canv
        c.setFillColor(colors.white)
        c.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        c.setFillColor(colors.black)
        # One path with a rectangle per run of dark modules: a few hundred operators instead of a
        # rect call per module, and no hairline seams between neighbouring modules.
        path = c.beginPath()
        for r, row in enumerate(self.runs):
            y = self.size - (r + quiet + 1) * cell
            for col, length in row:
                path.rect((col + quiet) * cell, y, length * cell, cell)
        c.drawPath(path, stroke=0, fill=1)


def _table(block: dict, st: dict, width: float) -> list:
    out = []
    if block.get("caption"):
        out.append(Paragraph(_esc(block["caption"]), st["caption"]))
    if "text" in block:
        out.append(Paragraph(_esc(block["text"]), st["body"]))
        return out
    rows = [[Paragraph(_esc(h), st["cellhead"]) for h in block["columns"]]]
    rows += [[Paragraph(_esc(v), st["cell"]) for v in row] for row in block["rows"]]
    widths = [w * width for w in block.get("widths") or [1 / len(block["columns"])] * len(block["columns"])]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SERIF),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    out.append(table)
    return out


def _page(page: dict, st: dict, width: float, *, payload: str | None, duplicate: bool) -> list:
    flow: list = []
    if duplicate:
        flow.append(Paragraph(_esc(page["duplicate"]), st["duplicate"]))
    for line in page["header"]:
        flow.append(Paragraph(_esc(line), st["header"]))
    if page.get("address"):
        flow.append(Paragraph(_esc(page["address"]), st["address"]))
    flow.append(HRFlowable(width="100%", thickness=1.2, color=colors.black, spaceBefore=4, spaceAfter=6))
    if page.get("number_line"):
        flow.append(Paragraph(_esc(page["number_line"]), st["number"]))
    flow.append(Paragraph(_esc(page["title"]), st["title"]))
    if page.get("subtitle"):
        flow.append(Paragraph(_esc(page["subtitle"]), st["subtitle"]))
    if page.get("as_of_line"):
        flow.append(Paragraph(_esc(page["as_of_line"]), st["asof"]))
    flow.append(Spacer(1, 4 * mm))
    for text in page.get("paragraphs", ()):
        flow.append(Paragraph(_esc(text), st["body"]))
    for block in page.get("tables", ()):
        flow += _table(block, st, width)
    flow.append(Spacer(1, 2 * mm))
    for text in page.get("paragraphs_after", ()):
        flow.append(Paragraph(_esc(text), st["body"]))
    if page.get("purpose"):
        flow.append(Paragraph(_esc(page["purpose"]), st["body"]))
    flow.append(Spacer(1, 8 * mm))
    signature = Table(
        [[Paragraph(_esc(page.get("signatory_position", "")), st["sign"]),
          Paragraph("_______________<br/>" + _esc(page.get("signature", "")), st["address"]),
          Paragraph(_esc(page.get("signatory_name", "")), st["signright"])],
         ["", Paragraph(_esc(page.get("stamp", "")), st["address"]), ""]],
        colWidths=[0.38 * width, 0.3 * width, 0.32 * width])
    signature.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                   ("TOPPADDING", (0, 1), (-1, 1), 6 * mm)]))
    flow.append(KeepTogether([signature]))
    if payload:
        note = Paragraph(_esc(page.get("verify_note", "")) + "<br/>" + _esc(page.get("number_line", "")),
                         st["small"])
        block = Table([[QrCode(payload), note]], colWidths=[36 * mm, width - 36 * mm])
        block.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
        flow.append(Spacer(1, 6 * mm))
        flow.append(KeepTogether([block]))
    return flow


def render_pdf(content: dict, *, payload: str | None = None, duplicate: bool = False, title: str = "") -> bytes:
    """The PDF of a certificate (or letter): one page per language in the order stored (Kyrgyz first).

    The output is deterministic (reportlab's invariant mode): the same content and payload give the
    same bytes, which is how a reprint is known to print what was issued.
    """
    fonts.register()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title or content.get("number", ""),
                            subject=content.get("kind", ""), author="Okmot", creator="Okmot",
                            keywords=(PAYLOAD_KEY + payload) if payload else "", invariant=1,
                            initialFontName=SERIF)
    st = _styles()
    flow: list = []
    for i, page in enumerate(content["pages"]):
        if i:
            flow.append(PageBreak())
        flow += _page(page, st, doc.width, payload=payload, duplicate=duplicate)
    doc.build(flow)
    return buffer.getvalue()


def payload_from_keywords(keywords: str | None) -> str | None:
    """The signed record stored in a PDF's Keywords by ``render_pdf``."""
    if keywords and keywords.startswith(PAYLOAD_KEY):
        return keywords[len(PAYLOAD_KEY):]
    return None
