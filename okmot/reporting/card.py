"""One household's extract from the book on a date: title page, members, land, livestock, machinery."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import _
from okmot.models import Household, Membership, Street
from okmot.reporting.data import CardData, CardMember, Header, TaxPlot
from okmot.reporting.residents import base_query, member_on, to_resident
from okmot.services import farm


def _find(session: Session, header: Header, account: str) -> Household:
    offices = {v.office_id for v in header.villages}
    found = session.scalars(select(Household).where(
        Household.account_number == account.strip(), Household.deleted_at.is_(None),
        Household.aimak_id.in_(offices))).all()
    if not found:
        raise NotFoundError(_("No household has account number {account}.").format(account=account))
    if len(found) > 1:
        raise ValidationError({"villages": _("Several aiyl aimaks have a household {account}; choose the village.")
                               .format(account=account)})
    return found[0]


def _year(years, on: dt.date) -> int | None:
    """The latest 1 January not after ``on`` that has records."""
    usable = [y for y in years if y <= on.year]
    return max(usable) if usable else None


def _relation_order(relation: str) -> int:
    keys = list(codes.RELATIONS)
    return keys.index(relation) if relation in keys else len(keys)


def household_card(session: Session, header: Header, account: str, on: dt.date) -> CardData:
    hh = _find(session, header, account)
    by_id = {v.id: v for v in header.villages}
    village = by_id.get(hh.village_id)
    if village is None:
        raise NotFoundError(_("The household {account} is not in the chosen villages.").format(account=account))
    rows = session.execute(base_query([village]).add_columns(Membership.from_date)
                           .where(Membership.household_id == hh.id, member_on(on)))
    members = [CardMember(to_resident(row[:-1], by_id), row[-1]) for row in rows]
    members.sort(key=lambda m: (_relation_order(m.person.relation), m.person.birth_date or dt.date.min))
    street = session.get(Street, hh.street_id) if hh.street_id else None

    def address(language: str) -> str:
        name = (street.name_ru if language == "ru" else street.name_ky) if street else ""
        text = " ".join(p for p in (name, hh.house_number or "") if p)
        if hh.apartment:
            text += f", {hh.apartment}"
        if hh.address_note:
            text = f"{text}, {hh.address_note}" if text else hh.address_note
        return text

    land = farm.land_by_year(session, hh.id)
    stock = farm.livestock_by_year(session, hh.id)
    land_year, stock_year = _year(land, on), _year(stock, on)
    plots = tuple(TaxPlot(p.category, p.area_m2, p.cadastral_number, p.document)
                  for p in land.get(land_year, ())) if land_year else ()
    heads = tuple((sp, stock[stock_year].get(sp, 0)) for sp in codes.SPECIES
                  if stock[stock_year].get(sp)) if stock_year else ()
    machinery = tuple((m.kind, m.model, m.year_made, m.registration_number)
                      for m in farm.list_machinery(session, hh.id))
    return CardData(header, hh.account_number, village, address("ky"), address("ru"), hh.status, hh.opened_on,
                    hh.closed_on, tuple(members), land_year, plots, stock_year, heads, machinery)


