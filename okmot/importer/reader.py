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

from okmot.errors import EnvironmentProblem, OkmotError, UserError
from okmot.i18n import _

#: Rows kept per sheet: a village book of 50 000 residents fits with room to spare.
MAX_ROWS = 200_000
#: A 50 000-resident book unpacks to some 40 MB of XML; far more is a damaged file or a zip bomb.
MAX_UNPACKED_BYTES = 512 * 1024 ** 2


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
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise UserError(_("The file has more than {n} rows; split it into parts.").format(n=MAX_ROWS))
            rows.append((number, tuple(row)))
    except csv.Error as exc:  # a cell longer than 128 KB (an unclosed quote swallowing the file, mostly)
        raise UserError(_("{name} cannot be read as a CSV file near row {row} ({reason}). Check for an unclosed "
                          "quotation mark, or save it from Excel as an Excel workbook (.xlsx).").format(
            name=path.name, row=reader.line_num, reason=exc)) from None
    return SourceFile(path, "csv", encoding, (Sheet(path.stem, tuple(rows)),))


def _unreadable(path: Path, exc: BaseException | str) -> UserError:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160] if not isinstance(exc, str) else exc
    return UserError(_("{name} is not a readable .xlsx workbook ({reason}). Open it in Excel and save it "
                       "again as an Excel workbook (.xlsx).").format(name=path.name, reason=reason))


def _check_packed_size(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than a village book can hold (a zip bomb) before reading."""
    with zipfile.ZipFile(path) as zf:
        unpacked = sum(i.file_size for i in zf.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise UserError(_("{name} unpacks to {size} MB, far more than a household book; it was not read.").format(
            name=path.name, size=unpacked // 1024 ** 2))


def read_xlsx(path: Path) -> SourceFile:
    from openpyxl import load_workbook

    try:
        _check_packed_size(path)
        book = load_workbook(path, read_only=True, data_only=True)
    except (OkmotError, PermissionError):
        raise
    except Exception as exc:  # openpyxl, lxml and zipfile raise any type on a damaged file; all mean the same
        raise _unreadable(path, exc) from None
    try:
        sheets = []
        for ws in book.worksheets:
            rows = []
            # Read-only sheets are parsed lazily: damage inside a sheet surfaces only here.
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS:
                    raise UserError(_("The file has more than {n} rows; split it into parts.").format(n=MAX_ROWS))
                rows.append((number, tuple(values)))
            sheets.append(Sheet(ws.title, tuple(rows)))
    except (OkmotError, PermissionError):
        raise
    except Exception as exc:  # as above: a damaged sheet, shared-strings table or style part
        raise _unreadable(path, exc) from None
    finally:
        book.close()
    if not sheets:
        raise _unreadable(path, _("it has no sheets"))
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
