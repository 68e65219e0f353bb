"""Hostile sync packages beyond flipped bytes: validly signed packages with nonsense manifests or records,
and zips no Okmot ever writes (doubled members, path traversal, overlapping members, huge members).

Every one is reported as refused with a translated message and leaves the district database unchanged;
none raises."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from okmot.models import Person
from okmot.sync import package
from okmot.sync.consolidate import import_package
from okmot.sync.export import export_package
from tests.sync_helpers import ACTOR, forge, make_office, private_key_of, snapshot

FAST = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SLOW = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_json = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats()
                     | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)
_MANIFEST_KEYS = ["format", "format_version", "schema_version", "app_version", "package_id", "office_code",
                  "office_id", "installation_id", "sequence", "follows", "full", "created_at", "public_key",
                  "counts", "totals", "files"]


@pytest.fixture(scope="module")
def office_packages(tmp_path_factory):
    """Office AA1's first package, its package 2 and its signing key (made once: a demo office takes seconds)."""
    folder = tmp_path_factory.mktemp("office")
    office = make_office(folder, "AA1", 7, households=4)
    try:
        first = export_package(office, folder, actor=ACTOR).path
        with office.session(ACTOR) as session:
            session.scalars(select(Person).order_by(Person.id)).first().occupation = "driver"
        second = export_package(office, folder, actor=ACTOR).path
        key = private_key_of(office)
    finally:
        office.dispose()
    return first, second, key


@pytest.fixture
def setup(tmp_path, db, office_packages):
    """A district that imported package 1 of office AA1; the office's package 2 and its signing key."""
    first, second, key = office_packages
    assert import_package(db, first, actor=ACTOR, trust_new=True).status == "imported"
    return {"db": db, "second": second, "key": key, "tmp": tmp_path, "before": snapshot(db)}


def _outcome(setup, path: Path) -> str:
    """Import ``path``: it never raises; anything but an import leaves the database row for row as it was."""
    report = import_package(setup["db"], path, actor=ACTOR)
    assert report.message.strip() and "Traceback" not in report.message
    if report.status == "imported":
        setup["before"] = snapshot(setup["db"])
    else:
        assert report.status in ("refused", "already_imported"), report
        assert snapshot(setup["db"]) == setup["before"], report
    return report.status


@st.composite
def manifest_edits(draw):
    """A manifest with keys removed, retyped, or set to huge or negative numbers."""
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(_MANIFEST_KEYS))
        how = draw(st.sampled_from(["drop", "json", "huge", "negative", "table"]))
        if how == "drop":
            edits.append((key, "drop", None))
        elif how == "json":
            edits.append((key, "set", draw(_json)))
        elif how == "huge":
            edits.append((key, "set", draw(st.sampled_from([2 ** 63, 2 ** 64 + 1, 10 ** 30, 1e308]))))
        elif how == "negative":
            edits.append((key, "set", draw(st.integers(-2 ** 63, -1))))
        else:  # one table's count or total
            table = draw(st.sampled_from(["person", "household", "membership", "../etc", ""]))
            field = draw(st.sampled_from(["counts", "totals", "files"]))
            edits.append((field, "entry", (table, draw(st.one_of(_json, st.integers(-5, 2 ** 64))))))
    return edits


def _apply(manifest: dict, edits) -> None:
    for key, how, value in edits:
        if how == "drop":
            manifest.pop(key, None)
        elif how == "set":
            manifest[key] = value
        elif isinstance(manifest.get(key), dict):
            manifest[key][value[0]] = value[1]


@st.composite
def record_edits(draw):
    """One record of a table with a field retyped, removed or added."""
    table = draw(st.sampled_from(["person", "household", "membership", "livestock_count"]))
    how = draw(st.sampled_from(["retype", "retype", "drop", "unknown", "not_an_object", "garbage_line"]))
    field = draw(st.sampled_from(["id", "version", "deleted_at", "changed_at", "birth_date", "surname", "sex",
                                  "household_id", "person_id", "heads", "year", "account_number", "status"]))
    value = draw(st.one_of(_json, st.sampled_from([2 ** 63, -2 ** 63 - 1, "2026-13-45", "not-a-uuid", True, 1.5,
                                                   "", "x" * 10_000])))
    return table, how, field, value


