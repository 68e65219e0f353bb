"""Land and livestock as of 1 January: by category / species and village, and the land tax base."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.models import Household, LandPlot, LivestockCount
from okmot.reporting.data import (
    Header, LandData, LandRow, LandTaxData, LivestockData, LivestockRow, TaxHousehold, TaxPlot,
)
from okmot.reporting.residents import residents_on


def _in_scope(header: Header):
    return (Household.deleted_at.is_(None), Household.village_id.in_([v.id for v in header.villages]))


def _order(table: dict[str, str], code: str) -> tuple[int, str]:
    keys = list(table)
    return (keys.index(code), "") if code in keys else (len(keys), code)


def land(session: Session, header: Header, year: int) -> LandData:
    q = (select(Household.village_id, LandPlot.category, func.count(LandPlot.id), func.sum(LandPlot.area_m2),
                func.count(func.distinct(LandPlot.household_id)))
         .join(Household, Household.id == LandPlot.household_id)
         .where(LandPlot.deleted_at.is_(None), LandPlot.year == year, *_in_scope(header))
         .group_by(Household.village_id, LandPlot.category))
    found = {(vid, cat): (plots, int(area or 0), hh) for vid, cat, plots, area, hh in session.execute(q)}
    categories = sorted({cat for _vid, cat in found} | set(codes.LAND_CATEGORIES),
                        key=lambda c: _order(codes.LAND_CATEGORIES, c))
    rows = tuple(LandRow(v, cat, *found.get((v.id, cat), (0, 0, 0)))
                 for cat in categories for v in header.villages)
    return LandData(header, year, rows)


def livestock(session: Session, header: Header, year: int) -> LivestockData:
    q = (select(Household.village_id, LivestockCount.year, LivestockCount.species, func.sum(LivestockCount.heads))
         .join(Household, Household.id == LivestockCount.household_id)
         .where(LivestockCount.deleted_at.is_(None), LivestockCount.year.in_((year - 1, year)), *_in_scope(header))
         .group_by(Household.village_id, LivestockCount.year, LivestockCount.species))
    heads = {(vid, y, sp): int(n or 0) for vid, y, sp, n in session.execute(q)}
    species = sorted({sp for _v, _y, sp in heads} | set(codes.SPECIES), key=lambda s: _order(codes.SPECIES, s))
    rows = tuple(LivestockRow(v, sp, heads.get((v.id, year - 1, sp), 0), heads.get((v.id, year, sp), 0))
                 for sp in species for v in header.villages)
    return LivestockData(header, year, rows)


def land_tax(session: Session, header: Header, year: int, language: str) -> LandTaxData:
    """Every household in scope with plots on 1 January ``year``, its plots, and its head on that day."""
    q = (select(Household.id, Household.account_number, Household.village_id, LandPlot.category,
                LandPlot.area_m2, LandPlot.cadastral_number, LandPlot.document)
         .join(Household, Household.id == LandPlot.household_id)
         .where(LandPlot.deleted_at.is_(None), LandPlot.year == year, *_in_scope(header)))
    plots: dict = defaultdict(list)
    info = {}
    for hid, account, vid, cat, area, cadastre, doc in session.execute(q):
        plots[hid].append(TaxPlot(cat, area, cadastre or "", doc or ""))
        info[hid] = (account, vid)
    jan1 = dt.date(year, 1, 1)
    by_id = {v.id: v for v in header.villages}
    heads, addresses = {}, {}
    for r in residents_on(session, list(header.villages), jan1):
        addresses[r.household_id] = r.address(language)
        if r.relation == "head":
            heads[r.household_id] = r.full_name(language)
    out = []
    for hid, items in plots.items():
        account, vid = info[hid]
        items.sort(key=lambda p: (_order(codes.LAND_CATEGORIES, p.category), -p.area_m2, p.cadastral_number))
        out.append(TaxHousehold(hid, account, by_id[vid], heads.get(hid, ""), addresses.get(hid, ""), tuple(items)))
    out.sort(key=lambda h: ((h.village.office_code, h.village.code), len(h.account.lstrip("0")),
                            h.account.lstrip("0"), h.account))
    return LandTaxData(header, year, tuple(out))

