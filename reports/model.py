"""What a rendered report is made of: a title block, tables (with groups and totals), facts and charts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: Kinds of a column's values; each has a number format in XLSX and a text form in PDF.
TEXT, INT, DATE, AREA_HA, AREA_M2, MONEY, PERCENT = "text", "int", "date", "area_ha", "area_m2", "money", "percent"
#: Relative width of a PIN column: its 14 digits must fit on one line in a landscape PDF list.
PIN_WIDTH = 21
DECIMAL = "decimal"  # a ratio shown with two decimals (average household size)
#: Totals a column may carry in total rows.
SUM, COUNT = "sum", "count"


@dataclass(frozen=True)
class Column:
    header: str  # already translated
    kind: str = TEXT
    width: float | None = None
    #: SUM or COUNT in subtotal and total rows; None for no total.
    total: str | None = None
    #: False: subtotals only (a grand total across the groups would mean nothing, e.g. cows + sheep).
    grand_total: bool = True
    #: Excel formula computed from other cells of the same row: "{3}-{2}" names columns by index.
    #: The row still carries the value (for the PDF); total rows apply the same formula to the totals.
    formula: str | None = None
    #: The same computation in Python, over a row's values (used for the PDF and its total rows).
    compute: Callable[[Sequence], object] | None = None


@dataclass(frozen=True)
class Group:
    label: str
    rows: Sequence[tuple]


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    #: Either plain rows or groups of rows (each group gets a subtotal row).
    rows: Sequence[tuple] = ()
    groups: Sequence[Group] = ()
    #: Add a grand total row (for the columns that have a total).
    totals: bool = True
    #: Sheet name in a workbook (short; made unique by the renderer).
    sheet: str = ""
    note: str = ""

    @property
    def row_count(self) -> int:
        return len(self.rows) + sum(len(g.rows) for g in self.groups)


@dataclass(frozen=True)
class Facts:
    """Label: value lines (a household card's title page)."""

    title: str
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Chart:
    """A chart for the PDF. kind "pyramid": two series drawn left and right of the axis; "bars": grouped bars."""

    kind: str
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class Report:
    kind: str
    title: str
    language: str
    office: str
    #: "As of 01.01.2026" or "Period: 01.01.2026–30.06.2026", translated.
    when: str
    scope: str
    generated_at: str
    generated_by: str
    sections: tuple[Table | Facts | Chart, ...]
    landscape: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [s for s in self.sections if isinstance(s, Table)]
