"""A deterministic demo village: a realistic household book generated from a seed and written in bulk."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import json
import os
import random
import sqlite3
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Date, DateTime, Uuid, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from okmot import atomic
from okmot.db import ids
from okmot.db.base import utcnow
from okmot.db.engine import Actor, Database, is_url
from okmot.db.journal import append_rows, journal_rows, jsonable
from okmot.db.migrate import open_database
from okmot.errors import ConflictError, EnvironmentProblem, ValidationError
from okmot.i18n import _
from okmot.identity import pin as pins
from okmot.identity.names import search_key
from okmot.models import (AiylAimak, ChangeLog, Dwelling, Household, LandPlot, LivestockCount, Machinery,
                          Membership, Person, Setting, Street, Village)
from okmot.paths import demo_db_path, resource_dir
from okmot.services import applications, certificates, service_register, settings

#: Every demo row is journalled as written by this system actor (no user accounts exist in a demo).
DEMO_ACTOR = Actor(user_id=None, username="system:demo")
DEFAULT_HOUSEHOLDS = 300
DEFAULT_SEED = 1
MAX_HOUSEHOLDS = 100_000
#: Years of 1 January land and livestock records, ending with the current year.
FARM_YEARS = 3
#: The book is opened for five-year periods; the demo's current period ends with the current year.
BOOK_YEARS = 5
#: Households generated between two bulk writes (bounds memory at any village size).
BATCH = 500

_SYNC_UNJOURNALED = ("version", "changed_at", "changed_by")

# --- reference text for the generated records (Kyrgyz data, not interface strings) ------------

_ADDRESS_NOTES = (
    "мектептин жанында", "мечиттин артында", "айылдын жогорку четинде", "айылдын төмөнкү четинде",
    "ФАПтын каршысында", "дүкөндүн жанында", "көпүрөнүн аркы өйүзүндө", "эски клубдун жанында",
    "тегирмендин жанында", "арыктын боюнда", "тоо этегинде", "зиратка бара жаткан жолдо",
)
_CLOSE_MOVED = (
    "Үй-бүлөсү менен Бишкек шаарына көчүп кетти", "Үй-бүлөсү менен Россияга көчүп кетти",
    "Үйүн сатып, башка айылга көчүп кетти",
)
_CLOSE_DIED = "Чарбанын жалгыз мүчөсү көз жумду"
_LEFT_DAUGHTER = "Турмушка чыгып, күйөөсүнүн үйүнө кетти"
_LEFT_SON = ("Бишкек шаарына көчүп кетти", "Өз алдынча чарба болуп бөлүнүп чыкты", "Россияга көчүп кетти",
             "Кара-Көл шаарына көчүп кетти")
_MIGRANT_PLACES = ("Россия Федерациясы, Москва ш.", "Россия Федерациясы, Москва ш.",
                   "Россия Федерациясы, Санкт-Петербург ш.", "Россия Федерациясы, Екатеринбург ш.",
                   "Россия Федерациясы, Новосибирск ш.", "Казакстан, Алматы ш.")
_STUDY_PLACES = ("Бишкек ш., Кыргыз улуттук университети", "Каракол ш., Ысык-Көл мамлекеттик университети",
                 "Бишкек ш., Кыргыз-Түрк «Манас» университети")

# (occupation, workplace template, weight); "{v}" is the village, "{a}" the aiyl aimak's centre.
_JOBS_M = (
    ("дыйкан", "", 30), ("малчы", "", 8), ("айдоочу", "", 10), ("курулушчу", "", 8), ("жеке ишкер", "", 7),
    ("мугалим", "{v} орто мектеби", 5), ("жумушсуз", "", 8), ("механизатор", "", 4), ("электрик", "", 2),
    ("сатуучу", "", 3), ("ветеринар", "{a} айыл өкмөтү", 1), ("айыл өкмөтүнүн адиси", "{a} айыл өкмөтү", 1),
    ("дарыгер", "{a} ҮМБ", 1), ("милиция кызматкери", "Ак-Суу районунун ИИББ", 1),
)
_JOBS_F = (
    ("үй кожойкеси", "", 30), ("дыйкан", "", 14), ("мугалим", "{v} орто мектеби", 12), ("медайым", "{v} ФАПы", 6),
    ("сатуучу", "", 6), ("тарбиячы", "{v} балдар бакчасы", 4), ("жумушсуз", "", 8), ("жеке ишкер", "", 5),
    ("бухгалтер", "{a} айыл өкмөтү", 3), ("дарыгер", "{a} ҮМБ", 2), ("тигүүчү", "", 3),
    ("китепканачы", "{v} орто мектеби", 1),
)
_EDUCATION_ADULT = {
    "young": (("secondary", 45), ("vocational", 20), ("higher", 25), ("incomplete_higher", 5),
              ("basic_secondary", 5)),
    "middle": (("secondary", 45), ("vocational", 28), ("higher", 20), ("basic_secondary", 7)),
    "old": (("secondary", 35), ("vocational", 25), ("higher", 15), ("basic_secondary", 15), ("primary", 8),
            ("none", 2)),
}
_NATIONALITIES = (("kyrgyz", 87), ("russian", 5), ("dungan", 4), ("uzbek", 4))
_PHONE_PREFIXES = ("700", "701", "702", "703", "705", "707", "709", "550", "551", "552", "555", "557", "559",
                   "770", "772", "773", "775", "777", "779", "220", "222", "227", "500", "501", "502", "505",
                   "507", "990", "995", "997", "998", "999")
_CARS = ("Toyota Camry", "Honda Fit", "Daewoo Nexia", "ВАЗ-2107", "Mercedes-Benz Sprinter", "Honda Odyssey",
         "Toyota Ipsum", "Audi 80", "Volkswagen Passat", "Mercedes-Benz E 200", "Lexus RX 300", "Daewoo Matiz",
         "Honda Stream", "Toyota Alphard", "Nissan X-Trail")
_TRACTORS = ("МТЗ-80", "Беларус-82.1", "ЮМЗ-6", "Т-40", "МТЗ-82", "Т-16")
_TRUCKS = ("ГАЗ-53", "КамАЗ-5511", "ЗИЛ-130", "Isuzu Elf", "Hyundai Porter", "ГАЗель")
_COMBINES = ("Нива СК-5", "Енисей-1200")
_OTHER_MACHINES = ("мотоблок", "Урал мотоциклы", "эгин себүүчү СЗ-3,6", "чөп чапкыч КС-2,1")
_PLATE_LETTERS = "ABCDEHKMOPTXY"


@dataclass(frozen=True)
class DemoSummary:
    """What a demo generation wrote."""

    villages: int
    streets: int
    households: int
    closed_households: int
    persons: int
    memberships: int
    dwellings: int
    land_plots: int
    livestock_counts: int
    machinery: int
    journal_rows: int
    years: tuple[int, ...]
    seconds: float
    applications: int = 0
    certificates: int = 0


@lru_cache(maxsize=1)
def _names() -> dict:
    path = resource_dir() / "demo" / "names.json"
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise EnvironmentProblem(
            _("The demo name list {path} is missing or damaged: {reason}").format(path=path, reason=exc)) from None


# --- dates ------------------------------------------------------------------------------------

def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return d.replace(year=d.year + years, day=28)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _after(d: dt.date, years: float) -> dt.date:
    return d + dt.timedelta(days=round(years * 365.25))


# --- bulk writer --------------------------------------------------------------------------------

class _Bulk:
    """Collects rows and writes them with Core inserts, each with its change-journal row, in FK order."""

    TABLES = (Household.__table__, Person.__table__, Membership.__table__, Dwelling.__table__,
              LandPlot.__table__, LivestockCount.__table__, Machinery.__table__)

    def __init__(self, conn: Connection, actor: Actor, now: dt.datetime):
        self.conn = conn
        self.actor = actor
        self.now = now
        self.pending: dict[str, list[dict]] = {t.name: [] for t in self.TABLES}
        self.counts: dict[str, int] = {t.name: 0 for t in self.TABLES}
        self.journalled = 0
        self._columns = {t.name: frozenset(t.c.keys()) for t in self.TABLES}
        # Columns whose values jsonable() converts (ids, dates); for every other column it is the identity.
        self._convert = {t.name: tuple(c.key for c in t.columns if isinstance(c.type, (Uuid, Date, DateTime))
                                       and c.key not in _SYNC_UNJOURNALED) for t in self.TABLES}

    def add(self, table: str, row: dict) -> None:
        row["version"] = 1
        row["changed_at"] = self.now
        row["changed_by"] = self.actor.user_id
        row["deleted_at"] = None
        self.pending[table].append(row)

    def flush(self) -> None:
        journal = []
        for table in self.TABLES:
            rows = self.pending[table.name]
            if not rows:
                continue
            if frozenset(rows[0]) != self._columns[table.name]:
                # A programming error: every column is set explicitly so the journal shows it.
                raise RuntimeError(f"demo row for {table.name} does not match the table's columns")
            self.conn.execute(insert(table), rows)
            convert = self._convert[table.name]
            for row in rows:
                # The same values the ORM listener journals for an insert: all but version/changed_*.
                changes = dict(row)
                for key in _SYNC_UNJOURNALED:
                    del changes[key]
                for key in convert:
                    value = changes[key]
                    if value is not None:
                        changes[key] = jsonable(value)
                journal.append(journal_rows(table.name, row["id"], "insert", 1, changes, self.actor, self.now))
            self.counts[table.name] += len(rows)
            self.pending[table.name] = []
        if journal:
            append_rows(self.conn, journal)
            self.journalled += len(journal)


# --- the generator ------------------------------------------------------------------------------

@dataclass
class _Plan:
    """A household's place in the book, decided before its people are drawn."""

    index: int
    village: int
    street: int | None
    house_number: str
    address_note: str
    opened_on: dt.date
    kind: str  # family, widow, single, new
    nationality: str
    style: str  # "ov" (Асанов/Асанова) or "uulu" (Асан уулу / Асан кызы)
    dwelling_kind: str
    closed_on: dt.date | None = None
    close_kind: str = ""  # "", "moved", "died"
    account: str = ""


