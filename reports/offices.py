"""Per-office breakdown for a district database: one summary row per aiyl aimak, listings grouped by office."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from okmot.i18n import N_
from okmot.reporting.data import Header, OfficeRef
from reports.common import t
from reports.model import Column, Facts, Group, Table

#: Columns before the figures in a summary by office: the office code and the aiyl aimak's name.
LEAD = 2


def office_label(lang: str, office: OfficeRef) -> str:
    return f"{office.code} {office.name(lang)}"


def summary(header: Header, lang: str, columns: Sequence[Column], values: Mapping[str, Sequence],
            *, title: str | None = None, note: str | None = None) -> Table:
    """One row per office in scope (code, name, ``values[code]``) and the district total of each summed column.

    Formulas of ``columns`` count the office code and name as columns 0 and 1 (LEAD).
    """
    zeros = tuple(0 if c.total else None for c in columns)
    cols = (Column(t(lang, N_("Office code")), width=12), Column(t(lang, N_("Aiyl aimak")), width=30), *columns)
    rows = [(o.code, o.name(lang), *values.get(o.code, zeros)) for o in header.offices]
    return Table(title or t(lang, N_("Summary by aiyl aimak")), cols, rows=rows,
                 sheet=t(lang, N_("Summary by aiyl aimak")),
                 note=note or t(lang, N_("One row per aiyl aimak; the total row is the district's.")))


def totals_by_office(items: Iterable[Any], office_of: Callable[[Any], str], width: int,
                     add: Callable[[list, Any], None]) -> dict[str, list]:
    """Accumulate ``width`` figures per office code: ``add(acc, item)`` adds one item to its office's list."""
    out: dict[str, list] = {}
    for item in items:
        add(out.setdefault(office_of(item), [0] * width), item)
    return out


def arrange(header: Header, lang: str, items: Iterable[Any], row: Callable[[int, Any], tuple],
            office_of: Callable[[Any], str]) -> dict[str, list]:
    """Table rows, or, when the report covers several offices, groups by office (numbering restarts per office).

    Returns the ``rows=`` or ``groups=`` argument of a Table; an office without rows keeps its (empty) group.
    """
    if not header.by_office:
        return {"rows": [row(n, item) for n, item in enumerate(items, 1)]}
    buckets: dict[str, list] = {o.code: [] for o in header.offices}
    for item in items:
        buckets[office_of(item)].append(item)
    return {"groups": [Group(office_label(lang, o), [row(n, item) for n, item in enumerate(buckets[o.code], 1)])
                       for o in header.offices]}


def not_carried(header: Header, lang: str, *, own_records: bool = False) -> Facts | None:
    """In a district database, the line saying that applications, certificates and fees do not travel.

    ``own_records``: the database has some of its own (entered there, not received), shown after the line.
    """
    if not header.district:
        return None
    items = [(t(lang, N_("Not in this database")),
              t(lang, N_("Applications, certificates and fees are not carried by sync packages (format 1): the "
                         "district database holds none of the aiyl aimaks' records. Make this report in each aiyl "
                         "aimak's own database.")))]
    if own_records:
        items.append((t(lang, N_("Figures below")),
                      t(lang, N_("Records entered in this database itself, not broken down by aiyl aimak."))))
    return Facts(t(lang, N_("District database")), tuple(items))
