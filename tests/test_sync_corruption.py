"""Damaged, forged, replayed out of order or too new packages are refused and nothing is written."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from okmot.db.migrate import open_database
from okmot.maintenance import check_database
from okmot.models import Household, Person
from okmot.sync import scope
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from okmot.sync.package import encode_record, read
from tests.sync_helpers import ACTOR, forge, make_office, private_key_of, snapshot


@pytest.fixture
def setup(tmp_path, db):
    """A district that imported package 1 of office AA1, the office's package 2 and 3, and its key."""
    office = make_office(tmp_path, "AA1", 7, households=6)
    try:
        first = export_package(office, tmp_path, actor=ACTOR)
        for n, job in enumerate(("driver", "baker")):
            with office.session(ACTOR) as session:
                session.scalars(select(Person).order_by(Person.id)).all()[n].occupation = job
            export_package(office, tmp_path, actor=ACTOR)
        key = private_key_of(office)
    finally:
        office.dispose()
    assert import_package(db, first.path, actor=ACTOR, trust_new=True).status == "imported"
    second, third = sorted(tmp_path.glob("okmot-AA1-0000[23]-*.okmsync"))
    return {"db": db, "second": second, "third": third, "key": key, "tmp": tmp_path, "before": snapshot(db)}


def _refused(setup, path: Path, reason: str | None = None, *, trust_new: bool = True):
    report = import_package(setup["db"], path, actor=ACTOR, trust_new=trust_new)
    assert report.status == "refused", report
    if reason is not None:
        assert report.reason == reason, report.message
    assert snapshot(setup["db"]) == setup["before"]
    return report


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flipped_byte_or_truncation_is_refused(setup, data):
    original = setup["second"].read_bytes()
    bad = bytearray(original)
    if data.draw(st.booleans(), label="truncate"):
        bad = bad[:data.draw(st.integers(0, len(original) - 1), label="length")]
    else:
        at = data.draw(st.integers(0, len(original) - 1), label="offset")
        bad[at] ^= data.draw(st.integers(1, 255), label="mask")
    path = setup["tmp"] / "damaged.okmsync"
    path.write_bytes(bytes(bad))
    _refused(setup, path)


def test_edited_record_is_refused(setup):
    def edit(members):
        name = "records/person.jsonl"
        members[name] = members[name].replace(b'"driver"', b'"mayor"')

    # The hashes follow the edit, so only the signature can tell: a stranger's key cannot pass.
    stranger = Ed25519PrivateKey.generate()
    path = forge(setup["second"], setup["tmp"] / "edited.okmsync", stranger, member_edit=edit)
    _refused(setup, path, "bad_signature")


def test_record_not_matching_its_hash_is_refused(setup):
    def edit(members):
        name = "records/person.jsonl"
        members[name] = members[name].replace(b'"driver"', b'"mayor"')

    old_hashes = json.loads(read(setup["second"]).manifest_raw)["files"]

    def keep_old_hashes(manifest):
        manifest["files"] = old_hashes

    path = forge(setup["second"], setup["tmp"] / "edited.okmsync", setup["key"], member_edit=edit,
                 manifest_edit=keep_old_hashes)
    report = _refused(setup, path, "damaged")
    assert "person.jsonl" in report.message


def test_counts_off_roll_the_import_back(setup):
    def more(manifest):
        manifest["totals"]["person"] += 1

    report = _refused(setup, forge(setup["second"], setup["tmp"] / "counts.okmsync", setup["key"], manifest_edit=more),
                      "counts")
    assert "person" in report.message


def test_record_count_not_matching_the_file_is_refused(setup):
    def more(manifest):
        manifest["counts"]["person"] += 1

    _refused(setup, forge(setup["second"], setup["tmp"] / "counts.okmsync", setup["key"], manifest_edit=more), "counts")


