"""Reference packages district → village: publish, verify against the district key, preview, apply, refuse."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from okmot import cli
from okmot.db.engine import Actor
from okmot.db.journal import tombstone
from okmot.db.migrate import open_database
from okmot.errors import UserError
from okmot.models import AuditEvent, ChangeLog, ServiceEntry
from okmot.services import office_setup, service_register, settings, work_calendar
from okmot.sync import district_key, package, reference
from okmot.sync.reference_apply import apply_file, in_use
from tests import certificate_fixtures
from tests.sync_helpers import snapshot

ACTOR = Actor(user_id=None, username="test:reference")
ORZO = dt.date(2027, 3, 20)


def make_district(folder: Path, name: str = "district.sqlite3"):
    """A district database holding the shipped register, edited as a district would, a calendar and norms."""
    db = open_database(folder / name)
    with db.session(ACTOR) as s:
        service_register.install_shipped(s)
        settings.put(s, "income_norms", {"land": {"household_plot": 6_000_000}, "livestock": {"sheep": 350_000}})
        work_calendar.set_day(s, on_date=ORZO, kind="holiday", name_ky="Орозо айт", name_ru="Орозо айт")
    return db


def install_key(district, village_ctx, folder: Path) -> str:
    """The district exports its key file; the village stores it as the wizard or Settings would. The fingerprint."""
    path, fingerprint = district_key.export_key_file(district, folder, actor=ACTOR)
    data = office_setup.read_key_file(path)
    with village_ctx.write() as s:
        current = office_setup.office_settings(s)
        office_setup.update_office_settings(s, office=current.office, signatory=current.signatory,
                                            certificate_number_start=current.certificate_number_start,
                                            backup_copy_dir=current.backup_copy_dir, district_key=data)
    return fingerprint


@pytest.fixture
def pair(tmp_path):
    district = make_district(tmp_path)
    village = certificate_fixtures.build(tmp_path / "village.sqlite3", households_count=2)
    (tmp_path / "usb").mkdir()
    try:
        yield district, village, tmp_path / "usb"
    finally:
        district.dispose()
        village.close()


def _edit_district(district) -> tuple[str, str, str]:
    """Make a free service paid with a longer time limit, add a service, delete another. Their codes."""
    with district.session(ACTOR) as s:
        paid = service_register.by_code(s, "land_certificate")
        service_register.save_service(s, dataclasses.replace(
            paid.data, is_paid=True, fees={"citizen": 15_000}, provide_days=paid.data.provide_days + 2),
            service_id=paid.id)
        gone = service_register.by_code(s, "free_certificate")
        tombstone(s.get(ServiceEntry, gone.id))
        new = dataclasses.replace(service_register.by_code(s, "land_certificate").data, code="pasture_ticket",
                                  name_ky="Жайыт билети", name_ru="Пастбищный билет")
        service_register.save_service(s, new)
    return paid.data.code, gone.data.code, "pasture_ticket"


def _counts(ctx) -> dict[str, int]:
    with ctx.read() as s:
        return {"services": s.scalar(select(func.count()).select_from(ServiceEntry)),
                "journal": s.scalar(select(func.count()).select_from(ChangeLog)),
                "audit": s.scalar(select(func.count()).select_from(AuditEvent))}


def test_round_trip_publish_preview_apply_version(pair) -> None:
    district, village, usb = pair
    fingerprint = install_key(district, village, usb)
    with village.read() as s:
        assert office_setup.office_settings(s).district_key_fingerprint == fingerprint
        assert in_use(s).version == 0
    changed, removed, added = _edit_district(district)
    published = reference.publish(district, usb, actor=ACTOR)
    assert published.version == 1 and published.path.name.startswith("okmot-reference-v00001-")
    assert published.counts["calendar"] == 1 and published.counts["income_norms"] == 2

    before = snapshot(village.db)
    dry = apply_file(village.db, published.path, actor=village.actor, dry_run=True)
    assert dry.status == "preview", dry.message
    assert snapshot(village.db) == before
    kinds = {k.kind: k for k in dry.kinds}
    services = {c.key: c for c in kinds["services"].changes}
    assert services[added].status == "new" and services[added].name == "Жайыт билети"
    assert services[changed].status == "changed" and set(services[changed].fields) == {"time limits", "fees"}
    assert services[removed].status == "removed"
    assert kinds["services"].count("unchanged") == len(services) - 3
    assert [(c.status, c.name) for c in kinds["calendar"].changes] == [("new", "20.03.2027 Орозо айт")]
    norms = {c.key: c.status for c in kinds["income_norms"].changes}
    # The village had household_plot, cattle, cows and sheep; the district sets household_plot and sheep.
    assert norms == {"land:household_plot": "changed", "livestock:sheep": "changed", "livestock:cattle": "removed",
                     "livestock:cows": "removed"}

    done = apply_file(village.db, published.path, actor=village.actor)
    assert done.status == "applied", done.message
    with village.read() as s:
        assert in_use(s).version == 1 and "version 1 of" in in_use(s).text()
        paid = service_register.by_code(s, changed).data
        with district.session() as ds:
            assert paid == service_register.by_code(ds, changed).data
        assert service_register.by_code(s, added).data.name_ru == "Пастбищный билет"
        assert service_register.by_code(s, removed).data.active is False
        assert work_calendar.load(s).is_working_day(ORZO) is False
        assert settings.get(s, "income_norms") == {"land": {"household_plot": 6_000_000},
                                                   "livestock": {"sheep": 350_000}}
        # Journaled by the services under the administrator's name, and audited.
        row = s.get(ServiceEntry, service_register.by_code(s, changed).id)
        last = s.scalars(select(ChangeLog).where(ChangeLog.record_id == row.id).order_by(ChangeLog.seq.desc())).first()
        assert last.user_name == "aida" and "fees" in json.loads(last.changes)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()[-1]
        assert json.loads(event.detail)["reference_version"] == 1 and event.subject_table == "reference_package"

    # The same file again: already applied, nothing written.
    counts = _counts(village)
    again = apply_file(village.db, published.path, actor=village.actor)
    assert again.status == "already_applied" and not again.refused
    assert _counts(village) == counts


def _refused(village, path, reason: str) -> str:
    before, counts = snapshot(village.db), _counts(village)
    report = apply_file(village.db, path, actor=village.actor)
    assert report.status == "refused" and report.reason == reason, report.message
    assert snapshot(village.db) == before and _counts(village) == counts
    return report.message


def test_foreign_key_damaged_older_and_newer_are_refused(pair, tmp_path) -> None:
    district, village, usb = pair
    install_key(district, village, usb)
    v1 = reference.publish(district, usb, actor=ACTOR).path
    v2 = reference.publish(district, usb, actor=ACTOR).path
    assert apply_file(village.db, v2, actor=village.actor).status == "applied"
    assert "older than the one in use (version 2)" in _refused(village, v1, "older")

    other = make_district(tmp_path, "other.sqlite3")
    try:
        foreign = reference.publish(other, tmp_path, actor=ACTOR).path
    finally:
        other.dispose()
    assert "signed by another key" in _refused(village, foreign, "foreign_key")

    # Flip one byte anywhere: the canonical rebuild no longer matches.
    damaged = usb / "damaged.okmref"
    data = bytearray(v2.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    assert "damaged" in _refused(village, damaged, "damaged")

    # A valid container whose manifest was changed after signing (a later version claimed).
    pkg = reference.read_file(v2)
    manifest = json.loads(pkg.manifest_raw)
    manifest["reference_version"] = 9
    raw = package.manifest_bytes(manifest)
    altered = usb / "altered.okmref"
    altered.write_bytes(package.build(raw, pkg.signature, pkg.members))
    assert "altered" in _refused(village, altered, "bad_signature")

    manifest["format_version"] = 2
    raw = package.manifest_bytes(manifest)
    newer = usb / "newer.okmref"
    newer.write_bytes(package.build(raw, pkg.signature, pkg.members))
    assert "update Okmot" in _refused(village, newer, "newer")
    with village.read() as s:
        assert in_use(s).version == 2

    # Validly signed by the district but not acceptable: a mistyped field, a time limit the register refuses.
    # The calendar day before the bad service must not be applied either: all or nothing.
    with district.session() as s:
        key = district_key.district_private_key(s)
        good = reference.encode_service(service_register.by_code(s, "family_certificate").data)
    day = {"on_date": "2027-06-16", "kind": "holiday", "name_ky": "Курман айт", "name_ru": "Курман айт"}
    for bad, reason, says in (({**good, "provide_days": "ten"}, "damaged", "provide_days is not a int"),
                              ({**good, "provide_days": 500}, "invalid", "between 0 and 90 working days")):
        crafted = usb / f"crafted-{reason}.okmref"
        crafted.write_bytes(reference.encode({"calendar": [day], "services": [bad]}, 3, key,
                                             dt.datetime(2026, 11, 22, 12, 0)))
        assert says in _refused(village, crafted, reason)


def test_a_village_without_district_key_refuses_and_a_village_never_publishes(pair) -> None:
    district, village, usb = pair
    path = reference.publish(district, usb, actor=ACTOR).path
    assert "no district key" in _refused(village, path, "no_district_key")
    with village.write() as s:
        settings.put(s, "district_public_key", "bm90IGEga2V5")  # "not a key", stored by an older version
    assert "not an Okmot district key file" in _refused(village, path, "bad_district_key")
    install_key(district, village, usb)
    with pytest.raises(UserError, match="receives reference data"):
        reference.publish(village.db, usb, actor=village.actor)


def test_a_new_district_publishes_the_shipped_register(tmp_path) -> None:
    db = open_database(tmp_path / "district.sqlite3")
    try:
        published = reference.publish(db, tmp_path, actor=ACTOR)
        shipped = [d for d in service_register.shipped_services() if d.register == "base"]
        assert published.version == 1 and published.counts["services"] == len(shipped)
        with db.session() as s:
            assert {d.code for d in shipped} <= {r.data.code for r in service_register.list_services(s)}
            assert settings.get(s, "reference_published_version") == 1
    finally:
        db.dispose()


def test_publishing_nothing_is_refused_and_takes_no_version(tmp_path) -> None:
    db = open_database(tmp_path / "district.sqlite3")
    try:
        with db.session(ACTOR) as s:  # only supplementary services: nothing the district sends to villages
            service_register.install_shipped(s)
            for row in s.scalars(select(ServiceEntry)):
                row.register = "supplementary"
        with pytest.raises(UserError, match="no reference data"):
            reference.publish(db, tmp_path, actor=ACTOR)
        with db.session() as s:
            assert settings.get(s, "reference_published_version") == 0
        assert list(tmp_path.glob("*.okmref")) == []
    finally:
        db.dispose()


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--lang", "en", "sync", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_key_export_publish_and_import(pair, capsys) -> None:
    district, village, usb = pair
    district_path = district.engine.url.database
    village_path = str(village.sqlite_path)
    district.dispose()
    rc, out, err = _cli(capsys, "district-key", "--db", district_path, "--out", str(usb))
    assert rc == 0, err
    key_file = Path(out.strip())
    assert key_file.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert office_setup.key_fingerprint(key_file.read_bytes()) in err
    with village.write() as s:
        settings.put(s, "district_public_key", __import__("base64").b64encode(key_file.read_bytes()).decode())
    village.close()

    rc, out, err = _cli(capsys, "reference-export", "--db", district_path, "--out", str(usb))
    assert rc == 0 and "Reference package version 1" in err, err
    path = out.strip()
    rc, out, err = _cli(capsys, "reference-import", "--db", village_path, path, "--dry-run", "--json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["status"] == "preview" and report["version"] == 1
    assert {k["kind"] for k in report["kinds"]} == {"services", "calendar", "income_norms"}
    rc, out, err = _cli(capsys, "reference-import", "--db", village_path, path)
    assert rc == 0 and "was applied" in out, err
    assert "Holiday and work calendar: 1 new, 0 changed, 0 unchanged, 0 removed" in out
    assert "new: 20.03.2027 Орозо айт" in out
    garbage = usb / "garbage.okmref"
    garbage.write_bytes(b"not a package")
    rc, out, err = _cli(capsys, "reference-import", "--db", village_path, str(garbage))
    assert rc == 1 and "damaged" in out
