"""Village side: write a full or incremental sync package, atomically, and register it as sent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import okmot
from okmot import atomic, permissions
from okmot.db import bulk
from okmot.db.base import utcnow
from okmot.db.engine import Actor, Database
from okmot.db.migrate import head_revision
from okmot.errors import UserError
from okmot.i18n import _
from okmot.models import ChangeLog, SentPackage
from okmot.services import audit, numbering, settings, signing, territory
from okmot.sync import package, scope, sealing

#: Ids fetched per SELECT … IN (…): well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


class NothingToExport(UserError):
    """No synced record changed since the last package: no file is written."""


class ExportCancelled(UserError):
    """The progress callback asked to stop; nothing was written or registered."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    package_id: uuid.UUID
    sequence: int
    full: bool
    counts: dict[str, int]
    totals: dict[str, int]


def _changed_ids(session: Session, after: int, upto: int) -> dict[str, list[uuid.UUID]]:
    """The ids journaled in (after, upto], per table: a range of the journal's primary key, O(changes)."""
    changed: dict[str, set[uuid.UUID]] = {}
    for table_name, record_id in session.connection().execute(
            select(ChangeLog.table_name, ChangeLog.record_id).where(ChangeLog.seq > after, ChangeLog.seq <= upto)):
        changed.setdefault(table_name, set()).add(record_id)
    return {name: sorted(ids) for name, ids in changed.items()}


def _records(session: Session, table, names: list[str], office, ids: list[uuid.UUID] | None) -> tuple[bytes, int]:
    """The records member of ``table`` and its record count: the office's records ordered by id, all or ``ids``.

    A full package reads the table in one query filtered by its own foreign key; an incremental
    one fetches its (few) changed ids in chunks, each row tested for ownership on its own. The
    columns are read as the driver returns them (no SQLAlchemy result processing) and encoded
    straight from those values: a village of 10 000 households has some 250 000 records.
    """
    conn = session.connection()
    cols = [table.c[n] for n in names]
    encoder = package.DriverEncoder(table, names, conn.dialect)
    if ids is None:
        # In id order from the database, a slice at a time: a whole table's rows as Python
        # tuples would take several times the memory of its encoded lines.
        parts, count = [], 0
        statement = select(*cols).where(scope.owned_where(table, office.id, office.code)).order_by(table.c.id)
        for rows in bulk.fetch_slices(conn, statement, package.ENCODE_SLICE):
            parts.append(encoder.encode(rows))
            count += len(rows)
        return b"".join(parts), count
    owned = scope.owned_where(table, office.id, office.code, per_row=True)
    rows = []
    for start in range(0, len(ids), CHUNK):
        rows.extend(bulk.fetch(conn, select(*cols).where(table.c.id.in_(ids[start:start + CHUNK]), owned)))
    # Driver ids (SQLite's hex text, psycopg's UUID) sort as their text form does, and as ORDER BY id.
    rows.sort(key=itemgetter(names.index("id")))
    return encoder.encode(rows), len(rows)


def export_package(db: Database, out_dir: str | Path, *, actor: Actor, full: bool = False,
                   progress: Callable[[int, int], bool] | None = None, encrypt: bool = False) -> ExportResult:
    """Write the next package of this office into ``out_dir`` and register it.

    The first package is always full. An incremental package carries the current state of every
    synced record changed since the last package (tombstones included); when nothing changed,
    NothingToExport is raised and no file is written. ``progress(done, total)`` is called per
    table; returning False cancels. ``encrypt`` seals the signed package to the district's key.
    """
    permissions.require(actor, "sync.export")
    folder = Path(out_dir).expanduser()
    if not folder.is_dir():
        raise UserError(_("The folder {folder} does not exist.").format(folder=folder))
    with db.session(actor) as session:
        office = territory.home_office(session)
        if office is None:
            raise UserError(_("This database has no office yet; finish the office setup first."))
        installation_id = settings.installation_id(session)
        installation_code = numbering.installation_code(session)
        key = signing.ensure_own_key(session, office.code, installation_code, for_action="sync.export")
        last = session.scalar(select(SentPackage).where(SentPackage.deleted_at.is_(None))
                              .order_by(SentPackage.sequence.desc()).limit(1))
        full = full or last is None
        from_seq = 0 if full else last.to_seq
        to_seq = session.scalar(select(func.max(ChangeLog.seq))) or 0
        sequence = (last.sequence if last else 0) + 1
        members: dict[str, bytes] = {}
        counts: dict[str, int] = {}
        changed = {} if full else _changed_ids(session, from_seq, to_seq)
        for n, table in enumerate(scope.TABLES):
            if progress is not None and progress(n, len(scope.TABLES)) is False:
                raise ExportCancelled(_("The export was cancelled; nothing was written."))
            ids = None if full else changed.get(table.name, [])
            members[package.records_member(table.name)], counts[table.name] = _records(
                session, table, scope.columns(table), office, ids)
        if not full and not any(counts.values()):
            raise NothingToExport(_("Nothing changed since package {n}; no new package was written.")
                                  .format(n=last.sequence))
        created_at = utcnow()
        package_id = uuid.uuid4()
        totals = scope.live_counts(session, office.id, office.code)
        manifest = {
            "format": package.FORMAT, "format_version": package.FORMAT_VERSION,
            "schema_version": head_revision(), "app_version": okmot.__version__,
            "package_id": str(package_id), "office_code": office.code, "office_id": str(office.id),
            "office_name_ky": office.name_ky, "office_name_ru": office.name_ru,
            "installation_id": installation_id, "installation_code": installation_code,
            "sequence": sequence, "follows": 0 if full else last.sequence, "full": full,
            "created_at": created_at.isoformat(), "change_log_from": from_seq, "change_log_to": to_seq,
            "public_key": key.public_key, "key_fingerprint": key.fingerprint,
            "counts": counts, "totals": totals,
            "files": {name: package.sha256(data) for name, data in members.items()},
        }
        raw = package.manifest_bytes(manifest)
        private = signing.own_key(session, office.code, installation_code).private_key
        signature = Ed25519PrivateKey.from_private_bytes(signing.unb64(private)).sign(raw)
        name = package.file_name(office.code, sequence, created_at, full)
        session.add(SentPackage(package_id=package_id, sequence=sequence, full=full, from_seq=from_seq,
                                to_seq=to_seq, file_name=name, created_at=created_at))
        session.flush()
        # In the register's transaction: the trail lists exactly the packages that were written.
        audit.record(session, actor, "sync_export", subject_table="sync_package", subject_id=package_id,
                     detail={"package_id": str(package_id), "office_code": office.code, "sequence": sequence,
                             "full": full, "result": "exported", "file": name, "counts": counts})
        if encrypt:
            path = atomic.write_bytes(folder / name, sealing.seal_for_district(
                session, package.build(raw, signature, members)))
        else:
            # Straight into the file: the package is not held a second time in memory.
            with atomic.atomic_path(folder / name) as tmp, open(tmp, "wb") as out:
                package.write(out, raw, signature, members)
            path = folder / name
        try:
            session.commit()
        except BaseException:
            # The register is the truth: a file it does not list must not travel.
            path.unlink(missing_ok=True)
            raise
    if progress is not None:
        progress(len(scope.TABLES), len(scope.TABLES))
    return ExportResult(path, package_id, sequence, full, counts, totals)
