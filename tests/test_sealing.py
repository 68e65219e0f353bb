"""Sync packages encrypted to the district's key: round trip, wrong key, altered ciphertext, no key."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from okmot.db.migrate import open_database
from okmot.errors import UserError
from okmot.models import Household, Person, SentPackage
from okmot.services import office_setup, settings
from okmot.sync import district_key, sealing
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from okmot.sync.reference_apply import apply_file
from tests.sync_helpers import ACTOR, make_office, snapshot


def _district(folder, name="district.sqlite3"):
    db = open_database(folder / name)
    path, _fp = district_key.export_key_file(db, folder / f"{name}.pem", actor=ACTOR)
    return db, path.read_bytes()


def _give_key(office, key_file: bytes) -> None:
    with office.session(ACTOR) as s:
        settings.put(s, "district_public_key", base64.b64encode(key_file).decode("ascii"))
        settings.put(s, "district_key_fingerprint", office_setup.key_fingerprint(key_file))


@pytest.fixture
def setup(tmp_path):
    office = make_office(tmp_path, "AA1", 11, households=3)
    district, key_file = _district(tmp_path)
    other, _other_key = _district(tmp_path, "other.sqlite3")
    try:
        yield tmp_path, office, district, key_file, other
    finally:
        for db in (office, district, other):
            db.dispose()


def test_encrypted_package_round_trip(setup) -> None:
    folder, office, district, key_file, _other = setup
    _give_key(office, key_file)
    result = export_package(office, folder, actor=ACTOR, encrypt=True)
    data = result.path.read_bytes()
    assert data.startswith(sealing.MAGIC) and not zipfile.is_zipfile(result.path)
    # Nothing of the book is readable in the file: not even a surname in UTF-8.
    with office.session() as s:
        households = s.scalar(select(func.count()).select_from(Household))
        surname = s.scalar(select(Person.surname).order_by(Person.surname).limit(1))
    # Markers long enough that random ciphertext cannot hold them by chance (a 3-byte office code could).
    for plain in (b"household", b"records/person.jsonl", b'"account_number"', surname.encode("utf-8")):
        assert plain not in data, plain
    report = import_package(district, result.path, actor=ACTOR, trust_new=True)
    assert report.status == "imported", report.message
    assert report.tables["household"].new == households
    with district.session() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == households


def test_wrong_key_and_flipped_byte_are_refused_writing_nothing(setup) -> None:
    folder, office, district, key_file, other = setup
    _give_key(office, key_file)
    path = export_package(office, folder, actor=ACTOR, encrypt=True).path
    before = snapshot(other)
    report = import_package(other, path, actor=ACTOR, trust_new=True)
    assert report.status == "refused" and report.reason == "wrong_key"
    assert "encrypted to another district key" in report.message
    assert snapshot(other) == before

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped = folder / "flipped.okmsync"
    flipped.write_bytes(bytes(data))
    before = snapshot(district)
    report = import_package(district, flipped, actor=ACTOR, trust_new=True)
    assert report.status == "refused" and report.reason == "damaged"
    assert "altered or damaged" in report.message
    assert snapshot(district) == before
    # The untouched file still imports: the refusal left no trace that would block it.
    assert import_package(district, path, actor=ACTOR, trust_new=True).status == "imported"


def test_a_database_without_district_key_cannot_open_it(setup, tmp_path) -> None:
    folder, office, district, key_file, _other = setup
    _give_key(office, key_file)
    path = export_package(office, folder, actor=ACTOR, encrypt=True).path
    plain = open_database(tmp_path / "plain.sqlite3")
    try:
        report = import_package(plain, path, actor=ACTOR, trust_new=True)
    finally:
        plain.dispose()
    assert report.reason == "encrypted" and "has no district key" in report.message


def test_encrypting_without_district_key_writes_nothing(setup) -> None:
    folder, office, *_ = setup
    with pytest.raises(UserError, match="no district key"):
        export_package(office, folder, actor=ACTOR, encrypt=True)
    assert list(folder.glob("*.okmsync")) == []
    with office.session() as s:
        assert s.scalar(select(func.count()).select_from(SentPackage)) == 0


def test_reference_package_is_not_mistaken_for_a_sync_package(setup) -> None:
    folder, office, district, key_file, _other = setup
    _give_key(office, key_file)
    # A sync package given to the reference import is refused as damaged, not half-read.
    path = export_package(office, folder, actor=ACTOR).path
    report = apply_file(office, path, actor=ACTOR)
    assert report.status == "refused" and report.reason == "damaged"


def test_cli_export_encrypt(setup, capsys) -> None:
    from okmot import cli

    folder, office, district, key_file, _other = setup
    _give_key(office, key_file)
    office_path = office.engine.url.database
    office.dispose()
    assert cli.main(["--lang", "en", "sync", "export", "--db", office_path, "--out", str(folder), "--encrypt"]) == 0
    path = capsys.readouterr().out.strip()
    assert sealing.is_sealed(Path(path).read_bytes())
    report = import_package(district, path, actor=ACTOR, trust_new=True)
    assert report.status == "imported" and report.office_code == "AA1"
