"""Which offices and villages a report covers, the checked dates, and the title block (Header)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.errors import ValidationError
from okmot.i18n import N_, _, gettext_in
from okmot.models import AiylAimak, TrustedOffice, Village
from okmot.reporting.data import Header, OfficeRef, Params, VillageRef
from okmot.reporting.kinds import HOUSEHOLD, KINDS, PERIOD
from okmot.services import territory


def check_params(params: Params) -> Params:
    """The parameters with defaults filled in, or a ValidationError naming what is wrong."""
    kind = KINDS.get(params.kind)
    if kind is None:
        raise ValidationError({"kind": _("Unknown report kind: {kind}.").format(kind=params.kind)})
    if kind.timing == PERIOD:
        if params.start is None or params.end is None:
            raise ValidationError({"period": _("Give the first and the last day of the period.")})
        if params.start > params.end:
            raise ValidationError({"period": _("The period is empty: {start} is after {end}.").format(
                start=params.start.strftime("%d.%m.%Y"), end=params.end.strftime("%d.%m.%Y"))})
        return replace(params, as_of=None)
    if kind.timing == HOUSEHOLD and not (params.account or "").strip():
        raise ValidationError({"account": _("Give the account number of the household.")})
    # A date report ignores a period given with it (the title block must say what was computed).
    return replace(params, as_of=params.as_of or dt.date.today(), start=None, end=None)


def villages_in_scope(session: Session, codes: tuple[str, ...] = (),
                      office: str | None = None) -> tuple[list[VillageRef], bool]:
    """The villages asked for (all when none; only office ``office``'s when given), and whether the database
    holds several offices."""
    rows = session.execute(
        select(Village, AiylAimak).join(AiylAimak, AiylAimak.id == Village.aimak_id)
        .where(Village.deleted_at.is_(None), AiylAimak.deleted_at.is_(None))
        .order_by(AiylAimak.code, Village.code)).all()
    refs = [VillageRef(v.id, v.code, v.name_ky, v.name_ru, a.id, a.code, a.name_ky, a.name_ru) for v, a in rows]
    multi = len({r.office_id for r in refs}) > 1
    if office:
        refs = [r for r in refs if r.office_code == office.strip()]
        if not refs:
            raise ValidationError({"office": _("No aiyl aimak has the office code {code}.").format(code=office)})
    if not codes:
        return refs, multi
    chosen: list[VillageRef] = []
    unknown = []
    for code in codes:
        prefix, _sep, village = code.rpartition("/")
        hits = [r for r in refs if r.code == village and (not prefix or r.office_code == prefix)]
        if not hits:
            unknown.append(code)
        chosen += [h for h in hits if h not in chosen]
    if unknown:
        raise ValidationError({"villages": _("No village has the code {code}.").format(code=", ".join(unknown))})
    return chosen, multi


def header(session: Session, params: Params, villages: list[VillageRef], multi: bool, *,
           generated_by: str, now: dt.datetime | None = None) -> Header:
    office = territory.home_office(session)
    if office is not None and not multi:
        ky, ru = office.name_ky, office.name_ru
    else:
        offices = sorted({(v.office_code, v.office_ky, v.office_ru) for v in villages})
        if len(offices) == 1:
            ky, ru = offices[0][1], offices[0][2]
        else:
            # Codes, not names: a district has up to some twenty offices, named in the summary by office.
            line = N_("Aiyl aimaks ({n}): {codes}")
            codes = ", ".join(o[0] for o in offices)
            ky, ru = (gettext_in(lang, line).format(n=len(offices), codes=codes) for lang in ("ky", "ru"))
    return Header(office_ky=ky, office_ru=ru, villages=tuple(villages), all_villages=not params.villages,
                  multi_office=multi, generated_at=(now or dt.datetime.now()).replace(microsecond=0),
                  generated_by=generated_by, as_of=params.as_of, start=params.start, end=params.end,
                  district=is_district(session))


def is_district(session: Session) -> bool:
    """Whether the database consolidates offices' sync packages (it trusts at least one office's key)."""
    return session.scalar(select(TrustedOffice.id).where(TrustedOffice.deleted_at.is_(None)).limit(1)) is not None


def offices_in_database(session: Session) -> list[OfficeRef]:
    """Every aiyl aimak that has villages in the database, ordered by code (the choice of office)."""
    refs, _multi = villages_in_scope(session)
    return sorted({r.office_ref for r in refs}, key=lambda o: o.code)
