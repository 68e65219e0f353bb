"""District side: verify a sync package, summarise it (dry run) and apply it atomically, or refuse it."""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import Session

from okmot import permissions
from okmot.db import bulk, chain
from okmot.db.base import utcnow
from okmot.db.engine import Actor, Database
from okmot.db.journal import UNJOURNALED, append_inserts, append_rows, journal_rows, journal_tail, jsonable
from okmot.db.migrate import head_revision, known_revision, records_revision
from okmot.i18n import _
from okmot.models import AiylAimak, ImportedPackage, TrustedOffice
from okmot.services import audit, signing
from okmot.sync import package, scope, sealing
from okmot.sync.package import PackageError

log = logging.getLogger(__name__)

CHUNK = 500
#: Conflicts named one by one in a report; the rest are counted.
MAX_NAMED_WARNINGS = 20
#: SQLite page cache while a package is applied (KiB), 32 times the default: fewer re-read index pages
#: for a few tens of MB of memory (a 5 000-household import peaks near 400 MB with it).
IMPORT_CACHE_KIB = 65_536


@dataclass(frozen=True)
class TableSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: int = 0

    def as_json(self) -> dict:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "deleted": self.deleted, "conflicts": self.conflicts}


@dataclass(frozen=True)
class ImportReport:
    """What happened to one package: imported, dry_run, already_imported or refused (with ``reason``)."""

    path: str
    status: str
    message: str
    reason: str = ""
    package_id: str = ""
    office_code: str = ""
    installation_id: str = ""
    sequence: int | None = None
    full: bool | None = None
    fingerprint: str = ""
    tables: dict[str, TableSummary] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    def as_json(self) -> dict:
        return {"path": self.path, "status": self.status, "reason": self.reason, "message": self.message,
                "package_id": self.package_id, "office_code": self.office_code,
                "installation_id": self.installation_id, "sequence": self.sequence, "full": self.full,
                "fingerprint": self.fingerprint, "tables": {k: v.as_json() for k, v in self.tables.items()},
                "warnings": list(self.warnings)}


class _Rollback(Exception):
    """Ends a dry run's transaction after the summary was computed."""


def _refuse(reason: str, message: str) -> PackageError:
    return PackageError(reason, message)


def _check_versions(m: dict) -> None:
    if m["format"] != package.FORMAT:
        raise _refuse("damaged", _("This is not an Okmot sync package."))
    if m["format_version"] > package.FORMAT_VERSION:
        raise _refuse("newer", _("The package uses a newer package format; update Okmot to import it."))
    if m["format_version"] != package.FORMAT_VERSION:
        raise _refuse("damaged", _("The package format version is not known."))
    schema = m["schema_version"]
    if schema == head_revision():
        return
    if known_revision(schema) and records_revision(schema) == records_revision(head_revision()):
        return  # made before a migration that changed no synced records (indexes only): the same records
    if not known_revision(schema):
        raise _refuse("newer", _("The package was made by a newer version of Okmot (database schema {schema}); "
                                 "update Okmot to import it.").format(schema=schema))
    raise _refuse("older", _("The package was made by an older version of Okmot (database schema {schema}); "
                             "update Okmot in the office and export again.").format(schema=schema))


