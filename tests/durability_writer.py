"""Child process for the crash test: writes households until killed, printing each committed one."""

from __future__ import annotations

import datetime as dt
import sys

from okmot.db.engine import Actor
from okmot.db.migrate import open_database
from okmot.services import households, territory
from okmot.services.households import HouseholdData
from okmot.services.persons import PersonData


def main(path: str, start: int) -> None:
    db = open_database(path)
    actor = Actor(None, "crash-test")
    with db.session(actor) as s:
        villages = territory.list_villages(s)
        if not villages:
            office = territory.create_office(s, code="1", name_ky="Сыноо", name_ru="Тест")
            villages = [territory.create_village(s, aimak_id=office.id, code="1", name_ky="Айыл", name_ru="Село")]
    village = villages[0].id
    n = start
    while True:
        account = f"{n:06d}"
        with db.session(actor) as s:
            hid, _changes = households.create_household(
                s, HouseholdData(account, village, house_number=str(n)),
                head=PersonData("Өмүрбеков", f"Нурлан{n}", "M", birth_date=dt.date(1980, 1, 1)))
            for i in range(3):
                households.add_member(s, hid, PersonData("Өмүрбекова", f"Айгүл{i}", "F"), relation="daughter")
        # Printed only after the commit returned: every printed account must survive the kill.
        print(account, flush=True)
        n += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