def test_known_office_signed_by_another_key_is_refused(setup):
    stranger = Ed25519PrivateKey.generate()
    path = forge(setup["second"], setup["tmp"] / "foreign.okmsync", stranger, claim_key=True)
    report = _refused(setup, path, "foreign_key")
    assert "another key" in report.message


def test_a_gap_names_the_missing_packages(setup):
    report = _refused(setup, setup["third"], "gap")
    assert "Packages 2 of office AA1 are missing" in report.message


def test_a_newer_schema_asks_to_update_okmot(setup):
    def future(manifest):
        manifest["schema_version"] = "9999"

    report = _refused(setup, forge(setup["second"], setup["tmp"] / "future.okmsync", setup["key"],
                                   manifest_edit=future), "newer")
    assert "update Okmot" in report.message


def test_a_package_from_before_an_index_only_migration_is_imported(setup):
    """0006 only added indexes: an office still at 0005 sends the same records, and they are imported."""
    def before_0006(manifest):
        manifest["schema_version"] = "0005"

    path = forge(setup["second"], setup["tmp"] / "at-0005.okmsync", setup["key"], manifest_edit=before_0006)
    report = import_package(setup["db"], path, actor=ACTOR)
    assert report.status == "imported", report.message
    with setup["db"].session() as s:
        assert "driver" in s.scalars(select(Person.occupation)).all()


def test_a_package_from_before_a_records_migration_asks_the_office_to_update(setup):
    def before_0005(manifest):
        manifest["schema_version"] = "0004"

    report = _refused(setup, forge(setup["second"], setup["tmp"] / "at-0004.okmsync", setup["key"],
                                   manifest_edit=before_0005), "older")
    assert "0004" in report.message and "update Okmot in the office" in report.message


def test_an_older_package_after_a_newer_one_is_refused(setup):
    assert import_package(setup["db"], setup["second"], actor=ACTOR).status == "imported"
    assert import_package(setup["db"], setup["third"], actor=ACTOR).status == "imported"
    setup["before"] = snapshot(setup["db"])

    def replay_as_new(manifest):
        manifest["package_id"] = "00000000-0000-4000-8000-000000000002"

    _refused(setup, forge(setup["second"], setup["tmp"] / "old.okmsync", setup["key"], manifest_edit=replay_as_new),
             "out_of_order")


def test_an_untrusted_office_needs_explicit_trust(tmp_path, db):
    office = make_office(tmp_path, "ZZ9", 3, households=3)
    try:
        result = export_package(office, tmp_path, actor=ACTOR)
    finally:
        office.dispose()
    before = snapshot(db)
    report = import_package(db, result.path, actor=ACTOR)
    assert report.status == "refused" and report.reason == "untrusted"
    assert report.fingerprint in report.message and len(report.fingerprint) == 16
    assert snapshot(db) == before


def test_an_office_cannot_change_another_offices_records(setup):
    """Office BB2 signs, with its own trusted key, a package that edits a household of office AA1."""
    office = make_office(setup["tmp"], "BB2", 8, households=3)
    try:
        first = export_package(office, setup["tmp"], actor=ACTOR)
        key = private_key_of(office)
    finally:
        office.dispose()
    db = setup["db"]
    assert import_package(db, first.path, actor=ACTOR, trust_new=True).status == "imported"
    setup["before"] = snapshot(db)
    aa1_household = read(setup["second"]).manifest  # any AA1 package names its office id
    with db.session() as session:
        row = session.execute(select(Household.__table__).where(
            Household.aimak_id == uuid.UUID(aa1_household["office_id"])).limit(1)).one()
    stolen = dict(row._mapping, version=row.version + 1, note="taken over")
    line = encode_record(stolen, scope.columns(Household.__table__))

    def members(m):
        for name in m:
            m[name] = b""
        m["records/household.jsonl"] = line

    def manifest(mf):
        mf.update(package_id=str(uuid.uuid4()), sequence=2, follows=1, full=False)
        mf["counts"] = {t: 0 for t in mf["counts"]} | {"household": 1}

    path = forge(first.path, setup["tmp"] / "steal.okmsync", key, member_edit=members, manifest_edit=manifest)
    report = _refused(setup, path, "foreign_records")
    assert "belongs to another office" in report.message