def _edit_records(members: dict, edit) -> None:
    table, how, field, value = edit
    name = package.records_member(table)
    lines = members.get(name, b"").splitlines()
    if not lines:
        members[name] = b"{}\n" if how != "garbage_line" else b"\xff\xfe{\n"
        return
    record = json.loads(lines[0])
    if how == "retype":
        record[field] = value
    elif how == "drop":
        record.pop(field, None)
    elif how == "unknown":
        record["injected_column"] = value
    lines[0] = (json.dumps(record).encode() if how != "not_an_object" else json.dumps([record]).encode())
    if how == "garbage_line":
        lines[0] = lines[0][: len(lines[0]) // 2]
    members[name] = b"\n".join(lines) + b"\n"


def test_signed_packages_with_nonsense_manifests_are_refused(setup):
    statuses = set()

    @FAST
    @given(edits=manifest_edits())
    def run(edits) -> None:
        path = forge(setup["second"], setup["tmp"] / "manifest.okmsync", setup["key"],
                     manifest_edit=lambda m: _apply(m, edits))
        statuses.add(_outcome(setup, path))

    run()
    assert "refused" in statuses


def test_signed_packages_with_retyped_records_are_refused(setup):
    statuses = set()

    @FAST
    @given(edit=record_edits())
    def run(edit) -> None:
        path = forge(setup["second"], setup["tmp"] / "records.okmsync", setup["key"],
                     member_edit=lambda members: _edit_records(members, edit))
        statuses.add(_outcome(setup, path))

    run()
    assert "refused" in statuses


@pytest.mark.slow
def test_many_nonsense_packages(setup):
    @SLOW
    @given(edits=manifest_edits(), edit=record_edits())
    def run(edits, edit) -> None:
        path = forge(setup["second"], setup["tmp"] / "both.okmsync", setup["key"],
                     manifest_edit=lambda m: _apply(m, edits), member_edit=lambda members: _edit_records(members, edit))
        _outcome(setup, path)

    run()


def test_a_text_in_an_integer_column_is_refused_before_sqlite_stores_it(setup):
    def retype(members):
        _edit_records(members, ("person", "retype", "version", "7"))

    path = forge(setup["second"], setup["tmp"] / "text.okmsync", setup["key"], member_edit=retype)
    report = import_package(setup["db"], path, actor=ACTOR)
    assert report.status == "refused" and report.reason == "damaged"
    assert "person.version has a value of the wrong type" in report.message
    assert snapshot(setup["db"]) == setup["before"]


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, data)
    return out.getvalue()


def _parts(setup) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(setup["second"]) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _refused_read(setup, name: str, data: bytes, detail: str) -> None:
    path = setup["tmp"] / name
    path.write_bytes(data)
    report = import_package(setup["db"], path, actor=ACTOR)
    assert report.status == "refused" and report.reason == "damaged", report
    assert detail in report.message
    assert "The package is damaged or not an Okmot sync package" in report.message
    assert snapshot(setup["db"]) == setup["before"]


def test_a_member_twice_is_refused(setup):
    parts = _parts(setup)
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = _zip(parts + [parts[-1]])
    _refused_read(setup, "twice.okmsync", data, "a file appears twice")


@pytest.mark.parametrize("name", ["../../evil.jsonl", "/etc/passwd", "records/../../x.jsonl", "records\\..\\x.jsonl",
                                  "records/Person.jsonl", "records/person.jsonl/extra", "C:/x.jsonl"])
def test_path_traversal_and_odd_member_names_are_refused(setup, name):
    parts = _parts(setup)
    _refused_read(setup, "odd.okmsync", _zip(parts[:2] + [(name, b"")] + parts[2:]), "unexpected file")


def test_too_many_members_are_refused(setup):
    parts = _parts(setup)
    extra = [(f"records/t{i}.jsonl", b"") for i in range(package.MAX_MEMBERS)]
    _refused_read(setup, "many.okmsync", _zip(parts + extra), "too many files")


def test_overlapping_members_zip_bomb_is_refused_before_reading(setup, monkeypatch):
    """Central-directory entries that all point at one big stored member: each would read the whole file."""
    body = b"x" * 200_000
    data = bytearray(_zip([(package.MANIFEST, b"{}"), (package.SIGNATURE, b"s"), ("records/person.jsonl", body)]))
    # Duplicate the central-directory entry of the big member under other names, same local header offset.
    end = data.rindex(b"PK\x05\x06")
    central_start = struct.unpack("<I", data[end + 16:end + 20])[0]
    central = bytes(data[central_start:end])
    big = central[central.index(b"PK\x01\x02", central.index(b"manifest.sig")):]
    # Same name length as records/person.jsonl, so the entry's length fields stay right.
    copies = [big.replace(b"records/person.jsonl", f"records/c{i:05d}.jsonl".encode()) for i in range(40)]
    new_central = central + b"".join(copies)
    entries = 3 + len(copies)
    tail = bytearray(data[end:end + 22])
    tail[8:10] = tail[10:12] = struct.pack("<H", entries)
    tail[12:16] = struct.pack("<I", len(new_central))
    bomb = bytes(data[:central_start]) + new_central + bytes(tail)
    reads = []
    original = zipfile.ZipFile.read
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: reads.append(name) or original(
        self, name, pwd))
    _refused_read(setup, "bomb.okmsync", bomb, "file sizes do not add up")
    assert reads == []  # refused from the directory alone, before a single byte was unpacked


def test_a_compressed_member_that_would_inflate_is_refused_before_reading(setup, monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(package.MANIFEST, b"{}")
        zf.writestr(package.SIGNATURE, b"s")
        zf.writestr("records/person.jsonl", b"\0" * 20_000_000)  # 20 MB of zeros packs into some 20 kB
    reads = []
    original = zipfile.ZipFile.read
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: reads.append(name) or original(
        self, name, pwd))
    _refused_read(setup, "deflate-bomb.okmsync", out.getvalue(), "compressed members")
    assert reads == []
