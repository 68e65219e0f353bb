"""Duplicate persons inside the office: candidates for review, and a merge that keeps both histories."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.db.journal import tombstone
from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import N_, _
from okmot.identity.names import search_key
from okmot.models import Household, Membership, Movement, Person
from okmot.services import persons, settings
from okmot.services.changes import Changes
from okmot.permissions import require_session

#: Why two records are listed together, strongest first.
REASONS = {
    "same_pin": N_("same PIN"),
    "same_name_birth": N_("same name and birth date"),
    "similar_name_birth": N_("similar name, same birth date"),
}
#: rapidfuzz ratio (0–100) above which two full names with the same birth date are listed.
#: 85 catches one or two wrong letters in a 15–25 letter name (Асанов/Асанова, Бекзат/Бекзад)
#: without listing twins (Асан/Үсөн), whose names differ in most letters.
FUZZY_THRESHOLD = 85.0
#: The least similarity of the surnames, and of the given names, of a fuzzy pair.
PART_THRESHOLD = 80.0
DISMISSED_KEY = "duplicates_dismissed"

#: Fields copied to the kept person when they are blank there and filled in the duplicate.
_FILLABLE = ("father_name", "birth_date", "pin", "nationality", "education", "occupation", "workplace", "phone")


@dataclass(frozen=True)
class PersonBrief:
    id: uuid.UUID
    surname: str
    given_name: str
    father_name: str
    sex: str
    birth_date: dt.date | None
    pin: str
    residence_status: str
    household_id: uuid.UUID | None
    account_number: str

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.father_name) if p)


@dataclass(frozen=True)
class DuplicateCandidate:
    first: PersonBrief
    second: PersonBrief
    reason: str
    #: Name similarity 0–100 (100 for exact matches).
    score: float

    @property
    def reason_text(self) -> str:
        return codes.label(REASONS, self.reason)

    @property
    def pair(self) -> tuple[uuid.UUID, uuid.UUID]:
        return _pair(self.first.id, self.second.id)


@dataclass(frozen=True)
class MergeResult:
    kept_id: uuid.UUID
    merged_id: uuid.UUID
    movement_id: uuid.UUID
    moved_memberships: int
    joined_memberships: int
    moved_movements: int
    filled_fields: tuple[str, ...]
    #: Things the clerk should look at after the merge (translated).
    warnings: tuple[str, ...]
    changes: Changes


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)


def _briefs(session: Session) -> list[PersonBrief]:
    """Every person still in the book (not merged away), with their current or last household."""
    homes: dict[uuid.UUID, tuple[uuid.UUID, str, bool, dt.date]] = {}
    for pid, hid, account, to_date in session.execute(
            select(Membership.person_id, Membership.household_id, Household.account_number, Membership.to_date)
            .join(Household, Household.id == Membership.household_id)
            .where(Membership.deleted_at.is_(None))):
        rank = (to_date is None, to_date or dt.date.max)
        best = homes.get(pid)
        if best is None or rank > (best[2], best[3]):
            homes[pid] = (hid, account, to_date is None, to_date or dt.date.max)
    out = []
    for p in session.scalars(select(Person).where(Person.deleted_at.is_(None), Person.merged_into_id.is_(None))):
        home = homes.get(p.id)
        out.append(PersonBrief(p.id, p.surname, p.given_name, p.father_name or "", p.sex, p.birth_date,
                               p.pin or "", p.residence_status, home[0] if home else None,
                               home[1] if home else ""))
    return out


def dismissed_pairs(session: Session) -> set[tuple[uuid.UUID, uuid.UUID]]:
    return {_pair(uuid.UUID(a), uuid.UUID(b)) for a, b in settings.get(session, DISMISSED_KEY) or []}


def dismiss(session: Session, first_id: uuid.UUID, second_id: uuid.UUID) -> None:
    """Record that a listed pair is two different people, so it is not listed again."""
    require_session(session, "duplicates.resolve")
    pairs = sorted({tuple(str(x) for x in p) for p in dismissed_pairs(session)}
                   | {tuple(str(x) for x in _pair(first_id, second_id))})
    settings.put(session, DISMISSED_KEY, [list(p) for p in pairs])


def find_candidates(session: Session, *, threshold: float = FUZZY_THRESHOLD,
                    include_dismissed: bool = False) -> list[DuplicateCandidate]:
    """Pairs of persons that may be one person, each with the strongest reason found."""
    people = _briefs(session)
    found: dict[tuple[uuid.UUID, uuid.UUID], DuplicateCandidate] = {}

    def add(a: PersonBrief, b: PersonBrief, reason: str, score: float) -> None:
        key = _pair(a.id, b.id)
        if key not in found:
            first, second = (a, b) if key[0] == a.id else (b, a)
            found[key] = DuplicateCandidate(first, second, reason, score)

    by_pin: dict[str, list[PersonBrief]] = defaultdict(list)
    by_birth: dict[dt.date, list[PersonBrief]] = defaultdict(list)
    for p in people:
        if p.pin:
            by_pin[p.pin].append(p)
        if p.birth_date is not None:
            by_birth[p.birth_date].append(p)
    for group in by_pin.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                add(a, b, "same_pin", 100.0)
    # A birth date narrows thousands of residents to a handful: only those are compared by name.
    for group in by_birth.values():
        if len(group) < 2:
            continue
        keys = [search_key(p.name) for p in group]
        parts = [(search_key(p.surname), search_key(p.given_name)) for p in group]
        for i, a in enumerate(group):
            for j in range(i + 1, len(group)):
                b = group[j]
                if keys[i] == keys[j]:
                    add(a, b, "same_name_birth", 100.0)
                    continue
                # Surname and given name must each be close: relatives born the same day (the wives of
                # two brothers, say) share much of a full name but not the surname or the given name.
                if (fuzz.ratio(parts[i][0], parts[j][0]) < PART_THRESHOLD
                        or fuzz.ratio(parts[i][1], parts[j][1]) < PART_THRESHOLD):
                    continue
                score = fuzz.ratio(keys[i], keys[j], score_cutoff=threshold)
                if score:
                    add(a, b, "similar_name_birth", round(score, 1))
    if not include_dismissed:
        for key in dismissed_pairs(session):
            found.pop(key, None)
    order = list(REASONS)
    return sorted(found.values(), key=lambda c: (order.index(c.reason), -c.score, search_key(c.first.name)))


def _person(session: Session, person_id: uuid.UUID) -> Person:
    p = session.get(Person, person_id)
    if p is None or p.deleted_at is not None:
        raise NotFoundError(_("The person was not found; they may have been merged or removed."))
    return p


def _overlap(a: Membership, b: Membership) -> bool:
    start_a, start_b = a.from_date or dt.date.min, b.from_date or dt.date.min
    end_a, end_b = a.to_date or dt.date.max, b.to_date or dt.date.max
    return start_a <= end_b and start_b <= end_a


def merge_persons(session: Session, *, keep_id: uuid.UUID, merge_id: uuid.UUID, on: dt.date | None = None,
                  note: str = "") -> MergeResult:
    """Merge the duplicate ``merge_id`` into ``keep_id``: its stays and movements move over, blanks are
    filled from it, and it is kept as a tombstone pointing at the kept person; a merge movement records it.
    """
    require_session(session, "duplicates.resolve")
    if keep_id == merge_id:
        raise ValidationError({"person": _("Choose two different persons to merge.")})
    keep, dup = _person(session, keep_id), _person(session, merge_id)
    for p in (keep, dup):
        if p.merged_into_id is not None:
            raise ValidationError({"person": _("{name} was already merged into another record.").format(
                name=f"{p.surname} {p.given_name}")})
    on = on or dt.date.today()
    warnings: list[str] = []
    if keep.sex != dup.sex:
        warnings.append(_("The two records had different sexes; the kept record's sex stays."))
    if keep.birth_date and dup.birth_date and keep.birth_date != dup.birth_date:
        warnings.append(_("The two records had different birth dates; the kept record's date stays."))
    if keep.pin and dup.pin and keep.pin != dup.pin:
        warnings.append(_("The two records had different PINs; the kept record's PIN stays."))

    kept_stays = list(session.scalars(select(Membership).where(
        Membership.person_id == keep.id, Membership.deleted_at.is_(None))))
    dup_stays = list(session.scalars(select(Membership).where(
        Membership.person_id == dup.id, Membership.deleted_at.is_(None))))
    moved = joined = 0
    households = set()
    for stay in dup_stays:
        households.add(stay.household_id)
        twin = next((k for k in kept_stays if k.household_id == stay.household_id and _overlap(k, stay)), None)
        if twin is None:
            stay.person_id = keep.id
            moved += 1
            continue
        # The same stay recorded twice: widen the kept one to cover both, and retire the copy
        # (journaled as a delete, and counted in the merge movement's note).
        if stay.from_date is None or (twin.from_date and stay.from_date < twin.from_date):
            twin.from_date = stay.from_date
        if twin.to_date is not None and (stay.to_date is None or stay.to_date > twin.to_date):
            twin.to_date, twin.end_reason = stay.to_date, stay.end_reason
        tombstone(stay)
        joined += 1

    moved_movements = 0
    for mv in session.scalars(select(Movement).where(
            or_(Movement.person_id == dup.id, Movement.other_person_id == dup.id), Movement.deleted_at.is_(None))):
        if mv.person_id == dup.id:
            mv.person_id = keep.id
        if mv.other_person_id == dup.id:
            mv.other_person_id = keep.id
        moved_movements += 1

    filled = []
    for name in _FILLABLE:
        if not getattr(keep, name) and getattr(dup, name):
            if name == "pin":
                keep.pin_override_reason = dup.pin_override_reason
            setattr(keep, name, getattr(dup, name))
            filled.append(name)
    if keep.pin and keep.pin == dup.pin and dup.pin_override_reason and not keep.pin_override_reason:
        keep.pin_override_reason = dup.pin_override_reason
    dup.merged_into_id = keep.id
    tombstone(dup)
    session.flush()

    current = session.scalars(select(Membership.household_id).where(
        Membership.person_id == keep.id, Membership.to_date.is_(None), Membership.deleted_at.is_(None))).all()
    if len(set(current)) > 1:
        warnings.append(_("The kept person is now a current member of {n} households; record a transfer or "
                          "departure for the ones they left.").format(n=len(set(current))))
    home = (current[0] if current else next(iter(households), None)) or next(
        (k.household_id for k in kept_stays), None)
    if home is None:
        raise ValidationError({"person": _("Neither record belongs to a household; nothing was merged.")})
    text = _("Merged record {name} (born {born}, PIN {pin}): {moved} stays moved, {joined} duplicate stays "
             "joined, {movements} movements moved.").format(
        name=f"{dup.surname} {dup.given_name} {dup.father_name}".strip(),
        born=dup.birth_date.strftime("%d.%m.%Y") if dup.birth_date else "—", pin=dup.pin or "—",
        moved=moved, joined=joined, movements=moved_movements)
    movement = Movement(kind="merge", on_date=on, household_id=home, person_id=keep.id, other_person_id=dup.id,
                        basis_text=note.strip(), note=text)
    session.add(movement)
    session.flush()
    households |= {home} | {k.household_id for k in kept_stays}
    return MergeResult(keep.id, dup.id, movement.id, moved, joined, moved_movements, tuple(filled),
                       tuple(warnings), Changes(households=frozenset(households),
                                                persons=frozenset({keep.id, dup.id})))


def merged_into(session: Session, person_id: uuid.UUID) -> uuid.UUID | None:
    """The record a merged-away person now lives on as (following chains of merges)."""
    seen = set()
    current = person_id
    while current not in seen:
        seen.add(current)
        nxt = session.scalar(select(Person.merged_into_id).where(Person.id == current))
        if nxt is None:
            return current if current != person_id else None
        current = nxt
    return current


def person_brief(session: Session, person_id: uuid.UUID) -> PersonBrief:
    p = persons.load(session, person_id)
    return next(b for b in _briefs_of(session, [p]))


def _briefs_of(session: Session, people: list[Person]) -> list[PersonBrief]:
    out = []
    for p in people:
        row = session.execute(select(Membership.household_id, Household.account_number)
                              .join(Household, Household.id == Membership.household_id)
                              .where(Membership.person_id == p.id, Membership.deleted_at.is_(None))
                              .order_by(Membership.to_date.is_(None).desc(), Membership.to_date.desc())
                              .limit(1)).first()
        out.append(PersonBrief(p.id, p.surname, p.given_name, p.father_name or "", p.sex, p.birth_date,
                               p.pin or "", p.residence_status, row[0] if row else None, row[1] if row else ""))
    return out