def test_a_repacked_compressed_package_is_refused(setup):
    import zipfile

    path = setup["tmp"] / "repacked.okmsync"
    with zipfile.ZipFile(setup["second"]) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    report = _refused(setup, path, "damaged")
    assert "compressed members" in report.message


# --------------------------------------------------------------------------- a new office's package, refused part way
# An office the district holds nothing of is inserted as it is (on PostgreSQL streamed to the server
# while later tables are still being decoded): a refusal found late must still leave nothing behind.


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def district(request, tmp_path):
    target = str(tmp_path / "district.sqlite3") if request.param == "sqlite" else request.getfixturevalue("pg_db")
    db = open_database(target)
    yield db
    db.dispose()


def _office_package(tmp_path: Path, code: str, seed: int) -> tuple[Path, Ed25519PrivateKey]:
    office = make_office(tmp_path, code, seed, households=3)
    try:
        return export_package(office, tmp_path, actor=ACTOR).path, private_key_of(office)
    finally:
        office.dispose()


def _first_id(path: Path, table: str) -> str:
    return json.loads(bytes(read(path).members[f"records/{table}.jsonl"]).splitlines()[0])["id"]


def _refused_then_genuine_imports(district, forged: Path, genuine: Path, reason: str, names: str) -> None:
    before = snapshot(district)
    report = import_package(district, forged, actor=ACTOR, trust_new=True)
    assert report.status == "refused" and report.reason == reason, report.message
    # The cause itself, not a later statement's "transaction aborted".
    assert names in report.message, report.message
    assert snapshot(district) == before
    # The refused import left the connection, the journal's chain and the audit trail whole.
    assert import_package(district, genuine, actor=ACTOR, trust_new=True).status == "imported"
    assert check_database(district) == []


def test_a_new_office_holding_another_offices_record_id_is_refused(tmp_path, district):
    first, _key = _office_package(tmp_path, "AA1", 3)
    assert import_package(district, first, actor=ACTOR, trust_new=True).status == "imported"
    second, key = _office_package(tmp_path, "BB2", 4)
    held, theirs = _first_id(first, "person"), _first_id(second, "person")

    def take_the_held_id(members):
        for name in members:
            members[name] = members[name].replace(theirs.encode(), held.encode())

    forged = forge(second, tmp_path / "clash.okmsync", key, member_edit=take_the_held_id)
    # SQLite: "UNIQUE constraint failed: person.id"; PostgreSQL: "duplicate key … "person_pkey"".
    _refused_then_genuine_imports(district, forged, second, "clash", "person")


def test_a_damaged_record_in_a_new_offices_last_table_writes_nothing(tmp_path, district):
    first, _key = _office_package(tmp_path, "AA1", 3)
    assert import_package(district, first, actor=ACTOR, trust_new=True).status == "imported"
    second, key = _office_package(tmp_path, "BB2", 4)
    members = read(second).members
    last = [t for t in scope.TABLE_NAMES if bytes(members.get(f"records/{t}.jsonl", b""))][-1]

    def damage_the_last_record(members):
        name = f"records/{last}.jsonl"
        *head, line = members[name].splitlines()
        record = json.loads(line)
        record["version"] = str(record["version"])  # valid JSON, a text where a number belongs
        members[name] = b"\n".join([*head, json.dumps(record, sort_keys=True, separators=(",", ":")).encode()]) + b"\n"

    forged = forge(second, tmp_path / "damaged.okmsync", key, member_edit=damage_the_last_record)
    _refused_then_genuine_imports(district, forged, second, "damaged", f"{last}.jsonl")
