"""Which column of a file holds which field: found by header text, corrected by the clerk, remembered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from okmot.i18n import gettext_in
from okmot.importer.fields import FIELDS, Field
from okmot.importer.reader import Sheet
from okmot.services import settings

SETTING = "import_column_mappings"
#: The header line is looked for among the first rows (books often start with a title line).
HEADER_SEARCH_ROWS = 15
_SPACES = re.compile(r"\s+")


def normalise(text: object) -> str:
    value = "" if text is None else str(text)
    value = _SPACES.sub(" ", value.replace("\n", " ")).strip().casefold().replace("ё", "е")
    return value.strip(" :*.")


def _aliases(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in FIELDS[kind]:
        names = [f.header, *f.header.split(" / "), *f.aliases, f.key, f.label]
        names += [gettext_in(code, f.label) for code in ("ky", "ru")]
        if ":" in f.key:  # land and livestock columns: also "pasture, ha" and "пастбище, га"
            names += [f"{n}, га" for n in names] + [f"{n}, ha" for n in names]
        for name in names:
            out.setdefault(normalise(name), f.key)
    return out


@dataclass(frozen=True)
class ColumnMapping:
    kind: str
    sheet_title: str
    #: Row number of the header line in the file; data starts below it.
    header_row: int
    headers: tuple[str, ...]
    #: Column index -> field key; columns not listed are ignored.
    columns: dict[int, str] = field(default_factory=dict)

    @property
    def signature(self) -> str:
        return self.kind + "|" + "|".join(normalise(h) for h in self.headers)

    def column_of(self, key: str) -> int | None:
        return next((i for i, k in self.columns.items() if k == key), None)

    def header_of(self, key: str) -> str:
        i = self.column_of(key)
        return self.headers[i] if i is not None and i < len(self.headers) else key

    def missing_required(self) -> list[Field]:
        mapped = set(self.columns.values())
        return [f for f in FIELDS[self.kind] if f.required and f.key not in mapped]

    def with_columns(self, columns: dict[int, str]) -> ColumnMapping:
        """The same file layout with the clerk's choice of fields (one column per field)."""
        seen, clean = set(), {}
        for i, key in sorted(columns.items()):
            if key and key not in seen and 0 <= i < len(self.headers):
                clean[i] = key
                seen.add(key)
        return replace(self, columns=clean)


def _headers(values: tuple[object, ...]) -> tuple[str, ...]:
    headers = [("" if v is None else str(v)).strip() for v in values]
    while headers and not headers[-1]:
        headers.pop()
    return tuple(headers)


def detect(sheet: Sheet, kind: str, remembered: dict | None = None) -> ColumnMapping | None:
    """The header line and column mapping of ``sheet``: a remembered one for this layout, else by header text."""
    aliases = _aliases(kind)
    best: ColumnMapping | None = None
    for number, values in sheet.rows[:HEADER_SEARCH_ROWS]:
        headers = _headers(values)
        candidate = ColumnMapping(kind, sheet.title, number, headers)
        saved = (remembered or {}).get(candidate.signature)
        if saved is not None:
            keys = {f.key for f in FIELDS[kind]}
            return candidate.with_columns({i: saved.get(normalise(h), "") for i, h in enumerate(headers)
                                           if saved.get(normalise(h), "") in keys})
        found = candidate.with_columns({i: aliases.get(normalise(h), "") for i, h in enumerate(headers)})
        if len(found.columns) >= 2 and (best is None or len(found.columns) > len(best.columns)):
            best = found
    return best


def remembered(session: Session) -> dict:
    return dict(settings.get(session, SETTING) or {})


def remember(session: Session, mapping: ColumnMapping) -> None:
    """Keep the clerk's mapping for files with the same header line."""
    saved = remembered(session)
    entry = {normalise(mapping.headers[i]): key for i, key in mapping.columns.items()}
    if saved.get(mapping.signature) != entry:
        saved[mapping.signature] = entry
        settings.put(session, SETTING, saved)