class _Member:
    __slots__ = ("id", "relation", "sex", "given", "surname", "father", "birth", "from_date", "to_date",
                 "end_reason", "status", "status_date", "note", "occupation", "workplace", "education",
                 "social", "disability", "pin", "phone")

    def __init__(self, relation: str, sex: str, given: str, surname: str, father: str, birth: dt.date,
                 from_date: dt.date | None):
        self.relation, self.sex, self.given, self.surname, self.father = relation, sex, given, surname, father
        self.birth, self.from_date = birth, from_date
        self.to_date: dt.date | None = None
        self.end_reason = ""
        self.status = "living"
        self.status_date: dt.date | None = None
        self.note = self.occupation = self.workplace = self.education = self.phone = ""
        self.social: list[str] = []
        self.disability: int | None = None
        self.pin: str | None = None

    @property
    def current(self) -> bool:
        return self.to_date is None

    def leave(self, on: dt.date, note: str = "") -> None:
        self.to_date, self.end_reason = on, "left"
        self.status, self.status_date, self.note = "left", on, note

    def die(self, on: dt.date) -> None:
        self.to_date, self.end_reason = on, "died"
        self.status, self.status_date = "deceased", on


class _Generator:
    def __init__(self, seed: int, today: dt.date, farm_years: int = FARM_YEARS):
        self.rng = random.Random(seed)
        # Ids come from their own stream, so the content does not depend on how many ids were drawn.
        self._ids = random.Random(f"okmot-demo-ids:{seed}")
        # Ids laid out like the app's (okmot.db.ids): one prefix for the whole village, drawn from the seed,
        # so each demo office's records sit together in a district's indexes as a real office's do.
        self.id_prefix = self._ids.getrandbits(ids.PREFIX_BITS)
        self._id_seconds = calendar.timegm(today.timetuple())
        self.today = today
        self.book_opened = dt.date(today.year - BOOK_YEARS + 1, 1, 1)
        self.years = tuple(range(today.year - farm_years + 1, today.year + 1))
        data = _names()
        self.data = data
        self.people = data["people"]
        self.used_pins: set[str] = set()
        self.used_plates: set[str] = set()
        self.document_no = 1000
        self._keys: dict[str, str] = {}
        #: Overrides the demo aiyl aimak's code, so several distinct demo offices can be made.
        self.office_code: str | None = None
        # Set once the territory is written.
        self.aimak_id: uuid.UUID | None = None
        self.village_ids: list[uuid.UUID] = []
        self.village_names: list[str] = []
        self.street_ids: list[list[uuid.UUID]] = []

    def uid(self) -> uuid.UUID:
        return ids.make_id(self.id_prefix, self._id_seconds, self._ids.getrandbits(ids.RANDOM_BITS))

    def key(self, text: str) -> str:
        value = self._keys.get(text)
        if value is None:
            value = self._keys[text] = search_key(text)
        return value

    def pick(self, weighted):
        """One item of ``(value..., weight)`` tuples (weight last) or a ``{value: weight}`` dict."""
        if isinstance(weighted, dict):
            return self.rng.choices(list(weighted), weights=list(weighted.values()))[0]
        item = self.rng.choices(weighted, weights=[w[-1] for w in weighted])[0]
        return item[0] if len(item) == 2 else item[:-1]

    def between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randint(0, max(0, (b - a).days)))

    def birth_at_age(self, age: int) -> dt.date:
        """A birth date giving exactly ``age`` full years today."""
        latest = _add_years(self.today, -age)
        earliest = _add_years(self.today, -age - 1) + dt.timedelta(days=1)
        return self.between(earliest, latest)

    # --- territory (a handful of rows: the ORM path, journalled by the session listener) --------

    def territory(self, session: Session, *, installation: bool) -> tuple[AiylAimak, list[Village], list[list[Street]]]:
        rng = self.rng
        a = self.data["aimak"]
        aimak = AiylAimak(id=self.uid(), code=self.office_code or a["code"], name_ky=a["name_ky"], name_ru=a["name_ru"],
                          rayon_ky=a["rayon_ky"], rayon_ru=a["rayon_ru"], oblast_ky=a["oblast_ky"],
                          oblast_ru=a["oblast_ru"])
        session.add(aimak)
        session.flush()
        # The home office, as okmot.services.territory.create_office(make_home=True) records it,
        # but with a seeded id so two generations give the same rows.
        session.add(Setting(id=self.uid(), key="office_id", value=str(aimak.id)))
        if installation:
            # The installation id starts with the village's id prefix, as a set-up office's does
            # (okmot.db.ids); seeded like every demo id.
            session.add(Setting(id=self.uid(), key=ids.INSTALLATION_SETTING, value=str(
                ids.installation_with_prefix(self.id_prefix, self._ids.getrandbits(128 - ids.PREFIX_BITS)))))
        pool = self.data["villages"]
        chosen = [pool[0]] + rng.sample(pool[1:], rng.randint(3, 5) - 1)
        villages, streets = [], []
        for n, v in enumerate(chosen, start=1):
            village = Village(id=self.uid(), aimak_id=aimak.id, code=f"{n:02d}", name_ky=v["ky"], name_ru=v["ru"],
                              name_key=search_key(v["ky"]))
            villages.append(village)
            names = rng.sample(self.data["streets"], rng.randint(3, 8))
            streets.append([Street(id=self.uid(), village_id=village.id, name_ky=s["ky"], name_ru=s["ru"],
                                   name_key=search_key(s["ky"])) for s in names])
        session.add_all(villages)
        session.flush()
        session.add_all([s for group in streets for s in group])
        session.flush()
        return aimak, villages, streets

    # --- the book's title pages: addresses, opening and closing, numbering ---------------------

    def plan(self, count: int, villages: list[Village], streets: list[list[Street]]) -> list[_Plan]:
        rng = self.rng
        village_weights = [2.5] + [rng.uniform(0.7, 1.5) for _ in villages[1:]]
        street_weights = [[rng.uniform(0.5, 2.0) for _ in group] for group in streets]
        counters: dict[tuple[int, int], int] = {}
        last_new = self.today - dt.timedelta(days=20)
        plans = []
        for i in range(count):
            v = rng.choices(range(len(villages)), weights=village_weights)[0]
            s: int | None = rng.choices(range(len(streets[v])), weights=street_weights[v])[0]
            number, note = "", ""
            if rng.random() < 0.15:
                note = rng.choice(_ADDRESS_NOTES)
                if rng.random() < 0.5:
                    s = None
            else:
                n = counters.get((v, s), 0) + rng.choice((1, 1, 1, 2))
                counters[(v, s)] = n
                number = f"{n}а" if rng.random() < 0.04 else str(n)
            dwelling_kind = self.pick((("house", 90), ("part_house", 6), ("apartment", 3), ("other", 1)))
            if rng.random() < 0.06 and last_new > self.book_opened:
                opened, kind = self.between(self.book_opened + dt.timedelta(days=1), last_new), "new"
            else:
                opened = self.book_opened
                kind = self.pick((("family", 80), ("widow", 11), ("single", 9)))
            nationality = self.pick(_NATIONALITIES)
            style = "uulu" if nationality == "kyrgyz" and rng.random() < 0.3 else "ov"
            plans.append(_Plan(i, v, s, number, note, opened, kind, nationality, style, dwelling_kind))
        # About 3% of the accounts were closed during the book's period (at least one in a real village).
        old = [p for p in plans if p.kind != "new"]
        n_closed = min(len(old), max(1 if count >= 10 else 0, round(count * 0.03)))
        for p in rng.sample(old, n_closed):
            p.close_kind = "died" if rng.random() < 0.4 else "moved"
            if p.close_kind == "died":
                p.kind = "single"
            p.closed_on = self.between(p.opened_on + dt.timedelta(days=90), self.today - dt.timedelta(days=1))
        # The book walks the villages street by street; accounts opened later follow in date order.
        def number_key(p: _Plan):
            digits = "".join(ch for ch in p.house_number if ch.isdigit())
            return (p.village, p.street if p.street is not None else 99, p.house_number == "",
                    int(digits or 0), p.index)

        ordered = (sorted((p for p in plans if p.kind != "new"), key=number_key)
                   + sorted((p for p in plans if p.kind == "new"), key=lambda p: (p.opened_on, p.index)))
        width = max(4, len(str(count)))
        for n, p in enumerate(ordered, start=1):
            p.account = str(n).zfill(width)
        return ordered

    # --- people -------------------------------------------------------------------------------

    def given(self, nationality: str, sex: str, birth: dt.date) -> str:
        pool = self.people[nationality]
        key = "male" if sex == "M" else "female"
        if birth.year < 1966 and self.rng.random() < 0.6:
            return self.rng.choice(pool["elder_" + key])
        return self.rng.choice(pool[key])

    def n_children(self, mother_birth: dt.date) -> int:
        if mother_birth.year < 1975:
            return self.pick({2: 8, 3: 20, 4: 26, 5: 22, 6: 14, 7: 7, 8: 3})
        return self.pick({1: 6, 2: 18, 3: 31, 4: 25, 5: 12, 6: 6, 7: 2})

    def births(self, mother_birth: dt.date, start: dt.date, limit: dt.date) -> list[dt.date]:
        """Birth dates of a mother's children, spaced as in life, none after ``limit``."""
        rng = self.rng
        t = max(start, _after(mother_birth, rng.uniform(19, 26)))
        out = []
        for _i in range(self.n_children(mother_birth)):
            if t > limit or _age(mother_birth, t) > 44:
                break
            out.append(t)
            t += dt.timedelta(days=rng.randint(450, 1800))
        return out

    def members(self, plan: _Plan) -> list[_Member]:
        if plan.kind == "single":
            return self.single(plan)
        return self.family(plan)

    def single(self, plan: _Plan) -> list[_Member]:
        rng, nat, style = self.rng, plan.nationality, plan.style
        until = plan.closed_on or self.today
        masc = rng.choice(self.people[nat]["surnames"])
        elderly = plan.close_kind == "died" or rng.random() < 0.75
        sex = ("F" if rng.random() < 0.7 else "M") if elderly else "M"
        birth = self.birth_at_age(rng.randint(62, 88) if elderly else rng.randint(24, 60))
        father = self.given(nat, "M", _add_years(birth, -30))
        # A woman living alone is mostly a widow: she carries her late husband's family name.
        surname = self._married_in(style, masc, father) if sex == "F" else self._surname(style, masc, "M", father)
        head = _Member("head", sex, self.given(nat, sex, birth), surname, father, birth, plan.opened_on)
        out = [head]
        head_death = None
        if plan.close_kind == "died":
            head_death = max(plan.opened_on, plan.closed_on - dt.timedelta(days=rng.randint(0, 45)))
        if elderly and rng.random() < 0.35:
            # The spouse died during the book's period: the household had two members before.
            ssex = "M" if sex == "F" else "F"
            sbirth = _after(birth, -rng.uniform(0, 6) if ssex == "M" else rng.uniform(0, 6))
            sfather = self.given(nat, "M", _add_years(sbirth, -30))
            sname = self._surname(style, masc, "M", sfather) if ssex == "M" else self._married_in(style, masc, sfather)
            spouse = _Member("spouse", ssex, self.given(nat, ssex, sbirth), sname, sfather, sbirth, plan.opened_on)
            last = (head_death or until) - dt.timedelta(days=1)
            if last > plan.opened_on and _age(sbirth, plan.opened_on) < 100:
                spouse.die(self.between(plan.opened_on, last))
                out.append(spouse)
        if head_death is not None:
            head.die(head_death)
        return out

    def _surname(self, style: str, masc: str, sex: str, father: str) -> str:
        """A person's surname in the household's style, from the family name or the father's name."""
        if style == "uulu":
            return f"{father} {'уулу' if sex == 'M' else 'кызы'}"
        return masc if sex == "M" else masc + "а"

    def _married_in(self, style: str, masc: str, her_father: str) -> str:
        """A wife's surname: she takes the family's feminine form, or keeps "her father кызы"."""
        return f"{her_father} кызы" if style == "uulu" else masc + "а"

    def family(self, plan: _Plan) -> list[_Member]:
        rng, nat, style = self.rng, plan.nationality, plan.style
        today, opened = self.today, plan.opened_on
        until = plan.closed_on or today
        masc = rng.choice(self.people[nat]["surnames"])

        def joined(d: dt.date) -> dt.date:
            return d if d > opened else opened

        out: list[_Member] = []
        if plan.kind == "new":
            head_age = rng.randint(22, 36)
        elif plan.kind == "widow":
            head_age = rng.randint(35, 84)
        else:
            head_age = rng.randint(*self.pick(((22, 29, 10), (30, 39, 25), (40, 49, 25), (50, 59, 20),
                                               (60, 69, 12), (70, 85, 8))))
            # A head of an account opened with the book was at least 21 then.
            head_age = max(head_age, today.year - opened.year + 21)
        head_birth = self.birth_at_age(head_age)
        head_father = self.given(nat, "M", _add_years(head_birth, -30))
        if plan.kind == "widow":
            husband_birth = _after(head_birth, -rng.uniform(0, 7))
            husband = self.given(nat, "M", husband_birth)
            head = _Member("head", "F", self.given(nat, "F", head_birth),
                           self._married_in(style, masc, head_father), head_father, head_birth, opened)
            out.append(head)
            mother_birth = head_birth
            # The husband died during the book's period (recorded) or before it (not in this book).
            died_in_book = rng.random() < 0.4 and until > opened + dt.timedelta(days=30)
            if died_in_book:
                husband_death = self.between(opened, until - dt.timedelta(days=1))
            else:
                before = opened - dt.timedelta(days=1)
                husband_death = self.between(min(before, max(_after(head_birth, 25), _add_years(opened, -15))),
                                             before)
            hfather = self.given(nat, "M", _add_years(husband_birth, -30))
            if died_in_book:
                h = _Member("spouse", "M", husband, self._surname(style, masc, "M", hfather), hfather,
                            husband_birth, opened)
                h.die(husband_death)
                out.append(h)
            kids_limit = min(until, husband_death + dt.timedelta(days=270))
            marriage = _after(head_birth, rng.uniform(18, 24))
        else:
            head = _Member("head", "M", self.given(nat, "M", head_birth),
                           self._surname(style, masc, "M", head_father), head_father, head_birth, opened)
            husband = head.given
            out.append(head)
            wife_birth = _after(head_birth, rng.uniform(0, 7))
            if _age(wife_birth, today) < 19:
                wife_birth = _add_years(today, -19) - dt.timedelta(days=rng.randint(0, 300))
            wfather = self.given(nat, "M", _add_years(wife_birth, -30))
            marriage = max(_after(wife_birth, rng.uniform(18.5, 25)), _after(head_birth, 20))
            if plan.kind == "new":
                marriage = opened - dt.timedelta(days=rng.randint(0, 700))
            else:
                # A young man heads his own household once he has married (bachelors stay with parents).
                marriage = min(marriage, until - dt.timedelta(days=rng.randint(30, 700)))
            marriage = max(marriage, _add_years(wife_birth, 18), _add_years(head_birth, 19))
            wife = _Member("spouse", "F", self.given(nat, "F", wife_birth), self._married_in(style, masc, wfather),
                           wfather, wife_birth, joined(marriage))
            if marriage > until:
                wife = None
            else:
                out.append(wife)
            mother_birth = wife_birth
            kids_limit = until if wife else marriage
            # A widowed or elderly head's parent(s) may live with him (he is often the youngest son).
            if plan.kind == "family" and head_age < 55 and rng.random() < 0.25:
                mom_birth = _after(head_birth, -rng.uniform(20, 38))
                if _age(mom_birth, today) <= 92:
                    mfather = self.given(nat, "M", _add_years(mom_birth, -30))
                    out.append(_Member("mother", "F", self.given(nat, "F", mom_birth),
                                       self._married_in(style, masc, mfather), mfather, mom_birth, opened))
                    if rng.random() < 0.35:
                        dad_birth = _after(mom_birth, -rng.uniform(0, 7))
                        gfather = self.given(nat, "M", _add_years(dad_birth, -30))
                        dad = _Member("father", "M", head_father, self._surname(style, masc, "M", gfather),
                                      gfather, dad_birth, opened)
                        if _age(dad_birth, today) <= 94:
                            out.append(dad)
        # Children of the head.
        first = marriage + dt.timedelta(days=rng.randint(300, 700))
        kids = []
        for birth in self.births(mother_birth, first, kids_limit):
            sex = "M" if rng.random() < 0.51 else "F"
            kids.append(_Member("son" if sex == "M" else "daughter", sex, self.given(nat, sex, birth),
                                self._surname(style, masc, sex, husband), husband, birth, joined(birth)))
        sons = [k for k in kids if k.sex == "M"]
        # By custom the youngest son (кенже) stays in his parents' house with his own family.
        kenje = sons[-1] if sons and rng.random() < 0.85 else None
        for kid in kids:
            leave_at = None
            if kid is kenje:
                pass
            elif kid.sex == "F":
                if rng.random() < 0.92:
                    leave_at, note = _after(kid.birth, rng.uniform(19, 26)), _LEFT_DAUGHTER
            elif rng.random() < 0.75:
                leave_at, note = _after(kid.birth, rng.uniform(21, 30)), rng.choice(_LEFT_SON)
            if leave_at is not None and leave_at <= until:
                if leave_at < opened:
                    continue  # left before this book was opened: not in it
                kid.leave(leave_at, note)
            out.append(kid)
        if kenje is not None and _age(kenje.birth, until) >= 23:
            wed = _after(kenje.birth, rng.uniform(22, 29))
            if wed <= until:
                dil_birth = _after(kenje.birth, rng.uniform(1, 5))
                if _age(dil_birth, wed) < 18:
                    dil_birth = _after(wed, -rng.uniform(18.2, 20))
                dfather = self.given(nat, "M", _add_years(dil_birth, -30))
                out.append(_Member("daughter_in_law", "F", self.given(nat, "F", dil_birth),
                                   self._married_in(style, masc, dfather), dfather, dil_birth, joined(wed)))
                for birth in self.births(dil_birth, wed + dt.timedelta(days=rng.randint(300, 600)), until):
                    sex = "M" if rng.random() < 0.51 else "F"
                    out.append(_Member("grandson" if sex == "M" else "granddaughter", sex,
                                       self.given(nat, sex, birth), self._surname(style, masc, sex, kenje.given),
                                       kenje.given, birth, joined(birth)))
        self._mortality(out, opened, until)
        return out

    def _mortality(self, members: list[_Member], opened: dt.date, until: dt.date) -> None:
        """Elderly members other than the head may have died during the book's period."""
        rng = self.rng
        years = (until - opened).days / 365.25
        for m in members:
            if m.relation == "head" or not m.current:
                continue
            a = _age(m.birth, until)
            if a < 60:
                continue
            q = 0.015 if a < 70 else 0.04 if a < 80 else 0.10 if a < 90 else 0.2
            if rng.random() < 1 - (1 - q) ** years:
                start = max(opened, m.from_date or opened, _add_years(m.birth, 60))
                if start < until:
                    m.die(self.between(start, until - dt.timedelta(days=1)))

    def finish(self, plan: _Plan, members: list[_Member]) -> None:
        """Absences, closing, PINs, education, work and social categories of the household's people."""
        rng, today = self.rng, self.today
        if plan.closed_on is None:
            for m in members:
                if not m.current:
                    continue
                a = _age(m.birth, today)
                if not 18 <= a <= 50:
                    continue
                if m.sex == "M":
                    p = 0.07 if m.relation == "head" else 0.16
                else:
                    p = 0.05 if m.relation != "head" else 0.0
                if rng.random() < p:
                    start = max(_add_years(m.birth, 18), today - dt.timedelta(days=3 * 365), m.from_date or today)
                    if start >= today:
                        continue
                    m.status, m.status_date = "temporarily_absent", self.between(start, today)
                    if m.sex == "F" and a <= 23 and rng.random() < 0.6:
                        m.note, m.occupation = "Окуу үчүн убактылуу жок", "студент"
                        m.workplace = rng.choice(_STUDY_PLACES)
                    else:
                        m.note, m.workplace = "Эмгек миграциясында", rng.choice(_MIGRANT_PLACES)
                        m.occupation = "эмгек мигранты"
                        m.social.append("labour_migrant")
        elif plan.close_kind == "moved":
            for m in members:
                if m.current:
                    m.leave(plan.closed_on, "Үй-бүлөсү менен көчүп кетти")
        village = self.village_names[plan.village]
        low_income = False
        kids_u16 = sum(1 for m in members if m.current and _age(m.birth, today) < 16)
        if kids_u16 and rng.random() < min(0.3, 0.04 + 0.04 * kids_u16):
            low_income = True
        for m in members:
            on = m.status_date if m.status == "deceased" else today
            a = _age(m.birth, on)
            # PIN: infants often have none yet, a few adults none on hand.
            missing = 0.5 if a < 3 else 0.03 if a < 18 else 0.05
            if rng.random() >= missing:
                m.pin = self.pin(m.sex, m.birth)
            if not m.occupation:
                self._work(m, a, village)
            if m.sex == "M" and a >= 63 or m.sex == "F" and a >= 58:
                if rng.random() < 0.97:
                    m.social.append("pensioner")
            if rng.random() < (0.01 if a < 18 else 0.03 if a < 60 else 0.06):
                m.disability = self.pick({1: 15, 2: 45, 3: 40})
                m.social.append("disabled")
            if m.sex == "M" and 1958 <= m.birth.year <= 1968 and rng.random() < 0.05:
                m.social.append("veteran")
            if low_income and m.current:
                m.social.append("low_income")
            if m.current and a >= 18 and rng.random() < 0.55:
                m.phone = self.phone()
        head = members[0]
        if plan.kind == "widow" and head.current and kids_u16:
            head.social.append("single_mother")

    def _work(self, m: _Member, a: int, village: str) -> None:
        rng = self.rng
        if a < 7:
            if a >= 3 and rng.random() < 0.3:
                m.occupation, m.workplace = "бала бакчада", f"{village} балдар бакчасы"
            return
        if a < 18:
            m.education = "" if a < 11 else "primary" if a < 16 else "basic_secondary"
            m.occupation, m.workplace = "окуучу", f"{village} орто мектеби"
            return
        group = "young" if a <= 40 else "middle" if a <= 60 else "old"
        m.education = self.pick(_EDUCATION_ADULT[group])
        if a <= 23 and m.education == "incomplete_higher" or a <= 21 and rng.random() < 0.2:
            m.education = "incomplete_higher" if m.education in ("secondary", "incomplete_higher") else m.education
            m.occupation, m.workplace = "студент", rng.choice(_STUDY_PLACES)
            return
        if m.sex == "M" and a >= 63 or m.sex == "F" and a >= 58:
            m.occupation = "пенсионер"
            return
        job, place = self.pick(_JOBS_M if m.sex == "M" else _JOBS_F)
        m.occupation = job
        m.workplace = place.format(v=village, a=self.village_names[0])

    def pin(self, sex: str, birth: dt.date) -> str:
        while True:
            value = pins.encode(sex, birth, self.rng.randint(1, 99999))
            if value not in self.used_pins:
                self.used_pins.add(value)
                return value

    def phone(self) -> str:
        r = self.rng
        return f"+996 {r.choice(_PHONE_PREFIXES)} {r.randint(0, 999):03d} {r.randint(0, 999):03d}"

    # --- sections II-V: dwelling, land, livestock, machinery ------------------------------------

    def dwelling(self, plan: _Plan, head: _Member) -> dict:
        rng, today = self.rng, self.today
        if plan.kind == "new" and plan.dwelling_kind == "house":
            year = rng.randint(max(1960, plan.opened_on.year - 3), today.year - 1) if rng.random() < 0.5 \
                else rng.randint(1960, today.year - 1)
        else:
            year = self.pick(((1955, 1990, 55), (1991, 2010, 25), (2011, today.year - 1, 20)))
            year = rng.randint(*year)
        walls = self.pick((("adobe", 60), ("brick", 25), ("concrete", 8), ("wood", 5), ("other", 2))) \
            if year < 1991 else self.pick((("adobe", 30), ("brick", 40), ("concrete", 25), ("wood", 3), ("other", 2)))
        rooms = self.pick({1: 3, 2: 12, 3: 28, 4: 28, 5: 17, 6: 8, 7: 4})
        if plan.dwelling_kind == "apartment":
            rooms = min(rooms, 4)
        living = rooms * rng.uniform(11.0, 18.0)
        total = living * rng.uniform(1.25, 1.6)
        flat = plan.dwelling_kind == "apartment"
        return {
            "id": self.uid(), "household_id": None, "kind": plan.dwelling_kind, "year_built": year,
            "wall_material": walls, "rooms": rooms,
            "living_area_dm2": round(living * 100), "total_area_dm2": round(total * 100),
            "has_electricity": rng.random() < 0.99, "has_water": rng.random() < (0.9 if flat else 0.55),
            "has_gas": rng.random() < 0.06, "has_sewerage": rng.random() < (0.8 if flat else 0.04),
            "has_central_heating": rng.random() < (0.6 if flat else 0.02),
            "owner": f"{head.surname} {head.given}",
        }

    def land(self, plan: _Plan, size: int) -> list[list[dict]]:
        """Plots per year in ``self.years``: mostly the same plots each year, now and then a change."""
        rng = self.rng
        vcode = f"{plan.village + 1:02d}"
        block = rng.randint(1, 60)

        def cadastre() -> str:
            return f"4-03-{vcode}-{block:04d}-{rng.randint(1, 9999):04d}"

        def act() -> str:
            self.document_no += rng.randint(1, 40)
            return f"Мамлекеттик акт № {self.document_no:06d}" if rng.random() < 0.85 else ""

        def ha(lo: float, hi: float) -> int:
            return round(rng.uniform(lo, hi) * 100) * 100  # whole hundredths of a hectare

        def lease() -> dict:
            signed = rng.randint(self.years[0] - 4, self.years[0])
            return {"category": "leased_state_fund", "area_m2": ha(1.0, 8.0),
                    "document": f"Ижара келишими № {rng.randint(1, 300)}, {signed}-ж.",
                    "cadastral_number": cadastre()}

        plots = []
        if rng.random() < 0.97:
            plots.append({"category": "household_plot", "area_m2": round(rng.triangular(400, 2500, 1000) / 10) * 10,
                          "document": act(), "cadastral_number": cadastre()})
        if rng.random() < 0.55:
            share = min(1.5, max(0.1, 0.12 * max(size, 1) + rng.uniform(-0.1, 0.3)))
            plots.append({"category": "irrigated_arable", "area_m2": round(share * 100) * 100,
                          "document": act(), "cadastral_number": cadastre()})
        for category, p, lo, hi in (("rainfed_arable", 0.12, 0.5, 3.0), ("garden", 0.10, 0.05, 0.5),
                                    ("hayfield", 0.10, 0.3, 2.0)):
            if rng.random() < p:
                plots.append({"category": category, "area_m2": ha(lo, hi), "document": act(),
                              "cadastral_number": cadastre()})
        if rng.random() < 0.04:
            plots.append({"category": "pasture", "area_m2": ha(1.0, 10.0),
                          "document": f"Жайыт билети № {rng.randint(1, 900)}", "cadastral_number": ""})
        if rng.random() < 0.05:
            plots.append(lease())
        by_year = []
        for n, _year in enumerate(self.years):
            leased = [p for p in plots if p["category"] == "leased_state_fund"]
            if n and leased and rng.random() < 0.25:  # the lease ended
                plots = [p for p in plots if p not in leased]
            elif n and not leased and rng.random() < 0.015:  # a new lease from the State fund
                plots = plots + [lease()]
            if n and rng.random() < 0.03:
                plots = [dict(p, area_m2=min(2500, max(400, round(p["area_m2"] * rng.uniform(0.9, 1.1) / 10) * 10)))
                         if p["category"] == "household_plot" else p for p in plots]
            by_year.append(list(plots))
        return by_year

    def livestock(self, plan: _Plan, size: int) -> list[dict[str, int]]:
        """Heads per species as of 1 January of each of ``self.years``."""
        rng = self.rng
        scale = 0.4 if size <= 1 else 1.0
        herd: dict[str, int] = {}

        def start(species: str) -> int:
            if species == "cattle":
                return self.pick({1: 20, 2: 22, 3: 18, 4: 13, 5: 9, 6: 7, 7: 5, 8: 3, 10: 2, 12: 1})
            if species == "sheep":
                return max(1, min(150, int(rng.lognormvariate(2.3, 0.8))))
            if species == "goats":
                return rng.randint(1, 15)
            if species == "horses":
                return self.pick({1: 40, 2: 30, 3: 15, 4: 8, 6: 5, 8: 2})
            if species == "pigs":
                return rng.randint(1, 6)
            if species == "yaks":
                return rng.randint(2, 20)
            if species == "camels":
                return rng.randint(1, 3)
            if species == "poultry":
                return rng.randint(5, 45)
            if species == "rabbits":
                return rng.randint(2, 20)
            return rng.randint(3, 40)  # bee colonies

        chances = {"cattle": 0.62, "sheep": 0.38, "goats": 0.25, "horses": 0.2,
                   "pigs": 0.35 if plan.nationality == "russian" else 0.0, "yaks": 0.01, "camels": 0.002,
                   "poultry": 0.7, "rabbits": 0.03, "bee_colonies": 0.02}
        for species, p in chances.items():
            if rng.random() < p * scale:
                herd[species] = start(species)
        if "cattle" in herd:
            c = herd["cattle"]
            herd["cows"] = (1 if rng.random() < 0.75 else 0) if c == 1 else max(1, round(c * rng.uniform(0.35, 0.75)))
        out = []
        for n, _year in enumerate(self.years):
            if n:
                nxt = {}
                for species, heads in herd.items():
                    if species == "cows":
                        continue
                    value = max(0, round(heads * rng.uniform(0.75, 1.3)) + rng.choice((-1, 0, 0, 1)))
                    if value:
                        nxt[species] = value
                for species, p in chances.items():
                    if species not in nxt and species not in herd and rng.random() < p * 0.05:
                        nxt[species] = start(species)
                if "cattle" in nxt:
                    ratio = herd.get("cows", 0) / herd["cattle"] if herd.get("cattle") else 0.5
                    cows = round(nxt["cattle"] * ratio) + (rng.choice((-1, 1)) if rng.random() < 0.2 else 0)
                    nxt["cows"] = max(0, min(nxt["cattle"], cows))
                herd = nxt
            out.append({s: h for s, h in herd.items() if h > 0})
        return out

    def machinery(self, plan: _Plan) -> list[dict]:
        rng, year = self.rng, self.today.year
        items = []

        def plate() -> str:
            while True:
                value = f"07KG{rng.randint(0, 999):03d}{''.join(rng.choices(_PLATE_LETTERS, k=3))}"
                if value not in self.used_plates:
                    self.used_plates.add(value)
                    return value

        if rng.random() < 0.38:
            items.append(("car", rng.choice(_CARS), rng.randint(1988, year - 1), plate()))
            if rng.random() < 0.12:
                items.append(("car", rng.choice(_CARS), rng.randint(1995, year - 1), plate()))
        if rng.random() < 0.05:
            items.append(("truck", rng.choice(_TRUCKS), rng.randint(1975, year - 2), plate()))
        if rng.random() < 0.04:
            items.append(("tractor", rng.choice(_TRACTORS), rng.randint(1970, year - 3), ""))
        if rng.random() < 0.004:
            items.append(("combine", rng.choice(_COMBINES), rng.randint(1980, year - 5), ""))
        if rng.random() < 0.04:
            items.append(("other", rng.choice(_OTHER_MACHINES), rng.randint(1985, year - 1), ""))
        return [{"id": self.uid(), "household_id": None, "kind": kind, "model": model, "year_made": made,
                 "registration_number": reg, "note": ""} for kind, model, made, reg in items]

    # --- one household, all sections -----------------------------------------------------------

    def household(self, plan: _Plan, bulk: _Bulk) -> tuple[int, bool]:
        """Write one account of the book; returns (persons written, closed?)."""
        rng = self.rng
        members = self.members(plan)
        self.finish(plan, members)
        hid = self.uid()
        head = members[0]
        closed = plan.closed_on is not None
        bulk.add("household", {
            "id": hid, "aimak_id": self.aimak_id, "account_number": plan.account,
            "village_id": self.village_ids[plan.village],
            "street_id": self.street_ids[plan.village][plan.street] if plan.street is not None else None,
            "house_number": plan.house_number,
            "apartment": str(rng.randint(1, 24)) if plan.dwelling_kind == "apartment" else "",
            "address_note": plan.address_note,
            "phone": head.phone if head.phone and not closed else "",
            "status": "closed" if closed else "open", "opened_on": plan.opened_on, "closed_on": plan.closed_on,
            "close_reason": (_CLOSE_DIED if plan.close_kind == "died" else rng.choice(_CLOSE_MOVED)) if closed else "",
        })
        for m in members:
            m.id = self.uid()
            bulk.add("person", {
                "id": m.id, "pin": m.pin, "pin_override_reason": None, "surname": m.surname, "given_name": m.given,
                "father_name": m.father, "patronymic_ky": None, "patronymic_ru": None, "sex": m.sex,
                "birth_date": m.birth, "nationality": plan.nationality, "education": m.education,
                "occupation": m.occupation, "workplace": m.workplace,
                "social_categories": list(dict.fromkeys(m.social)), "disability_group": m.disability,
                "residence_status": m.status, "status_date": m.status_date, "phone": m.phone, "note": m.note,
                "merged_into_id": None, "surname_key": self.key(m.surname), "given_name_key": self.key(m.given),
            })
            bulk.add("membership", {
                "id": self.uid(), "household_id": hid, "person_id": m.id, "relation": m.relation,
                "from_date": m.from_date, "to_date": m.to_date, "end_reason": m.end_reason,
            })
        d = self.dwelling(plan, head)
        d["household_id"] = hid
        bulk.add("dwelling", d)
        size = sum(1 for m in members if m.current) or 1
        land = self.land(plan, size)
        stock = self.livestock(plan, size)
        for year, plots, herd in zip(self.years, land, stock, strict=True):
            jan1 = dt.date(year, 1, 1)
            if jan1 < plan.opened_on or (plan.closed_on is not None and jan1 >= plan.closed_on):
                continue  # the account did not exist on that 1 January
            for plot in plots:
                bulk.add("land_plot", {"id": self.uid(), "household_id": hid, "year": year, **plot})
            for species, heads in herd.items():
                bulk.add("livestock_count", {"id": self.uid(), "household_id": hid, "year": year,
                                             "species": species, "heads": heads})
        if not closed:
            for item in self.machinery(plan):
                item["household_id"] = hid
                bulk.add("machinery", item)
        return len(members), closed