def _public_key(b64text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(signing.unb64(b64text))
    except (ValueError, binascii.Error):
        raise _refuse("damaged", _("The package's public key is damaged.")) from None


def _check_signature(session: Session, pkg: package.Package, trust_new: bool) -> TrustedOffice | None:
    """The trusted office row, or None when the office is to be trusted now."""
    m = pkg.manifest
    claimed = _public_key(m["public_key"])
    fingerprint = signing.fingerprint(signing.unb64(m["public_key"]))
    trusted = session.scalar(select(TrustedOffice).where(
        TrustedOffice.office_code == m["office_code"], TrustedOffice.installation_id == m["installation_id"],
        TrustedOffice.deleted_at.is_(None)))
    key = _public_key(trusted.public_key) if trusted is not None else claimed
    try:
        key.verify(pkg.signature, pkg.manifest_raw)
    except InvalidSignature:
        if trusted is not None and trusted.public_key != m["public_key"]:
            raise _refuse("foreign_key", _(
                "The package claims to come from office {office}, but it is signed by another key "
                "(fingerprint {fp}, trusted: {trusted}). It was refused.").format(
                office=m["office_code"], fp=fingerprint, trusted=trusted.fingerprint)) from None
        raise _refuse("bad_signature", _("The package's signature does not match its content: "
                                         "it was altered or damaged.")) from None
    if trusted is None:
        if not trust_new:
            raise _refuse("untrusted", _(
                "Office {office} (installation {inst}) is not trusted yet. Its key fingerprint is {fp}: "
                "confirm it with the office, then import again trusting it (--trust-new).").format(
                office=m["office_code"], inst=m["installation_id"], fp=fingerprint))
    elif str(trusted.office_id) != m["office_id"]:
        raise _refuse("foreign_key", _("The package names another aiyl aimak than the trusted office {office}.")
                      .format(office=m["office_code"]))
    return trusted


def _check_files(pkg: package.Package) -> list[str]:
    """The tables the package carries, after checking every member against the manifest and its hash."""
    m = pkg.manifest
    expected = {package.records_member(t) for t in m["counts"]}
    if set(m["files"]) != expected or set(pkg.members) != expected:
        raise _refuse("damaged", _("The package's files do not match its manifest."))
    unknown = set(m["counts"]) - set(scope.TABLE_NAMES)
    if unknown:
        raise _refuse("damaged", _("The package holds tables this version does not know: {names}.")
                      .format(names=", ".join(sorted(unknown))))
    for member in sorted(expected):
        if hashlib.sha256(pkg.members[member]).hexdigest() != m["files"][member]:
            raise _refuse("damaged", _("The file {name} in the package was altered or damaged.").format(name=member))
    return [t for t in scope.TABLE_NAMES if t in m["counts"]]


def _decode_table(pkg: package.Package, table_name: str, dialect=None):
    """The records of one table, checked against the counts.

    As (line, value as it travels, database value) triples, or with ``dialect`` (an office the
    district does not hold yet: every record is inserted as it is) as ``package.DriverRecords``.
    Tables are decoded one at a time, just before they are applied, so an import holds one
    table's records in memory, not the whole package's.
    """
    member = package.records_member(table_name)
    table = scope.BY_NAME[table_name]
    decode = package.RecordDecoder(table, scope.columns(table))
    lines = bytes(pkg.members[member]).splitlines()
    try:
        if dialect is not None:
            records = decode.decode_driver(lines, dialect)
            ids = records.columns["id"]
        else:
            records = [(line, raw, row) for line, (raw, row) in zip(lines, decode.decode_all(lines), strict=True)]
            ids = [row["id"] for _line, _raw, row in records]
    except (ValueError, TypeError, AttributeError) as exc:
        raise _refuse("damaged", _("A record in {name} is damaged ({detail}).").format(
            name=member, detail=exc)) from None
    if len(ids) != pkg.manifest["counts"][table_name] or len(set(ids)) != len(ids):
        raise _refuse("counts", _("The number of records in {name} does not match the manifest.")
                      .format(name=member))
    return records


def _check_sequence(session: Session, m: dict) -> None:
    last = session.scalar(select(func.max(ImportedPackage.sequence)).where(
        ImportedPackage.office_code == m["office_code"], ImportedPackage.installation_id == m["installation_id"],
        ImportedPackage.result == "imported"))
    seq, follows = m["sequence"], m["follows"]
    if seq < 1 or (not m["full"] and not 1 <= follows < seq) or (m["full"] and follows != 0):
        raise _refuse("damaged", _("The package's sequence numbers are not valid."))
    if last is not None and seq <= last:
        raise _refuse("out_of_order", _(
            "Package {seq} of office {office} is older than package {last}, already imported.").format(
            seq=seq, office=m["office_code"], last=last))
    if m["full"]:
        return
    have = last or 0
    if follows != have:
        missing = list(range(have + 1, seq))
        raise _refuse("gap", _("Packages {numbers} of office {office} are missing; import them first "
                               "(or ask the office for a full package).").format(
            numbers=", ".join(str(n) for n in missing), office=m["office_code"]))


def _existing(session: Session, table, names: list[str], ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    existing = {}
    cols = [table.c[n] for n in names]
    for start in range(0, len(ids), CHUNK):
        for r in session.execute(select(*cols).where(table.c.id.in_(ids[start:start + CHUNK]))):
            existing[r.id] = dict(r._mapping)
    return existing


def _insert_fresh(session: Session, table, records: package.DriverRecords, actor: Actor, now, links: list, *,
                  after: chain.Tail, stream: bulk.CopyStream | None) -> TableSummary:
    """Insert every record of a table for an office the district holds nothing of yet.

    No existing rows are looked up: a record whose id the district already holds for another
    office fails the insert on its primary key, which refuses the package as a clash. The values
    go to the driver as decoded (``RecordDecoder.decode_driver``), and each journal entry carries
    the record's line from the package (docs/sync.md). On PostgreSQL the rows go to ``stream``,
    the journal's hash chain continuing from ``after``. A reference to a row of the same table is
    inserted empty and added to ``links``, for ``_link`` to set once every table is in.
    """
    names = scope.columns(table)
    columns = records.columns
    ids = columns["id"]
    deleted = len(ids) - columns["deleted_at"].count(None)
    conn = session.connection()
    self_ref = scope.SELF_REFERENCES.get(table.name)
    if self_ref is None:
        rows = records.rows(names)
    else:
        # The reference goes in empty; _link sets it once every table is in.
        refs = columns[self_ref]
        rows = list(zip(*(columns[n] if n != self_ref else [None] * len(ids) for n in names)))
        links.append((table, self_ref, [(i, r) for i, r in zip(ids, refs, strict=True) if r is not None]))
    bulk.insert_driver(conn, table, names,
                       (rows[start:start + bulk.BATCH] for start in range(0, len(rows), bulk.BATCH)), stream)
    del rows
    # A plain str: the driver and the hash take Table.name's str subclass through slower paths.
    name = str(table.name)
    append_inserts(conn, name, ids, columns["version"], records.lines, actor, now, after=after, stream=stream)
    return TableSummary(new=len(ids) - deleted, deleted=deleted)


def _link(session: Session, links: list) -> None:
    """Set the references inserted empty (few rows: merged persons, corrections), once every table is in.

    A row may refer to another row of the same package, earlier or later in its file: inserted
    without the reference and linked afterwards, every statement satisfies the foreign key.
    """
    as_uuid = lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(v)  # noqa: E731 - Core expects UUID objects
    for table, self_ref, linked in links:
        if linked:
            session.execute(update(table).where(table.c.id == bindparam("b_id")),
                            [{"b_id": as_uuid(i), self_ref: as_uuid(r)} for i, r in linked])


def _apply_table(session: Session, table, triples: list[tuple[bytes, dict, dict]], actor: Actor,
                 warnings: list[str], owned: set[uuid.UUID], links: list, *, now) -> TableSummary:
    """Insert, update or keep each record of an office the district already holds (references: see _insert_fresh)."""
    names = scope.columns(table)
    existing = _existing(session, table, names, [row["id"] for _line, _raw, row in triples])
    new = updated = unchanged = deleted = conflicts = 0
    inserts, updates, journal = [], [], []
    for line, _raw, row in triples:
        old = existing.get(row["id"])
        if old is None:
            inserts.append(row)
            deleted += row["deleted_at"] is not None
            new += row["deleted_at"] is None
            # The record's line from the package is the journal entry (docs/sync.md).
            journal.append(journal_rows(str(table.name), row["id"], "insert", row["version"], line.decode("utf-8"),
                                        actor, now))
            continue
        if row["id"] not in owned:
            # A trusted office may change its own records only, never another office's.
            raise _refuse("foreign_records", _(
                "The package would change {table} {id}, which belongs to another office; it was refused.").format(
                table=table.name, id=row["id"]))
        diff = {k: [jsonable(old[k]), jsonable(row[k])] for k in names if old[k] != row[k] and k not in UNJOURNALED}
        if old["version"] > row["version"] or (old["version"] == row["version"] and diff):
            conflicts += 1
            warnings.append(_("{table} {id}: the district holds version {mine}, the package version {theirs}; "
                              "the district's record was kept.").format(
                table=table.name, id=row["id"], mine=old["version"], theirs=row["version"]))
            continue
        if old["version"] == row["version"]:
            unchanged += 1
            continue
        updates.append({**{k: v for k, v in row.items() if k != "id"}, "b_id": row["id"]})
        became_deleted = row["deleted_at"] is not None and old["deleted_at"] is None
        deleted += became_deleted
        updated += not became_deleted
        op = "delete" if became_deleted else "update"
        journal.append(journal_rows(str(table.name), row["id"], op, row["version"], diff, actor, now))
    conn = session.connection()
    self_ref = scope.SELF_REFERENCES.get(table.name)
    if inserts:
        if self_ref is not None:
            # As in _insert_fresh: the reference goes in empty and _link sets it.
            links.append((table, self_ref, [(r["id"], r[self_ref]) for r in inserts if r[self_ref] is not None]))
            inserts = [{**r, self_ref: None} for r in inserts]
        bulk.insert(conn, table, names, inserts)
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("b_id")), updates)
    if journal:
        append_rows(conn, journal)
    return TableSummary(new, updated, unchanged, deleted, conflicts)


