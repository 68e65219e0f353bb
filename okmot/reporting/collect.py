"""One entry point for the UI and the CLI: check the parameters and read the data of a report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from okmot.reporting import card, farm, movement, people, services
from okmot.reporting.data import HalfYearData, Params
from okmot.reporting.scope import check_params, header, villages_in_scope


def collect(session: Session, params: Params, *, generated_by: str, now: dt.datetime | None = None):
    """The plain data of ``params.kind`` (a frozen dataclass of okmot.reporting.data)."""
    params = check_params(params)
    villages, multi = villages_in_scope(session, params.villages, params.office)
    head = header(session, params, villages, multi, generated_by=generated_by, now=now)
    lang, on = params.language, params.as_of
    match params.kind:
        case "population":
            return people.population(session, head, on)
        case "households":
            return people.households_by_size(session, head, on, lang)
        case "movement":
            return movement.movement(session, head, params.start, params.end, lang)
        case "voters":
            return people.voters(session, head, on, lang)
        case "pension_age":
            return people.pension_age(session, head, params.start, params.end, lang)
        case "school_age":
            return people.school_age(session, head, on, lang)
        case "land":
            return farm.land(session, head, on.year)
        case "livestock":
            return farm.livestock(session, head, on.year)
        case "land_tax":
            return farm.land_tax(session, head, on.year, lang)
        case "book":
            return people.book(session, head, on, lang)
        case "household_card":
            return card.household_card(session, head, params.account or "", on)
        case "services":
            return services.services(session, head, params.start, params.end)
        case "fees":
            return services.fees(session, head, params.start, params.end)
        case "half_year":
            # Population at the end of the period; land and livestock of the period's last 1 January.
            return HalfYearData(head, people.population(session, head, params.end),
                                movement.movement(session, head, params.start, params.end, lang),
                                farm.land(session, head, params.end.year),
                                farm.livestock(session, head, params.end.year),
                                services.months(session, head, params.start, params.end))
    raise AssertionError(params.kind)  # check_params refused every other kind
