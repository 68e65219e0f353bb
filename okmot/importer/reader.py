"""Read a household book file into plain rows: .xlsx (openpyxl, read-only) or .csv in any of its encodings.

CSV encodings: a UTF-8 or UTF-16 byte-order mark decides; otherwise the bytes are tried as strict
UTF-8 and, failing that, read as Windows-1251. The rule is exact for the files offices have:
Cyrillic text saved as Windows-1251 is practically never valid UTF-8 (its letters are bytes
0xC0–0xFF, which in UTF-8 must be followed by continuation bytes that Cyrillic text does not
produce), while a statistical detector can mistake a short Windows-1251 file for KOI8-R or
Mac-Cyrillic and silently garble every name.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from okmot.errors import EnvironmentProblem, UserError
from okmot.i18n import _

#: Rows kept per sheet: a village book of 50 000 residents fits with room to spare.
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Sheet:
    title: str
    #: (row number as the user sees it in the file, cell values)
    rows: tuple[tuple[int, tuple[object, ...]], ...]


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # "xlsx" or "csv"
    #: For a CSV: the encoding it was read in ("utf-8", "utf-8-sig", "utf-16", "cp1251").
    encoding: str
    sheets: tuple[Sheet, ...]


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace"), "cp1251"


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        # Excel in a Russian or Kyrgyz locale writes semicolons.
        return csv.excel if sample.count(",") > sample.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def read_csv(path: Path) -> SourceFile:
    data = path.read_bytes()
    text, encoding = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    rows = []
    for number, row in enumerate(reader, start=1):
        if number > MAX_ROWS:
            raise UserError(_("The file has more than {n} rows; split it into parts.").format(n=MAX_ROWS))
        rows.append((number, tuple(row)))
    return SourceFile(path, "csv", encoding, (Sheet(path.stem, tuple(rows)),))


def read_xlsx(path: Path) -> SourceFile:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(_("{name} is not a readable .xlsx workbook ({reason}).").format(
            name=path.name, reason=exc)) from None
    try:
        sheets = []
        for ws in book.worksheets:
            rows = []
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS:
                    raise UserError(_("The file has more than {n} rows; split it into parts.").format(n=MAX_ROWS))
                rows.append((number, tuple(values)))
            sheets.append(Sheet(ws.title, tuple(rows)))
    finally:
        book.close()
    return SourceFile(path, "xlsx", "", tuple(sheets))


def read_file(path: str | Path) -> SourceFile:
    """Read ``path`` by its extension; a clear message for anything else."""
    path = Path(path)
    if not path.is_file():
        raise EnvironmentProblem(_("File not found: {path}").format(path=path))
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(path)
        if suffix in (".csv", ".txt"):
            return read_csv(path)
    except PermissionError:
        raise EnvironmentProblem(_("The file {path} cannot be read: it is locked or not permitted.").format(
            path=path)) from None
    raise UserError(_("Only .xlsx and .csv files can be imported; {name} is neither. "
                      "In Excel use File → Save as → Excel workbook (.xlsx).").format(name=path.name))