@contextlib.contextmanager
def _import_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of IMPORT_CACHE_KIB for the import, and the connection's own size afterwards.

    Records and journal rows go into indexes keyed by random UUIDs: with SQLite's default 2 MB
    cache most inserts touch a page that was just evicted. The cache changes no durability (the
    commit writes and syncs as before); the pooled connection gets its usual size back.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    # The driver's connection: the SQLAlchemy one may be unusable after a refused insert.
    dbapi = session.connection().connection.driver_connection
    before = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(before)}")


def _analyze(session: Session, added: dict[str, int]) -> None:
    """On PostgreSQL, fresh planner statistics for the tables whose size the import at least doubled.

    The totals check counts each table through the office's households; with the statistics of
    the tables before a big COPY the planner picks plans that took seconds per table (minutes per
    district). ANALYZE inside the transaction sees its own rows and writes only statistics. It
    samples the whole table (a second per package on a 20-office district), so a table is analysed
    only when the rows added (``added``, per table) outnumber those its statistics know of: the
    plans stay right, and a district of 20 offices analyses each table about five times, not 20.
    """
    if not added or session.get_bind().dialect.name != "postgresql":
        return
    # The tables as the connection's search path finds them (reltuples is -1 before any ANALYZE).
    known = dict(session.execute(text("SELECT relname, reltuples FROM pg_class WHERE oid = ANY(CAST(:names AS regclass[]))"),
                                 {"names": list(added)}).all())
    stale = [name for name, n in added.items() if known.get(name, -1) < 0 or n > known[name]]
    if stale:
        quote = session.get_bind().dialect.identifier_preparer.quote
        session.execute(text("ANALYZE " + ", ".join(quote(name) for name in stale)))


