"""Sync packages: export, trust, import, dry run, replay and consolidated counts on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile

import pytest
from sqlalchemy import func, select

from okmot.db import bulk
from okmot.db.journal import tombstone
from okmot.db.migrate import open_database
from okmot.maintenance import check_database
from okmot.models import ChangeLog, Machinery, Person, SentPackage, SigningKey
from okmot.services import movements, numbering, signing
from okmot.services.signing import check_signature
from okmot.services.territory import home_office
from okmot.services.stats import book_stats
from okmot.sync import scope
from okmot.sync.consolidate import import_package
from okmot.sync.export import ExportCancelled, NothingToExport, export_package
from okmot.sync.package import DriverEncoder, encode_record, read
from okmot.sync.status import offices
from tests.sync_helpers import ACTOR, make_office, snapshot


def _office_facts(office):
    with office.session() as session:
        stats = book_stats(session)
        home = home_office(session)
        return stats, home, scope.live_counts(session, home.id, home.code)


def _sum_stats(stats):
    total = {"villages": 0, "households": {}, "persons": {}, "land_plots": 0, "land_area_m2": 0, "livestock": {}}
    for s in stats:
        total["villages"] += s.villages
        total["land_plots"] += s.land_plots
        total["land_area_m2"] += s.land_area_m2
        for key in ("households", "persons", "livestock"):
            for k, v in getattr(s, key).items():
                total[key][k] = total[key].get(k, 0) + v
    return total


def _consolidate(tmp_path, district):
    offices_ = [make_office(tmp_path, code, seed) for code, seed in (("AA1", 11), ("BB2", 22), ("CC3", 33))]
    try:
        facts, paths = [], []
        for office in offices_:
            paths.append(export_package(office, tmp_path, actor=ACTOR).path)
            facts.append(_office_facts(office))
    finally:
        for office in offices_:
            office.dispose()
    for path in paths:
        dry = import_package(district, path, actor=ACTOR, dry_run=True)
        assert dry.status == "dry_run", dry.message
        assert "not trusted yet" in dry.warnings[0]
        report = import_package(district, path, actor=ACTOR, trust_new=True)
        assert report.status == "imported", report.message
        assert report.tables["household"].new == 10
    with district.session() as session:
        for stats, home, counts in facts:
            assert scope.live_counts(session, home.id, home.code) == counts
        consolidated = book_stats(session)
        total = _sum_stats([f[0] for f in facts])
        assert consolidated.villages == total["villages"]
        assert consolidated.households == total["households"]
        assert consolidated.persons == total["persons"]
        assert consolidated.land_plots == total["land_plots"]
        assert consolidated.land_area_m2 == total["land_area_m2"]
        assert consolidated.livestock == total["livestock"]
        # Private keys never travel: the district holds the offices' public keys only.
        keys = session.scalars(select(SigningKey)).all()
        assert sorted(k.office_code for k in keys) == ["AA1", "BB2", "CC3"]
        assert all(k.private_key is None for k in keys)
        status = offices(session)
        assert [(s.office_code, s.last_sequence, s.packages_imported) for s in status] == [
            ("AA1", 1, 1), ("BB2", 1, 1), ("CC3", 1, 1)]
        assert status[0].counts["household"] == 10
    return paths


def test_three_offices_consolidate_into_sqlite(tmp_path, db):
    paths = _consolidate(tmp_path, db)
    with zipfile.ZipFile(paths[0]) as zf:
        assert zf.namelist()[:2] == ["manifest.json", "manifest.sig"]
        assert b"private_key" not in zf.read("records/signing_key.jsonl")
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["office_code"] == "AA1" and manifest["sequence"] == 1 and manifest["full"] is True
    assert manifest["counts"]["household"] == 10 == manifest["totals"]["household"]
    assert paths[0].name.startswith("okmot-AA1-00001-") and paths[0].name.endswith("-full.okmsync")


def test_three_offices_consolidate_into_postgresql(tmp_path, pg_db):
    district = open_database(pg_db)
    try:
        _consolidate(tmp_path, district)
    finally:
        district.dispose()


@pytest.mark.postgres
def test_postgresql_statistics_are_refreshed_when_an_import_at_least_doubles_a_table(tmp_path, pg_db):
    """The totals check needs planner statistics that know the imported rows: a table is analysed
    when the rows added outnumber those its statistics know of (the first office, then a bigger
    one), not on every package (ANALYZE samples the whole table: a second a package at 20 offices)."""
    from sqlalchemy import event, text

    district = open_database(pg_db)
    analysed: list[str] = []

    def capture(_conn, _cursor, statement, *_args):
        if statement.startswith("ANALYZE"):
            analysed.append(statement)

    event.listen(district.engine, "before_cursor_execute", capture)
    try:
        for code, seed, households in (("AA1", 1, 6), ("BB2", 2, 6), ("CC3", 3, 15)):
            office = make_office(tmp_path, code, seed, households=households)
            try:
                path = export_package(office, tmp_path, actor=ACTOR).path
            finally:
                office.dispose()
            analysed.clear()
            assert import_package(district, path, actor=ACTOR, trust_new=True).status == "imported"
            with district.session() as s:
                known = s.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'household'::regclass"))
            if code == "BB2":
                assert not any('"household"' in a or " household" in a for a in analysed), analysed
                assert known == 6  # the statistics still know the first office's households only
            else:
                assert any(" household" in a for a in analysed), analysed
                assert known == {"AA1": 6, "CC3": 27}[code]
    finally:
        district.dispose()


def test_incremental_package_carries_exactly_the_changes(tmp_path, db):
    office = make_office(tmp_path, "AA1", 5)
    try:
        first = export_package(office, tmp_path, actor=ACTOR)
        assert import_package(db, first.path, actor=ACTOR, trust_new=True).status == "imported"
        with office.session(ACTOR) as session:
            living = session.scalars(select(Person).where(Person.residence_status == "living")
                                     .order_by(Person.id)).all()
            dead, edited = living[0], living[1]
            movements.record_death(session, dead.id, on=dt.date.today())
            edited.occupation = "beekeeper"
            machine = session.scalars(select(Machinery).order_by(Machinery.id)).first()
            tombstone(machine)
        second = export_package(office, tmp_path, actor=ACTOR)
        assert second.sequence == 2 and not second.full
        assert {t: n for t, n in second.counts.items() if n} == {
            "person": 2, "membership": 1, "movement": 1, "machinery": 1}
        with pytest.raises(NothingToExport):
            export_package(office, tmp_path, actor=ACTOR)
        with office.session() as session:
            assert [p.sequence for p in session.scalars(select(SentPackage).order_by(SentPackage.sequence))] == [1, 2]
            village_versions = {p.id: p.version for p in session.scalars(select(Person).where(
                Person.id.in_([dead.id, edited.id])))}
    finally:
        office.dispose()
    report = import_package(db, second.path, actor=ACTOR)
    assert report.status == "imported", report.message
    assert report.tables["person"].updated == 2
    assert report.tables["movement"].new == 1
    assert report.tables["machinery"].deleted == 1
    with db.session() as session:
        assert session.get(Machinery, machine.id).deleted_at is not None
        assert session.get(Person, edited.id).occupation == "beekeeper"
        assert session.get(Person, dead.id).residence_status == "deceased"
        # The village's versions are kept, so a later edit there is recognised as newer.
        assert {p.id: p.version for p in session.scalars(select(Person).where(
            Person.id.in_([dead.id, edited.id])))} == village_versions
        journal = session.scalar(select(func.count()).select_from(ChangeLog))
    before = snapshot(db)
    replay = import_package(db, second.path, actor=ACTOR)
    assert replay.status == "already_imported" and "already imported" in replay.message
    assert snapshot(db) == before
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ChangeLog)) == journal


def test_full_package_resets_the_chain_and_reports_unchanged(tmp_path, db):
    office = make_office(tmp_path, "AA1", 5)
    try:
        first = export_package(office, tmp_path, actor=ACTOR)
        with office.session(ACTOR) as session:
            session.scalars(select(Person).order_by(Person.id)).first().occupation = "teacher"
        export_package(office, tmp_path, actor=ACTOR)  # package 2, never carried to the district
        third = export_package(office, tmp_path, actor=ACTOR, full=True)
    finally:
        office.dispose()
    assert import_package(db, first.path, actor=ACTOR, trust_new=True).status == "imported"
    report = import_package(db, third.path, actor=ACTOR)
    assert report.status == "imported", report.message
    assert report.tables["person"].updated == 1
    assert report.tables["person"].unchanged == first.counts["person"] - 1
    assert read(third.path).manifest["follows"] == 0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def district(request):
    """An empty district database on each engine."""
    if request.param == "sqlite":
        yield request.getfixturevalue("db")
        return
    db = open_database(request.getfixturevalue("pg_db"))
    yield db
    db.dispose()


def _imported_with_links(db, packages: list, links: dict) -> dict:
    """Import ``packages`` in turn; each person of ``links`` then refers to its value, and the chains hold."""
    reports = [import_package(db, path, actor=ACTOR, trust_new=True) for path in packages]
    assert [r.status for r in reports] == ["imported"] * len(packages), [r.message for r in reports]
    with db.session() as session:
        assert {pid: session.get(Person, pid).merged_into_id for pid in links} == links
    assert check_database(db) == []
    return reports[-1].tables


def test_records_referring_to_each_other_import_in_any_order(tmp_path, district):
    """On PostgreSQL the references are set once the streamed COPYs of every table are in."""
    office = make_office(tmp_path, "AA1", 8, households=4)
    try:
        with office.session(ACTOR) as session:
            people = session.scalars(select(Person).order_by(Person.id)).all()
            # One reference to a later id, one to an earlier id: no single order of the file suits both.
            people[0].merged_into_id = people[1].id
            people[3].merged_into_id = people[2].id
            links = {people[0].id: people[1].id, people[3].id: people[2].id}
        result = export_package(office, tmp_path, actor=ACTOR)
    finally:
        office.dispose()
    _imported_with_links(district, [result.path], links)


def test_new_records_referring_to_each_other_import_from_an_incremental_package(tmp_path, district):
    """An office the district already holds: its new records are inserted with the reference empty and linked after."""
    from okmot.models import Household
    from okmot.services import households
    from okmot.services.persons import PersonData

    office = make_office(tmp_path, "AA1", 8, households=4)
    try:
        first = export_package(office, tmp_path, actor=ACTOR)
        with office.session(ACTOR) as session:
            household = session.scalars(select(Household).order_by(Household.id)).first()
            added = [session.get(Person, households.add_member(session, household.id, PersonData("Асанова", name, "F"),
                                                                relation="daughter")[0])
                     for name in ("Айбек", "Бакыт", "Чолпон")]
            session.flush()
            low, mid, high = sorted(added, key=lambda p: p.id)
            # One reference to a later id, one to an earlier id: no single order of the file suits both.
            low.merged_into_id, high.merged_into_id = high.id, mid.id
            links = {low.id: high.id, high.id: mid.id, mid.id: None}
        second = export_package(office, tmp_path, actor=ACTOR)
    finally:
        office.dispose()
    assert _imported_with_links(district, [first.path, second.path], links)["person"].new == 3


def test_district_verifies_certificates_of_imported_offices(tmp_path, db):
    office = make_office(tmp_path, "AA1", 4, households=2)
    try:
        result = export_package(office, tmp_path, actor=ACTOR)
        with office.session(ACTOR) as session:
            payload = signing.sign_record(
                session, office_code="AA1", installation_code=numbering.installation_code(session),
                number="AA1/X/2026/00001", issued_on=dt.date(2026, 11, 1), kind="residence", digest_hex="ab" * 32)
    finally:
        office.dispose()
    with db.session() as session:
        assert check_signature(session, payload).status == "unknown_office"
    assert import_package(db, result.path, actor=ACTOR, trust_new=True).status == "imported"
    with db.session() as session:
        assert check_signature(session, payload).valid


def test_export_reports_progress_and_can_be_cancelled(tmp_path, db):
    office = make_office(tmp_path, "AA1", 6, households=2)
    out = tmp_path / "stick"
    out.mkdir()
    try:
        with pytest.raises(ExportCancelled):
            export_package(office, out, actor=ACTOR, progress=lambda done, total: done < 3)
        assert list(out.iterdir()) == []
        with office.session() as session:
            assert session.scalar(select(func.count()).select_from(SentPackage)) == 0
        seen = []
        result = export_package(office, out, actor=ACTOR, progress=lambda done, total: seen.append((done, total)))
    finally:
        office.dispose()
    assert seen[0] == (0, len(scope.TABLES)) and seen[-1] == (len(scope.TABLES), len(scope.TABLES))
    assert [p.name for p in out.iterdir()] == [result.path.name]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_driver_values_encode_to_the_same_bytes_as_encode_record(engine, request, tmp_path):
    """Export reads driver values (SQLite text, psycopg objects) and must write exactly what encode_record writes."""
    office = make_office(tmp_path, "ENC", 9, households=4)
    try:
        with office.session(ACTOR) as session:
            person = session.scalars(select(Person).order_by(Person.id)).first()
            person.note = 'Асан "Бек"\n\ttab \\ and \u2028'
            person.social_categories = ["veteran", "пенсионер"]
            person.deleted_at = dt.datetime(2024, 1, 2, 3, 4, 5)  # zero microseconds: isoformat drops them
            person.status_date = None
        package = export_package(office, tmp_path, actor=ACTOR)
        if engine == "sqlite":
            source = office
        else:
            source = open_database(request.getfixturevalue("pg_db"))
            assert import_package(source, package.path, actor=ACTOR, trust_new=True).status == "imported"
        try:
            with source.session() as session:
                conn = session.connection()
                office_id = read(package.path).manifest["office_id"]
                for table in scope.TABLES:
                    names = scope.columns(table)
                    expected = sorted((dict(r._mapping) for r in conn.execute(select(*[table.c[n] for n in names]))),
                                      key=lambda r: str(r["id"]))
                    rows = sorted(bulk.fetch(conn, select(*[table.c[n] for n in names])),
                                  key=lambda r: str(r[names.index("id")]))
                    encoded = DriverEncoder(table, names, conn.dialect).encode(rows)
                    assert encoded == b"".join(encode_record(r, names) for r in expected), table.name
                # The counts filtered by each table's own keys equal those over the list of owned ids.
                counts = scope.live_counts(session, uuid.UUID(office_id), "ENC")
                assert counts == {t.name: session.scalar(select(func.count()).select_from(t).where(
                    t.c.id.in_(scope.owned_ids(t.name, uuid.UUID(office_id), "ENC")), t.c.deleted_at.is_(None)))
                    for t in scope.TABLES}
                assert counts["person"] == package.totals["person"] > 0
        finally:
            if source is not office:
                source.dispose()
        with zipfile.ZipFile(package.path) as zf:
            line = next(x for x in zf.read("records/person.jsonl").splitlines() if str(person.id).encode() in x)
        assert b'"deleted_at":"2024-01-02T03:04:05"' in line
        assert json.loads(line)["note"] == 'Асан "Бек"\n\ttab \\ and \u2028'
    finally:
        office.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_records_decode_to_the_driver_values_sqlalchemy_would_bind(engine, tmp_path):
    """decode_driver (fresh offices) gives what decode_all + the bind processors give, other spellings included."""
    from types import SimpleNamespace

    from sqlalchemy import Uuid
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.dialects.postgresql import psycopg

    from okmot.sync.package import RecordDecoder

    dialect = sqlite.dialect() if engine == "sqlite" else psycopg.dialect()
    office = make_office(tmp_path, "DRV", 11, households=3)
    try:
        members = {k: bytes(v) for k, v in read(export_package(office, tmp_path, actor=ACTOR).path).members.items()}
    finally:
        office.dispose()
    checked = 0
    for table in scope.TABLES:
        names = scope.columns(table)
        lines = members.get(f"records/{table.name}.jsonl", b"").splitlines()
        if table.name == "person":
            # Spellings a package never writes but uuid.UUID / fromisoformat accept: the slow path, same values.
            first = json.loads(lines[0])
            first["id"] = first["id"].upper()
            first["changed_at"] = "2026-03-04T05:06:07.123456+06:00"
            lines[0] = json.dumps(first, ensure_ascii=False).encode()
        decoder = RecordDecoder(table, names)
        expected = bulk.driver_rows(SimpleNamespace(dialect=dialect), table, names,
                                    [row for _raw, row in decoder.decode_all(lines)])
        records = decoder.decode_driver(lines, dialect)
        assert records.lines == [line.decode() for line in lines]
        for got, want in zip(records.rows(names), expected, strict=True):
            for name, a, b in zip(names, got, want, strict=True):
                uuid_on_pg = engine == "postgresql" and isinstance(table.c[name].type, Uuid) and a is not None
                # psycopg's Json wrappers do not compare; their objects do.
                assert (uuid.UUID(str(a)) if uuid_on_pg else getattr(a, "obj", a)) == getattr(b, "obj", b), (table.name, name)
                checked += 1
    assert checked > 500
    # An impossible date is refused as before, not stored as text.
    person = scope.BY_NAME["person"]
    line = json.loads(members["records/person.jsonl"].splitlines()[0])
    line["birth_date"] = "2020-02-30"
    with pytest.raises(ValueError):
        RecordDecoder(person, scope.columns(person)).decode_driver([json.dumps(line).encode()], dialect)
