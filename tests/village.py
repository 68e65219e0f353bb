"""A small hand-built village for UI tests: known households, people and livestock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from okmot.services import auth, farm, households, territory
from okmot.services.context import AppContext, open_context
from okmot.services.persons import PersonData

PASSWORD = "correct-horse-7"


def build(path: Path, households_count: int = 12) -> AppContext:
    """Create a migrated database at ``path`` with one office, two villages and some households."""
    ctx = open_context(path)
    with ctx.system("test") as s:
        office = territory.create_office(s, code="41708-10", name_ky="Ак-Суу айыл аймагы",
                                         name_ru="Ак-Суйский айылный аймак")
        v1 = territory.create_village(s, aimak_id=office.id, code="01", name_ky="Ак-Суу", name_ru="Ак-Суу")
        v2 = territory.create_village(s, aimak_id=office.id, code="02", name_ky="Көк-Жар", name_ru="Кок-Жар")
        st1 = territory.create_street(s, village_id=v1.id, name_ky="Манас көчөсү", name_ru="ул. Манаса")
        st2 = territory.create_street(s, village_id=v2.id, name_ky="Өрүк көчөсү", name_ru="ул. Урюковая")
        ctx.user = auth.create_first_admin(s, username="aida", full_name="Аида Токтосунова", password=PASSWORD)
    surnames = ["Асанов", "Өмүрбеков", "Үсөнов", "Токтосунов", "Жумабаев", "Ниязов"]
    with ctx.write() as s:
        for i in range(households_count):
            village, street = (v1, st1) if i % 2 == 0 else (v2, st2)
            surname = surnames[i % len(surnames)]
            hid, _changes = households.create_household(
                s, households.HouseholdData(f"{i + 1:04d}", village.id, street.id, str(i + 1) if i % 4 else ""),
                head=PersonData(surname, "Бекзат", "M", father_name="Асан", birth_date=dt.date(1970 + i, 5, 15),
                                pin=f"2150519{70 + i}{i:05d}"))
            households.add_member(s, hid, PersonData(surname + "а", "Айгүл", "F", father_name="Токтосун",
                                                     birth_date=dt.date(1975, 1, 2)), relation="spouse")
            farm.save_livestock(s, hid, dt.date.today().year - 1, {"cattle": 2, "cows": 1, "sheep": 8})
            farm.save_livestock(s, hid, dt.date.today().year, {"cattle": 3, "cows": 2, "sheep": 10 + i})
            farm.save_land(s, hid, dt.date.today().year, [farm.PlotData("household_plot", 800 + i)])
    return ctx