# --- paperwork: applications and certificates of the last year, through the services themselves ---

#: Kinds of certificate the demo office issues (the income estimate needs norms the office sets itself).
_DEMO_CERTIFICATE_KINDS = (("family", 40), ("residence", 25), ("household_extract", 15), ("land", 12),
                           ("livestock", 8))


def _paperwork(session: Session, *, seed: int, today: dt.date, households: int) -> tuple[int, int]:
    """About one application and one certificate per ten households, spread over the last year.

    Written with the real services (register, numbering, signing), so numbers, deadlines and signed
    payloads are what the office would have; which households, kinds and dates is drawn from ``seed``
    (the signing key is the installation's own, random; the installation code in the numbers comes from the seed).
    Returns (applications, certificates).
    """
    rng = random.Random(f"okmot-demo-paperwork:{seed}")
    last = min(today, dt.date.today())
    first = last - dt.timedelta(days=364)  # households and heads of the whole year, so every date fits
    if not service_register.list_services(session):
        service_register.install_shipped(session)
    settings.put(session, "office_address_ky", "Айыл өкмөтүнүн имараты")
    settings.put(session, "signatory_name_ky", "А. Токтогулов")
    settings.put(session, "signatory_name_ru", "А. Токтогулов")
    rows = session.execute(select(Household.id, Person.surname, Person.given_name, Person.pin)
                           .join(Membership, Membership.household_id == Household.id)
                           .join(Person, Person.id == Membership.person_id)
                           .where(Household.status == "open", Membership.relation == "head",
                                  Membership.to_date.is_(None), Household.opened_on <= first,
                                  func.coalesce(Membership.from_date, first) <= first)
                           .order_by(Household.account_number)).all()
    if not rows:
        return 0, 0
    count = max(1, households // 10)
    days = sorted(last - dt.timedelta(days=rng.randint(0, 364)) for _ in range(count))
    made_apps = made_certs = 0
    for n, received in enumerate(days):
        hid, surname, given, pin = rng.choice(rows)
        kind = rng.choices([k for k, _w in _DEMO_CERTIFICATE_KINDS], [w for _k, w in _DEMO_CERTIFICATE_KINDS])[0]
        language = rng.choice(("ky", "ky", "ru", "ky+ru"))
        service = service_register.for_certificate_kind(session, kind)
        application_id = None
        if service is not None and rng.random() < 0.7:
            record = applications.register_application(session, applications.ApplicationData(
                service_id=service.id, applicant_name=f"{surname} {given}", applicant_pin=pin or "",
                household_id=hid, received_on=received, documents_presented=tuple(
                    d.code for d in service.data.checklist("citizen")[:1])))
            application_id = record.id
            made_apps += 1
            if received > last - dt.timedelta(days=3) and rng.random() < 0.5:
                continue  # still being worked on
        issued = certificates.issue_certificate(
            session, kind=kind, language=language, household_id=hid, issued_on=received,
            application_id=application_id, receipt_number=f"{received.year}-{n + 1:05d}",
            applicant_name=f"{surname} {given}")
        made_certs += 1
        if application_id is not None:
            applications.change_status(session, application_id, "issued", on=received)
        if rng.random() < 0.01:
            certificates.cancel_certificate(session, issued.id, reason="Маалыматта ката кетти", on=received)
    return made_apps, made_certs


def _require_empty(session: Session) -> None:
    for model in (AiylAimak, Household, Person):
        if session.scalar(select(func.count()).select_from(model)):
            raise ConflictError(_("The database already holds a household book; "
                                  "a demo village can only be written into an empty database."))


def generate(db: Database, *, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED,
             today: dt.date | None = None, office_code: str | None = None, farm_years: int = FARM_YEARS,
             paperwork: bool = False) -> DemoSummary:
    """Write a demo aiyl aimak with ``households`` accounts into a migrated, empty database.

    The same ``seed`` and ``today`` give the same rows (apart from the changed_at timestamps).
    ``farm_years`` years of land and livestock end with the current year; ``paperwork`` adds the last
    year's applications and certificates (see ``_paperwork``).
    All of it is written in one transaction: a failure leaves the database as it was.
    """
    if isinstance(households, bool) or not isinstance(households, int) or not 1 <= households <= MAX_HOUSEHOLDS:
        raise ValidationError({"households": _("The number of households must be a whole number from 1 to {n}.")
                               .format(n=MAX_HOUSEHOLDS)})
    started = time.perf_counter()
    today = today or dt.date.today()
    gen = _Generator(seed, today, farm_years)
    gen.office_code = office_code
    closed = persons = made_apps = made_certs = paper_journal = 0
    with db.session(DEMO_ACTOR) as session:
        _require_empty(session)
        # What the services add to the village (paperwork) carries the demo's id prefix too.
        session.info[ids.PREFIX_KEY] = gen.id_prefix
        made_installation = settings.get(session, ids.INSTALLATION_SETTING) is None
        aimak, villages, streets = gen.territory(session, installation=made_installation)
        gen.aimak_id = aimak.id
        gen.village_ids = [v.id for v in villages]
        gen.village_names = [v.name_ky for v in villages]
        gen.street_ids = [[s.id for s in group] for group in streets]
        plans = gen.plan(households, villages, streets)
        # Bulk Core inserts on the session's own connection: the same transaction as the territory.
        conn = session.connection()
        bulk = _Bulk(conn, DEMO_ACTOR, utcnow())
        for n, plan in enumerate(plans, start=1):
            written, was_closed = gen.household(plan, bulk)
            persons += written
            closed += was_closed
            if n % BATCH == 0:
                bulk.flush()
        bulk.flush()
        if paperwork:
            before = session.scalar(select(func.count()).select_from(ChangeLog))
            made_apps, made_certs = _paperwork(session, seed=seed, today=today, households=households)
            session.flush()
            paper_journal = session.scalar(select(func.count()).select_from(ChangeLog)) - before
        # aimak, settings (office and new installation), villages, streets
        territory_rows = 2 + made_installation + len(villages) + sum(len(g) for g in streets)
    return DemoSummary(
        villages=len(villages), streets=sum(len(g) for g in streets), households=households,
        closed_households=closed, persons=persons, memberships=bulk.counts["membership"],
        dwellings=bulk.counts["dwelling"], land_plots=bulk.counts["land_plot"],
        livestock_counts=bulk.counts["livestock_count"], machinery=bulk.counts["machinery"],
        journal_rows=bulk.journalled + territory_rows + paper_journal, years=gen.years,
        seconds=time.perf_counter() - started, applications=made_apps, certificates=made_certs,
    )


# --- demo database files ------------------------------------------------------------------------

def _sidecars(path: Path) -> list[Path]:
    return [Path(str(path) + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _remove(path: Path) -> None:
    for p in [path, *_sidecars(path)]:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fold_wal(path: Path) -> None:
    """Fold the write-ahead log into the main file, so that one file holds the whole database."""
    with contextlib.closing(sqlite3.connect(str(path))) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for side in _sidecars(path):
        if side.exists():
            if side.stat().st_size:
                raise EnvironmentProblem(_("Could not finish writing {path}; try again.").format(path=path))
            side.unlink()


def _occupied(path: Path) -> bool:
    return path.exists() and (path.is_dir() or path.stat().st_size > 0)


def create_demo_file(path: str | Path, *, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED,
                     today: dt.date | None = None, office_code: str | None = None, farm_years: int = FARM_YEARS,
                     paperwork: bool = False) -> DemoSummary:
    """Create a demo database file at ``path``, which must not exist yet (or be an empty file).

    The village is written into a temporary file in the same folder and renamed into place
    only when complete, so an interrupted run never leaves half a village behind.
    """
    path = Path(path).expanduser()
    if _occupied(path):
        raise ConflictError(_("{path} already exists and is not empty; choose a new file name.").format(path=path))
    leftovers = [s for s in _sidecars(path) if s.exists()]
    if leftovers:
        raise ConflictError(_("{path} exists without its database; remove it or choose a new file name.")
                            .format(path=leftovers[0]))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentProblem(_("Cannot create the folder {path}: {reason}").format(
            path=path.parent, reason=exc.strerror or exc)) from None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    _remove(tmp)
    try:
        db = open_database(tmp)
        try:
            summary = generate(db, households=households, seed=seed, today=today, office_code=office_code,
                               farm_years=farm_years, paperwork=paperwork)
        finally:
            db.dispose()
        _fold_wal(tmp)
        if _occupied(path):
            raise ConflictError(_("{path} was created by another program meanwhile; nothing was overwritten.")
                                .format(path=path))
        os.replace(tmp, path)
        atomic.fsync_dir(path.parent)
    except OSError as exc:
        _remove(tmp)
        raise EnvironmentProblem(_("Cannot write {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    except BaseException:
        _remove(tmp)
        raise
    return summary


def generate_into(target: str, *, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED,
                  today: dt.date | None = None, office_code: str | None = None, farm_years: int = FARM_YEARS,
                  paperwork: bool = False) -> DemoSummary:
    """A demo village in a database given by URL (PostgreSQL), which must be empty."""
    if not is_url(target):
        return create_demo_file(target, households=households, seed=seed, today=today, office_code=office_code,
                                farm_years=farm_years, paperwork=paperwork)
    db = open_database(target)
    try:
        return generate(db, households=households, seed=seed, today=today, office_code=office_code,
                        farm_years=farm_years, paperwork=paperwork)
    finally:
        db.dispose()


def ensure_demo_database(path: str | Path | None = None) -> Path:
    """The demo database, created with the default village on first use (used by ``main.py --demo``).

    It has no user accounts: the app asks the first person at the keyboard to create the administrator.
    """
    path = Path(path).expanduser() if path is not None else demo_db_path()
    if _occupied(path):
        return path
    # The demo file is ours: an empty file or a log left without its database is debris of an earlier run.
    for p in [path, *_sidecars(path)]:
        if p.exists() and not p.is_dir():
            p.unlink()
    try:
        create_demo_file(path, paperwork=True)
    except ConflictError:
        if not _occupied(path):  # another instance won the race: use its file
            raise
    return path
