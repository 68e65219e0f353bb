"""A database made by the first released schema (0001) opens in this version: backed up, upgraded, data intact.

The fixture ``tests/fixtures/okmot-schema-0001.sqlite3`` is committed. It was made by ``build_fixture``
below (`python -m tests.test_upgrade_fixture`): Alembic to revision 0001, then rows written with SQL
that matches 0001's tables, as the first release wrote them. Never regenerate it against a newer schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from okmot.db.migrate import head_revision, open_database
from okmot.services import households, search, territory
from okmot.services.context import AppContext

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "okmot-schema-0001.sqlite3"
OFFICE_ID = uuid.UUID("0f0e0d0c-0b0a-4909-8807-060504030201")
#: (account, village index, closed, members: (surname, given name, sex, birth date, relation))
HOUSEHOLDS = (
    ("1", 0, False, (("Төлөгөнов", "Үмөт", "M", "1970-03-14", "head"), ("Төлөгөнова", "Гүлнара", "F", "1974-08-02", "spouse"),
                     ("Үмөтов", "Ыңкар", "M", "2005-01-20", "son"))),
    ("2", 0, False, (("Асанова", "Айгүл", "F", "1981-11-30", "head"), ("Асанов", "Нурбек", "M", "2010-06-05", "son"))),
    ("3", 1, True, (("Сыдыков", "Өмүр", "M", "1939-02-11", "head"),)),
)
ACCOUNTS = {account for account, *_rest in HOUSEHOLDS}


def _hex() -> str:
    return uuid.uuid4().hex


def build_fixture(path: Path) -> None:
    """Write the 0001-schema fixture (run by hand only; the committed file is what the tests use)."""
    from alembic import command

    from okmot.db import migrate
    from okmot.db.engine import Database
    from okmot.identity.names import search_key

    path.unlink(missing_ok=True)
    db = Database(path)
    try:
        with db.engine.begin() as conn:
            cfg = migrate.alembic_config(db.engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
    finally:
        db.dispose()
    now = "2025-01-15 09:30:00.000000"
    sync = lambda: (1, now, None, None)  # noqa: E731 - version, changed_at, changed_by, deleted_at
    with contextlib.closing(sqlite3.connect(path)) as c:
        c.execute("PRAGMA journal_mode=DELETE")
        c.execute("INSERT INTO aiyl_aimak (code, name_ky, name_ru, rayon_ky, rayon_ru, oblast_ky, oblast_ru, id, "
                  "version, changed_at, changed_by, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                  ("41711-05", "Көк-Жар айыл аймагы", "Кок-Жарский айылный аймак", "Ат-Башы району",
                   "Ат-Башинский район", "Нарын облусу", "Нарынская область", OFFICE_ID.hex, *sync()))
        c.execute("INSERT INTO setting (key, value, id, version, changed_at, changed_by, deleted_at) "
                  "VALUES (?,?,?,?,?,?,?)", ("office_id", f'"{OFFICE_ID}"', _hex(), *sync()))
        villages = []
        for code, ky, ru in (("01", "Көк-Жар", "Кок-Жар"), ("02", "Үч-Кайың", "Уч-Кайын")):
            vid = _hex()
            villages.append(vid)
            c.execute("INSERT INTO village (aimak_id, code, name_ky, name_ru, name_key, id, version, changed_at, "
                      "changed_by, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      (OFFICE_ID.hex, code, ky, ru, search_key(ky), vid, *sync()))
        street = _hex()
        c.execute("INSERT INTO street (village_id, name_ky, name_ru, name_key, id, version, changed_at, changed_by, "
                  "deleted_at) VALUES (?,?,?,?,?,?,?,?,?)",
                  (villages[0], "Манас көчөсү", "улица Манаса", search_key("Манас көчөсү"), street, *sync()))
        for account, village, closed, members in HOUSEHOLDS:
            hid = _hex()
            c.execute("INSERT INTO household (aimak_id, account_number, village_id, street_id, house_number, "
                      "apartment, address_note, phone, status, opened_on, closed_on, close_reason, id, version, "
                      "changed_at, changed_by, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (OFFICE_ID.hex, account, villages[village], street if village == 0 else None,
                       str(10 + int(account)), "", "", "", "closed" if closed else "open", "2021-01-01",
                       "2024-12-01" if closed else None, "moved away" if closed else "", hid, *sync()))
            c.execute("INSERT INTO livestock_count (household_id, year, species, heads, id, version, changed_at, "
                      "changed_by, deleted_at) VALUES (?,?,?,?,?,?,?,?,?)",
                      (hid, 2025, "sheep", 10 * int(account), _hex(), *sync()))
            for surname, given, sex, born, relation in members:
                pid = _hex()
                c.execute("INSERT INTO person (pin, pin_override_reason, surname, given_name, father_name, "
                          "patronymic_ky, patronymic_ru, sex, birth_date, nationality, education, occupation, "
                          "workplace, social_categories, disability_group, residence_status, status_date, phone, "
                          "note, surname_key, given_name_key, id, version, changed_at, changed_by, deleted_at) "
                          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                          (None, None, surname, given, "", None, None, sex, born, "", "", "", "", "[]", None,
                           "left" if closed else "living", "2024-12-01" if closed else None, "", "",
                           search_key(surname), search_key(given), pid, *sync()))
                c.execute("INSERT INTO membership (household_id, person_id, relation, from_date, to_date, end_reason, "
                          "id, version, changed_at, changed_by, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                          (hid, pid, relation, "2021-01-01", "2024-12-01" if closed else None,
                           "moved_out" if closed else "", _hex(), *sync()))
        c.commit()
        c.execute("VACUUM")


@pytest.fixture
def old_copy(tmp_path: Path) -> Path:
    path = tmp_path / "okmot.sqlite3"
    shutil.copyfile(FIXTURE, path)
    return path


def _revision(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as c:
        return c.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_the_fixture_is_the_first_released_schema() -> None:
    assert _revision(FIXTURE) == "0001"
    with contextlib.closing(sqlite3.connect(f"{FIXTURE.as_uri()}?mode=ro", uri=True)) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert c.execute("SELECT count(*) FROM household").fetchone()[0] == len(HOUSEHOLDS)
    assert "movement" not in tables  # added by 0002


def test_opening_it_backs_up_upgrades_and_keeps_the_data(old_copy: Path, okmot_home: Path) -> None:
    db = open_database(old_copy)
    ctx = AppContext(db=db, upgrade=db.last_upgrade)
    try:
        result = ctx.upgrade
        with db.engine.connect() as conn:  # the upgrade switched foreign keys off; they are back on
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (result.from_revision, result.to_revision) == ("0001", head_revision()) and result.changed
        assert result.backup.parent == okmot_home / "backups" and "before-upgrade-0001" in result.backup.name
        with ctx.read() as s:
            office = territory.home_office(s)
            assert (office.code, office.name_ky) == ("41711-05", "Көк-Жар айыл аймагы")
            assert [v.name_ky for v in territory.list_villages(s)] == ["Көк-Жар", "Үч-Кайың"]
            rows = search.find_households(s, search.HouseholdFilter(), limit=10)
            assert {r.account_number for r in rows} == ACCOUNTS
            first = households.get_card(s, households.household_id_by_account(s, "1"))
            names = [(m.person.data.surname, m.person.data.given_name, m.relation) for m in first.current_members]
            assert names == [("Төлөгөнов", "Үмөт", "head"), ("Төлөгөнова", "Гүлнара", "spouse"),
                             ("Үмөтов", "Ыңкар", "son")]
            assert first.members[0].person.data.birth_date == dt.date(1970, 3, 14)
            assert first.livestock[2025]["sheep"] == 10
            closed = households.get_card(s, households.household_id_by_account(s, "3"))
            assert closed.status == "closed" and closed.close_reason == "moved away"
            # Search by a name with Kyrgyz letters works on the upgraded rows.
            found = search.find_households(s, search.HouseholdFilter(text="үмөт"), limit=10)
            assert {r.account_number for r in found} == {"1"}
    finally:
        ctx.close()
    # The backup is the database as it was: still 0001, same households.
    assert _revision(result.backup) == "0001"
    with contextlib.closing(sqlite3.connect(f"{result.backup.as_uri()}?mode=ro", uri=True)) as c:
        assert {r[0] for r in c.execute("SELECT account_number FROM household")} == ACCOUNTS
    # Opening again: already at head, nothing to do, no second backup.
    again = open_database(old_copy)
    try:
        assert not again.last_upgrade.changed and again.last_upgrade.backup is None
    finally:
        again.dispose()
    assert len(list((okmot_home / "backups").iterdir())) == 1


def test_the_app_tells_the_user_about_the_upgrade_and_the_backup(old_copy: Path) -> None:
    from ui.app import upgrade_message

    db = open_database(old_copy)
    try:
        text = upgrade_message(db.last_upgrade)
    finally:
        db.dispose()
    assert str(db.last_upgrade.backup) in text
    assert "0001" in text and head_revision() in text
    new_db = open_database(old_copy.with_name("new.sqlite3"))
    try:
        assert upgrade_message(new_db.last_upgrade) is None  # a brand-new database was not "upgraded"
    finally:
        new_db.dispose()


def test_an_older_version_refuses_a_newer_database_in_the_window(old_copy: Path, monkeypatch) -> None:
    import ui.app

    with contextlib.closing(sqlite3.connect(old_copy)) as c:
        c.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_okmot'")
        c.commit()
    shown = []
    monkeypatch.setattr(ui.app, "show_error", lambda parent, message, title=None: shown.append((title, message)))
    assert ui.app.open_or_explain(old_copy) is None
    assert len(shown) == 1 and shown[0][0] == "Cannot open the database"
    assert "newer version of Okmot" in shown[0][1] and "nothing was changed" in shown[0][1]
    assert _revision(old_copy) == "9999_from_a_newer_okmot"  # nothing was migrated
    with contextlib.closing(sqlite3.connect(f"{old_copy.as_uri()}?mode=ro", uri=True)) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert c.execute("SELECT count(*) FROM household").fetchone()[0] == len(HOUSEHOLDS)
    assert "movement" not in tables


if __name__ == "__main__":
    build_fixture(FIXTURE)
    print(FIXTURE)
