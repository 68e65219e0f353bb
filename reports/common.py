"""What every report definition shares: translation into the report's language and the title block."""

from __future__ import annotations

import datetime as dt

from okmot import codes
from okmot.i18n import N_, gettext_in
from okmot.reporting.data import Header, Resident, VillageRef
from okmot.reporting.kinds import KINDS
from reports.model import Report


def t(lang: str, message: str) -> str:
    return gettext_in(lang, message)


def d(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def code_label(lang: str, table: dict[str, str], code: str) -> str:
    return t(lang, table[code]) if code in table else code


def sex(lang: str, code: str) -> str:
    return code_label(lang, codes.SEXES, code)


def village_label(lang: str, header: Header, v: VillageRef) -> str:
    """The village's name; in a district database prefixed with its aiyl aimak."""
    return f"{v.office(lang)} — {v.name(lang)}" if header.multi_office else v.name(lang)


def person_village(lang: str, header: Header, r: Resident) -> str:
    return village_label(lang, header, r.village)


def when(lang: str, header: Header) -> str:
    if header.start is not None and header.end is not None:
        return t(lang, N_("Period: {start} – {end}")).format(start=d(header.start), end=d(header.end))
    return t(lang, N_("As of {date}")).format(date=d(header.as_of))


def build(kind: str, header: Header, lang: str, sections, *, landscape: bool = False,
          title: str | None = None, when_text: str | None = None) -> Report:
    if header.all_villages:
        scope = t(lang, N_("Villages: all ({n})")).format(n=len(header.villages))
    else:
        scope = t(lang, N_("Villages: {names}")).format(
            names=", ".join(village_label(lang, header, v) for v in header.villages))
    generated = t(lang, N_("Generated {at} by {who}")).format(
        at=header.generated_at.strftime("%d.%m.%Y %H:%M"), who=header.generated_by)
    return Report(
        kind=kind, title=title or t(lang, KINDS[kind].title), language=lang, office=header.office(lang),
        when=when_text or when(lang, header), scope=scope, generated_at=header.generated_at.isoformat(),
        generated_by=header.generated_by, sections=tuple(sections), landscape=landscape,
        labels={"total": t(lang, N_("Total")), "subtotal": t(lang, N_("Subtotal: {label}")),
                "generated": generated, "page": t(lang, N_("Page {n}"))},
    )
