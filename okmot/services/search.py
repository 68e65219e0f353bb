"""Search-as-you-type over households: account number, names, PIN, village and street, by prefix."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, or_, select, union
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from okmot.identity import pin as pins
from okmot.identity.names import search_key
from okmot.models import Household, Membership, Person, Street, Village

# U+10FFFF sorts after every other character in SQLite's byte order and PostgreSQL's "C" order,
# so "key >= p AND key < p + MAX" is a prefix test that can use a plain index.
_MAX_CHAR = "\U0010ffff"
#: The weight of a word (its bearers, plus the households its digits or place names reach: _weight)
#: from which it is common, and from which it is so common that even a count tests household by
#: household (see _term_condition) ...
_COMMON_PREFIX = 2000
_HUGE_PREFIX = 8000
#: ... and at least one per this many households: a district of 100 000 households holds thousands
#: of bearers of a rare surname, too few to find a page by testing household after household.
_COMMON_SHARE = 8


@dataclass(frozen=True)
class HouseholdFilter:
    text: str = ""
    village_id: uuid.UUID | None = None
    #: "open", "closed" or None for both.
    status: str | None = None
    #: Show the book as it was on this date (okmot.services.asof); None for today.
    as_of: dt.date | None = None


@dataclass(frozen=True)
class HouseholdRow:
    id: uuid.UUID
    account_number: str
    village_ky: str
    village_ru: str
    street_ky: str
    street_ru: str
    house_number: str
    address_note: str
    head_surname: str
    head_given_name: str
    members: int
    status: str

    def address(self, language: str) -> str:
        street = self.street_ru if language == "ru" else self.street_ky
        parts = [p for p in (street, self.house_number) if p]
        text = " ".join(parts)
        if self.address_note:
            text = f"{text}, {self.address_note}" if text else self.address_note
        return text

    def village(self, language: str) -> str:
        return self.village_ru if language == "ru" else self.village_ky

    @property
    def head(self) -> str:
        return " ".join(p for p in (self.head_surname, self.head_given_name) if p)


def prefix(column, text: str) -> ColumnElement[bool]:
    return and_(column >= text, column < text + _MAX_CHAR)


def _places_matching(session: Session, model, key: str, probes: dict) -> list[uuid.UUID]:
    """Villages or streets whose Kyrgyz or Russian name has a word starting with ``key``.

    An office has tens of villages and hundreds of streets, a district thousands: matching them in
    Python lets a clerk type either language and any word of the name ("көч", "Манас", "ул"). The
    names are read and keyed once per search (``probes``), however many words were typed.
    """
    if model not in probes:
        probes[model] = [(pid, *_place_keys(ky, ru)) for pid, ky, ru in session.execute(
            select(model.id, model.name_ky, model.name_ru).where(model.deleted_at.is_(None)))]
    if (model, key) not in probes:  # asked again by the word's weight and by its conditions
        probes[model, key] = [pid for pid, words, ky, ru in probes[model]
                              if any(w.startswith(key) for w in words) or ky.startswith(key) or ru.startswith(key)]
    return probes[model, key]


@functools.lru_cache(maxsize=8192)
def _place_keys(name_ky: str, name_ru: str) -> tuple[tuple[str, ...], str, str]:
    """The search keys of a village's or street's names: its words, and each name whole.

    Cached: keying a district's few hundred names took a third of a search's time, and the names
    change rarely (a renamed place simply gets new keys).
    """
    words = tuple(search_key(f"{name_ky} {name_ru}").replace("-", " ").replace(".", " ").split())
    return words, search_key(name_ky), search_key(name_ru)


def _members_named(named: ColumnElement[bool], listed: bool) -> ColumnElement[bool]:
    """Households with a member (a stay not deleted) for whom ``named`` holds (a name or PIN prefix on Person).

    ``listed``: as one list of households found through the name or PIN index, cheapest while
    the bearers are few; else each household is tested through its few members, which lets a
    list read in account order stop at the page's LIMIT when the bearers are many.
    """
    if listed:
        return Household.id.in_(select(Membership.household_id).join(Person, Person.id == Membership.person_id)
                                .where(named, Membership.deleted_at.is_(None)))
    # The stay's person_id, not its id: ix_membership_household_person then answers without the stay's row.
    return (select(Membership.person_id).join(Person, Person.id == Membership.person_id)
            .where(Membership.household_id == Household.id, Membership.deleted_at.is_(None), named)
            .exists())


def _thresholds(session: Session, probes: dict) -> tuple[int, int]:
    """(common, huge): the weight from which a word is common, and so common that a count tests household by household."""
    if "households" not in probes:
        probes["households"] = session.scalar(select(func.count()).select_from(Household)) or 0
    common = max(_COMMON_PREFIX, probes["households"] // _COMMON_SHARE)
    return common, max(_HUGE_PREFIX, common)


def _bearers(session: Session, term: str, probes: dict) -> int:
    """Persons bearing the word ``term``, counted up to the huge threshold; once per search.

    Each branch (surname, given name) is counted on its own index alone, which reads only index
    entries; one person bearing the prefix in both counts twice, harmless for choosing a plan.
    """
    if ("bearers", term) not in probes:
        _common, huge = _thresholds(session, probes)
        found = 0
        for branch in _named_branches(term):
            probe = select(literal_column("1")).select_from(Person).where(branch).limit(huge - found)
            found += session.scalar(select(func.count()).select_from(probe.subquery())) or 0
            if found >= huge:
                break
        probes["bearers", term] = found
    return probes["bearers", term]


def _weight(session: Session, term: str, probes: dict) -> int:
    """How many households and persons a word reaches, each part counted up to the huge threshold; once per search.

    Its bearers (``_bearers``), plus for digits the households whose account or house number
    starts with them, and for a name the households of the villages and streets it names.
    """
    if ("weight", term) not in probes:
        huge = _thresholds(session, probes)[1]
        digits = pins.clean(term)
        if digits.isdigit():
            reached = [prefix(Household.account_number, digits), prefix(Household.house_number, digits)]
        else:
            key = search_key(term)
            villages = _places_matching(session, Village, key, probes)
            streets = _places_matching(session, Street, key, probes)
            reached = [or_(Household.village_id.in_(villages), Household.street_id.in_(streets))] \
                if villages or streets else []
        found = _bearers(session, term, probes)
        for condition in reached:
            probe = select(literal_column("1")).select_from(Household).where(condition).limit(huge)
            found += session.scalar(select(func.count()).select_from(probe.subquery())) or 0
        probes["weight", term] = found
    return probes["weight", term]


def _named_branches(term: str) -> list[ColumnElement[bool]]:
    """The conditions on Person for one typed word: a PIN prefix for digits, else a surname or a given-name prefix."""
    digits = pins.clean(term)
    if digits.isdigit():
        return [prefix(Person.pin, digits)]
    key = search_key(term)
    return [prefix(Person.surname_key, key), prefix(Person.given_name_key, key)]


def _named(term: str) -> ColumnElement[bool]:
    return or_(*_named_branches(term))


def _term_condition(session: Session, term: str, common: list[bool] | None, for_count: bool,
                    probes: dict) -> ColumnElement[bool]:
    """Households matching one typed word: by account or house number, a member's name or PIN, village or street.

    A rare name becomes one list of household ids, the union of what each index finds (account
    and house number, member through the name index, village, street), so even a district of
    100 000 households is searched through its indexes. Digits (whose account-number prefix
    alone may match most of the book) and a common word keep their alternatives as one
    condition tested household by household; a common word's list is read in account order,
    where its first matches come early, and counted up to the caller's cap (``common``).
    A count (``for_count``) keeps lists up to a larger size, since it must reach its cap of
    matches however they are found.
    """
    weight = _weight(session, term, probes)
    thresholds = _thresholds(session, probes)
    digits = pins.clean(term)
    if weight < thresholds[for_count] and not digits.isdigit():
        return Household.id.in_(union(*_alternatives(session, term, probes, branches=True)))
    if weight < thresholds[0]:
        return or_(*_alternatives(session, term, probes, listed=True))
    if common is not None:
        common.append(True)
    # "3": no PIN starts with it, but a third of a district's account numbers do. Every
    # alternative but the members could be gathered through its index and the whole sorted;
    # with the house number unindexed the planner reads the list in order instead.
    return or_(*_alternatives(session, term, probes, listed=_bearers(session, term, probes) < thresholds[for_count],
                              house=_unindexed(Household.house_number)))


def _alternatives(session: Session, term: str, probes: dict, *, branches: bool = False, listed: bool = True,
                  house=Household.house_number) -> list:
    """What one typed word can match: account and house number, village and street names, a member's name or PIN.

    As conditions on Household (the household's own columns first: the members are looked up
    only when those do not match), or with ``branches`` as one SELECT of household ids each, to
    be united. ``listed`` chooses how members are tested (_members_named).
    """
    digits = pins.clean(term)
    text = digits if digits.isdigit() else term
    conditions = [prefix(Household.account_number, text), prefix(house, text)]
    if not digits.isdigit():
        key = search_key(term)
        villages = _places_matching(session, Village, key, probes)
        streets = _places_matching(session, Street, key, probes)
        # An empty IN () is no alternative at all: left out, so the union has no empty branch.
        conditions += [c for c in (Household.village_id.in_(villages) if villages else None,
                                   Household.street_id.in_(streets) if streets else None) if c is not None]
    if branches:
        return [select(Household.id).where(c) for c in conditions] + [
            select(Membership.household_id).join(Person, Person.id == Membership.person_id)
            .where(_named(term), Membership.deleted_at.is_(None))]
    return conditions + [_members_named(_named(term), listed)]


def _unindexed(column):
    """``column`` as an expression no index serves, so the planner cannot gather an OR of it through indexes.

    SQLite's documented way is a unary "+", which PostgreSQL has not for text; "|| ''" does the
    same on both and leaves the value as it is.
    """
    return column.concat(literal_column("''"))


def _row_condition(session: Session, term: str, candidates: int, probes: dict) -> ColumnElement[bool]:
    """Households matching one typed word, tested on the ``candidates`` households a reading's rarest word chose.

    No list of every household the word matches is built ("у" in "Нурбек у" matches most of a
    district through the streets named "ул. …"); only its bearers are listed when there are fewer
    of them than candidates to test (testing a household's members costs more than a list entry).
    """
    return or_(*_alternatives(session, term, probes, listed=_bearers(session, term, probes) <= candidates))


def _driver(session: Session, grouping: list[str], for_count: bool, probes: dict) -> tuple[str, int] | None:
    """The word of a reading that finds the fewest households through its indexes, and its weight; or None.

    Only a word searched as one indexed list of households can lead (a rare name, see
    _term_condition); ``_weight`` says how many it reaches.
    """
    thresholds = _thresholds(session, probes)
    weights = {term: _weight(session, term, probes) for term in grouping if not pins.clean(term).isdigit()}
    weights = {term: weight for term, weight in weights.items() if weight < thresholds[for_count]}
    if not weights:
        return None
    term = min(weights, key=weights.get)
    return term, weights[term]


def _where(session: Session, flt: HouseholdFilter, common: list[bool] | None = None,
           for_count: bool = False, probes: dict | None = None) -> list[ColumnElement[bool]]:
    conds = _base_where(flt)
    probes = {} if probes is None else probes
    groupings = _groupings(flt.text.split())
    # A word appears in several readings: each of its conditions is built once.
    built: dict[tuple[str, int | None], ColumnElement[bool]] = {}

    def condition(term: str, driver: tuple[str, int] | None) -> ColumnElement[bool]:
        # A reading led by one rare word lists that word's households; its other words are
        # tested on those households only, instead of listing every household they match.
        candidates = driver[1] if driver is not None and term != driver[0] else None
        if (term, candidates) not in built:
            built[term, candidates] = (_row_condition(session, term, candidates, probes) if candidates is not None
                                       else _term_condition(session, term, common, for_count, probes))
        return built[term, candidates]

    readings = []
    for grouping in groupings:
        driver = _driver(session, grouping, for_count, probes) if len(grouping) > 1 else None
        readings.append([condition(term, driver) for term in grouping])
    if len(readings) == 1:
        conds += readings[0]
    else:
        conds.append(or_(*(and_(*reading) for reading in readings)))
    return conds


def _groupings(words: list[str]) -> list[list[str]]:
    """The ways to read typed words as terms: each word alone, or neighbours joined as one name.

    Kyrgyz surnames and patronymics are often two words ("Нурбек уулу", "Арстан кызы"): a clerk
    typing "Нурбек уулу Азамат" means the surname "Нурбек уулу" and the given name "Азамат".
    Up to four words every split into neighbouring groups is tried; more words are taken one by one.
    """
    if len(words) < 2 or len(words) > 4:
        return [words]
    out = []
    for cuts in range(2 ** (len(words) - 1)):
        grouping, current = [], [words[0]]
        for i, word in enumerate(words[1:]):
            if cuts >> i & 1:
                current.append(word)
            else:
                grouping.append(" ".join(current))
                current = [word]
        grouping.append(" ".join(current))
        out.append(grouping)
    return out


def _base_where(flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    """The filter's conditions on the household itself (not deleted, village, status, as-of date)."""
    conds: list[ColumnElement[bool]] = [Household.deleted_at.is_(None)]
    if flt.village_id is not None:
        conds.append(Household.village_id == flt.village_id)
    if flt.as_of is not None:
        conds.append(or_(Household.opened_on.is_(None), Household.opened_on <= flt.as_of))
        if flt.status == "open":
            conds.append(or_(Household.closed_on.is_(None), Household.closed_on > flt.as_of))
        elif flt.status == "closed":
            conds.append(Household.closed_on <= flt.as_of)
    elif flt.status:
        conds.append(Household.status == flt.status)
    return conds


def _reached_through_members(session: Session, flt: HouseholdFilter, cap: int) -> int:
    """Households matching a one-word filter through a member bearing the word, counted up to ``cap``.

    Read from the name or PIN index towards the households (each counted once), so a common
    prefix reaches the cap after a few thousand persons instead of testing the whole book. A
    lower bound of the matches: when it reaches the cap, so does the full count.
    """
    reached = (select(Membership.household_id).join(Person, Person.id == Membership.person_id)
               .join(Household, Household.id == Membership.household_id)
               .where(_named(flt.text.strip()), Membership.deleted_at.is_(None), *_base_where(flt))
               .distinct().limit(cap).subquery())
    return session.scalar(select(func.count()).select_from(reached)) or 0


def stay_on(member, as_of: dt.date | None) -> ColumnElement[bool]:
    """A stay (Membership or an alias) current on ``as_of``, or today's stays when None."""
    if as_of is None:
        return member.to_date.is_(None)
    return and_(or_(member.from_date.is_(None), member.from_date <= as_of),
                or_(member.to_date.is_(None), member.to_date > as_of))


def count_households(session: Session, flt: HouseholdFilter) -> int:
    return session.scalar(select(func.count()).select_from(Household).where(*_where(session, flt))) or 0


def _account_order():
    """Numbers sort as numbers whatever their zero padding ("2" and "0002" before "10")."""
    # '0' as a literal, not a bound parameter: only then does the expression match the index
    # ix_household_account_order, so a page is read in index order instead of sorting every match.
    bare = func.ltrim(Household.account_number, literal_column("'0'"))
    return (func.length(bare), bare, Household.account_number)


@dataclass(frozen=True)
class HouseholdPage:
    rows: list[HouseholdRow]
    #: How many households match in all (not only on this page).
    total: int
    #: True when more than ``total`` match: the count stopped at the caller's ``count_limit``.
    more: bool = False


def search_households(session: Session, flt: HouseholdFilter, *, offset: int = 0, limit: int = 200,
                      count_limit: int | None = None) -> HouseholdPage:
    """One page of households matching ``flt`` and the total, ordered by account number.

    Usually the page's ids and the exact total come from one query (a window count), so the
    matching work is done once. For a word borne by thousands of persons counting every match
    costs as much as the whole book: with ``count_limit`` (search as you type) the page is read on
    its own and the count stops after ``count_limit`` matches ("more than …"). The columns shown
    are then read for the page's rows only.
    """
    common: list[bool] = []
    probes: dict = {}
    where = _where(session, flt, common, probes=probes)
    if common and count_limit is not None:
        ids = list(session.scalars(select(Household.id).where(*where).order_by(*_account_order())
                                   .offset(offset).limit(limit)))
        if offset == 0 and len(ids) < limit:
            total = len(ids)
        elif len(flt.text.split()) == 1 and _reached_through_members(session, flt, count_limit + 1) > count_limit:
            total = count_limit + 1
        else:
            capped = (select(Household.id).where(*_where(session, flt, for_count=True, probes=probes))
                      .limit(count_limit + 1).subquery())
            total = session.scalar(select(func.count()).select_from(capped)) or 0
        more = total > count_limit
        return HouseholdPage(_rows_for(session, ids, flt.as_of) if ids else [], min(total, count_limit), more)
    page = session.execute(select(Household.id, func.count().over()).where(*where)
                           .order_by(*_account_order()).offset(offset).limit(limit)).all()
    if not page:
        total = count_households(session, flt) if offset else 0
        return HouseholdPage([], total)
    ids = [hid for hid, _n in page]
    return HouseholdPage(_rows_for(session, ids, flt.as_of), page[0][1])


def rows_matching(session: Session, flt: HouseholdFilter, ids) -> list[HouseholdRow]:
    """The rows of the households ``ids`` that match ``flt`` now, so a list can refresh the changed rows only."""
    ids = list(ids)
    if not ids:
        return []
    matching = list(session.scalars(select(Household.id).where(Household.id.in_(ids), *_where(session, flt))))
    return _rows_for(session, matching, flt.as_of) if matching else []


def account_sort_key(account_number: str) -> tuple[int, str, str]:
    """The list's order (see _account_order) computed in Python, to place one row without a query."""
    bare = account_number.lstrip("0")
    return len(bare), bare, account_number


def find_households(session: Session, flt: HouseholdFilter, *, offset: int = 0, limit: int = 200) -> list[HouseholdRow]:
    """One page of households matching ``flt``, ordered by account number (numbers sort as numbers)."""
    return search_households(session, flt, offset=offset, limit=limit).rows


#: The head's stay and person, aliased once: SQLAlchemy memoizes an alias's column adaptation on the alias,
#: so a fresh alias per search costs more to build than the query takes to run.
_HEAD_M = aliased(Membership)
_HEAD_P = aliased(Person)


def _rows_for(session: Session, ids: list[uuid.UUID], as_of: dt.date | None = None) -> list[HouseholdRow]:
    head_m, head_p = _HEAD_M, _HEAD_P
    # As of a past date a stay's dates tell who lived there; today's count also drops anyone
    # whose status says they no longer live (a status set without ending the stay).
    living = (Person.residence_status.in_(("living", "temporarily_absent")) if as_of is None
              else or_(Person.birth_date.is_(None), Person.birth_date <= as_of))
    members = (select(func.count()).select_from(Membership)
               .join(Person, Person.id == Membership.person_id)
               .where(Membership.household_id == Household.id, stay_on(Membership, as_of),
                      Membership.deleted_at.is_(None), living)
               .correlate(Household).scalar_subquery())
    # Columns, not Household entities: a page of 200 rows needs no identity map.
    q = (select(Household.id, Household.account_number, Household.house_number, Household.address_note,
                Household.status, Household.closed_on, Village.name_ky, Village.name_ru, Street.name_ky,
                Street.name_ru, head_p.surname, head_p.given_name, members)
         .where(Household.id.in_(ids))
         .join(Village, Village.id == Household.village_id)
         .outerjoin(Street, Street.id == Household.street_id)
         .outerjoin(head_m, and_(head_m.household_id == Household.id, head_m.relation == "head",
                                 stay_on(head_m, as_of), head_m.deleted_at.is_(None)))
         .outerjoin(head_p, head_p.id == head_m.person_id))
    by_id: dict[uuid.UUID, HouseholdRow] = {}
    for hid, account, house, note, status, closed_on, v_ky, v_ru, s_ky, s_ru, h_sur, h_given, n in session.execute(q):
        if hid in by_id:  # two heads recorded by mistake: list the household once
            continue
        if as_of is not None:
            status = "closed" if closed_on is not None and closed_on <= as_of else "open"
        by_id[hid] = HouseholdRow(hid, account, v_ky, v_ru, s_ky or "", s_ru or "", house or "", note or "",
                                  h_sur or "", h_given or "", n or 0, status)
    return [by_id[i] for i in ids if i in by_id]