def _lock_office(session: Session, office_code: str) -> None:
    """Two operators importing packages of one office at once on PostgreSQL queue here."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"okmot-sync:{office_code}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def import_package(db: Database, path: str | Path, *, actor: Actor, trust_new: bool = False,
                   dry_run: bool = False) -> ImportReport:
    """Verify and apply one package in one transaction; a refused package leaves the records untouched.

    Needs the ``sync.import`` right (and ``sync.trust`` to trust a new office). An imported package
    is written to the audit trail in its import's transaction. A refused or already imported one
    writes nothing to the database, not even an audit row (the district's data stays row for row
    as it was): it goes to the application log with the user, file, office and reason. A dry run
    writes nothing at all.
    """
    permissions.require(actor, "sync.import")
    report = _import_one(db, path, actor=actor, trust_new=trust_new, dry_run=dry_run)
    if report.status in ("refused", "already_imported"):
        # Not in the database: a refused package must leave it row for row as it was.
        log.log(logging.WARNING if report.refused else logging.INFO,
                "sync package %s %s: user %s, office %s, installation %s, sequence %s, package %s, reason %s: %s",
                Path(report.path).name, report.status, actor.username, report.office_code or "?",
                report.installation_id or "?", report.sequence, report.package_id or "?", report.reason or "-",
                report.message)
    return report


def _audit(session: Session, actor: Actor, shown: str, result: str, reason: str, package_id: str,
           office_code: str, installation_id: str, sequence: int | None, full: bool | None) -> None:
    try:
        subject = uuid.UUID(package_id) if package_id else None
    except ValueError:
        subject = None
    audit.record(session, actor, "sync_import", subject_table="sync_package", subject_id=subject, detail={
        "file": Path(shown).name, "package_id": package_id, "office_code": office_code,
        "installation_id": installation_id, "sequence": sequence, "full": full, "result": result,
        "reason": reason})


def _import_one(db: Database, path: str | Path, *, actor: Actor, trust_new: bool, dry_run: bool) -> ImportReport:
    shown = str(path)
    try:
        pkg = package.read(path, unseal=sealing.opener(db))
    except PackageError as exc:
        return ImportReport(shown, "refused", exc.message, exc.reason)
    m = pkg.manifest
    head = {"package_id": m["package_id"], "office_code": m["office_code"],
            "installation_id": m["installation_id"], "sequence": m["sequence"], "full": m["full"]}
    try:
        fingerprint = signing.fingerprint(signing.unb64(m["public_key"]))
    except (ValueError, binascii.Error):
        fingerprint = ""
    outcome: dict = {}
    try:
        with db.session(actor) as session, _import_cache(session):
            _check_versions(m)
            try:
                office_id = uuid.UUID(m["office_id"])
                package_id = uuid.UUID(m["package_id"])
                created_at = package.decode_value(ImportedPackage.__table__.c.imported_at, m["created_at"])
            except (ValueError, TypeError):
                raise _refuse("damaged", _("The package's manifest is damaged.")) from None
            _lock_office(session, m["office_code"])
            trusted = _check_signature(session, pkg, trust_new or dry_run)
            if trusted is None and not dry_run and not permissions.allowed(permissions.role_of(actor), "sync.trust"):
                raise _refuse("not_allowed", _(
                    "Your role does not allow you to trust a new office's key: package {seq} of office {office} "
                    "(key fingerprint {fp}) was not imported.").format(
                    seq=m["sequence"], office=m["office_code"], fp=fingerprint))
            table_names = _check_files(pkg)
            done = session.scalar(select(ImportedPackage).where(
                ImportedPackage.package_id == package_id, ImportedPackage.result == "imported"))
            if done is not None:
                outcome = {"status": "already_imported", "message": _(
                    "Package {seq} of office {office} was already imported on {when}; nothing changed.").format(
                    seq=m["sequence"], office=m["office_code"], when=f"{done.imported_at:%Y-%m-%d %H:%M}")}
                raise _Rollback
            _check_sequence(session, m)
            now = utcnow()
            if trusted is None:
                session.add(TrustedOffice(office_code=m["office_code"], office_id=office_id,
                                          installation_id=m["installation_id"], public_key=m["public_key"],
                                          fingerprint=fingerprint, trusted_at=now, trusted_by=actor.username))
                session.flush()
            warnings: list[str] = []
            if trusted is None and not trust_new:
                warnings.append(_("Office {office} is not trusted yet; its key fingerprint is {fp}. Importing it "
                                  "needs explicit trust (--trust-new).").format(
                    office=m["office_code"], fp=fingerprint))
            tables = {}
            fresh = session.get(AiylAimak, office_id) is None
            dialect = session.get_bind().dialect
            links: list = []
            # The journal's tail is read before the stream (PostgreSQL) takes the connection.
            after = journal_tail(session.connection()) if fresh else None
            with bulk.copy_stream(session.connection()) if fresh else contextlib.nullcontext() as stream:
                for table_name in table_names:
                    table = scope.BY_NAME[table_name]
                    records = _decode_table(pkg, table_name, dialect if fresh else None)
                    if fresh:
                        tables[table_name] = _insert_fresh(session, table, records, actor, now, links,
                                                           after=after, stream=stream)
                    else:
                        owned = set(session.scalars(scope.owned_ids(table_name, office_id, m["office_code"])))
                        tables[table_name] = _apply_table(session, table, records, actor, warnings, owned, links,
                                                          now=now)
                    del records
            _link(session, links)
            _analyze(session, {t: summary.new for t, summary in tables.items() if summary.new or summary.deleted})
            totals = scope.live_counts(session, office_id, m["office_code"])
            wrong = {t: (totals.get(t, 0), n) for t, n in m["totals"].items() if totals.get(t, 0) != n}
            wrong.update({t: (n, 0) for t, n in totals.items() if t not in m["totals"] and n})
            if wrong:
                raise _refuse("counts", _(
                    "After the import the district would hold other record counts for office {office} than the "
                    "office itself ({detail}); nothing was imported.").format(
                    office=m["office_code"],
                    detail=", ".join(f"{t}: {a} ≠ {b}" for t, (a, b) in sorted(wrong.items()))))
            named = warnings[:MAX_NAMED_WARNINGS]
            if len(warnings) > MAX_NAMED_WARNINGS:
                named.append(_("… and {n} more conflicts.").format(n=len(warnings) - MAX_NAMED_WARNINGS))
            outcome = {"tables": tables, "warnings": tuple(named)}
            if dry_run:
                outcome["status"] = "dry_run"
                outcome["message"] = _("Dry run of package {seq} of office {office}: nothing was written.").format(
                    seq=m["sequence"], office=m["office_code"])
                raise _Rollback
            session.add(ImportedPackage(
                package_id=package_id, office_code=m["office_code"], installation_id=m["installation_id"],
                sequence=m["sequence"], full=m["full"], result="imported",
                counts={t: s.as_json() for t, s in tables.items()}, package_created_at=created_at,
                imported_by=actor.username, imported_at=now, message="; ".join(named)))
            _audit(session, actor, shown, "imported", "", **head)
            outcome["status"] = "imported"
            outcome["message"] = _("Package {seq} of office {office} was imported.").format(
                seq=m["sequence"], office=m["office_code"])
    except _Rollback:
        pass
    except PackageError as exc:
        return ImportReport(shown, "refused", exc.message, exc.reason, fingerprint=fingerprint, **head)
    except StatementError as exc:
        if isinstance(exc, OperationalError):
            raise
        # A validly signed package whose records the database will not take (a clash with
        # existing data, a value of the wrong type): refused as a whole.
        message = _("The package clashes with records already in the district database ({detail}); "
                    "nothing was imported.").format(detail=str(getattr(exc, "orig", None) or exc).splitlines()[0])
        return ImportReport(shown, "refused", message, "clash", fingerprint=fingerprint, **head)
    return ImportReport(shown, outcome["status"], outcome["message"], fingerprint=fingerprint,
                        tables=outcome.get("tables", {}), warnings=outcome.get("warnings", ()), **head)
