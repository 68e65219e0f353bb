"""Helpers for the sync tests: demo offices, database snapshots, re-signed (forged) packages."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from okmot.db.base import Base
from okmot.db.engine import Actor, Database
from okmot.db.migrate import open_database
from okmot.demo import create_demo_file
from okmot.models import SigningKey
from okmot.services import signing
from okmot.sync import package
from okmot.sync.export import export_package

ACTOR = Actor(user_id=None, username="test:sync")


def make_office(folder: Path, code: str, seed: int, households: int = 10) -> Database:
    path = folder / f"office-{code}.sqlite3"
    create_demo_file(path, households=households, seed=seed, office_code=code)
    return open_database(path)


def office_package(folder: Path, code: str, seed: int, households: int = 10) -> Path:
    """A new demo office's full package, written into ``folder`` (the office database is closed again)."""
    office = make_office(folder, code, seed, households=households)
    try:
        return export_package(office, folder, actor=ACTOR).path
    finally:
        office.dispose()


def snapshot(db: Database) -> str:
    """A digest of every row of every table, the audit trail included: equal digests mean nothing changed."""
    h = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            pk = [c.name for c in table.primary_key.columns]
            cols = ", ".join(f'"{c.name}"' for c in table.columns)
            order = ", ".join(f'"{c}"' for c in pk)
            for row in conn.execute(text(f'SELECT {cols} FROM "{table.name}" ORDER BY {order}')):
                h.update(repr(tuple(str(v) for v in row)).encode())
            h.update(table.name.encode())
    return h.hexdigest()


def private_key_of(office: Database) -> Ed25519PrivateKey:
    with office.session() as session:
        row = session.scalar(select(SigningKey).where(SigningKey.private_key.is_not(None)))
        return Ed25519PrivateKey.from_private_bytes(signing.unb64(row.private_key))


def forge(source: Path, target: Path, key: Ed25519PrivateKey, *, manifest_edit=None, member_edit=None,
          claim_key: bool = False) -> Path:
    """A copy of ``source`` with its manifest or a member changed, then signed with ``key``.

    With the office's own key this makes a validly signed package carrying bad content, which is
    how the checks after the signature (counts, versions, sequence) are reached.
    """
    pkg = package.read(source)
    manifest = json.loads(pkg.manifest_raw)
    members = {name: bytes(data) for name, data in pkg.members.items()}
    if member_edit is not None:
        member_edit(members)
        manifest["files"] = {n: package.sha256(d) for n, d in members.items()}
    if manifest_edit is not None:
        manifest_edit(manifest)
    if claim_key:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        manifest["public_key"] = signing.b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    raw = package.manifest_bytes(manifest)
    target.write_bytes(package.build(raw, key.sign(raw), members))
    return target
