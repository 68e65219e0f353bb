"""Sync package format v1: a zip of manifest.json, its detached Ed25519 signature and JSON Lines per table."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import JSON, Date, DateTime, Numeric, Table, Uuid

from okmot.db.journal import jsonable
from okmot.errors import UserError
from okmot.i18n import _

FORMAT = "okmot-sync"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RECORDS_DIR = "records/"
#: A package bigger than this is not something a village writes; refuse before reading it into memory.
MAX_PACKAGE_BYTES = 2 * 1024 ** 3


class PackageError(UserError):
    """A package that cannot be trusted or applied; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def records_member(table: str) -> str:
    return f"{RECORDS_DIR}{table}.jsonl"


def encode_record(row: dict, names: list[str]) -> bytes:
    """One JSON Lines line for a record, keys sorted so that the same record always gives the same bytes."""
    body = {name: jsonable(row[name]) for name in names}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"


def _converter(column):
    """A function turning the JSON value of ``column`` into its database value (the inverse of jsonable)."""
    if isinstance(column.type, JSON):
        return None
    if isinstance(column.type, Uuid):
        return uuid.UUID
    if isinstance(column.type, DateTime):
        return dt.datetime.fromisoformat
    if isinstance(column.type, Date):
        return dt.date.fromisoformat
    if isinstance(column.type, Numeric):
        return decimal.Decimal
    return None


def decode_value(column, value):
    """The database value of a JSON value for ``column``."""
    convert = _converter(column)
    return value if value is None or convert is None else convert(value)


class RecordDecoder:
    """Decodes the JSON Lines of one table, with each column's converter looked up once."""

    def __init__(self, table: Table, names: list[str]):
        self.table = table
        self.names = frozenset(names)
        self.converters = [(name, _converter(table.c[name])) for name in names]

    def __call__(self, line: bytes) -> dict:
        raw = json.loads(line)
        if not isinstance(raw, dict) or raw.keys() != self.names:
            raise ValueError(f"the record's fields do not match table {self.table.name}")
        return {name: (value if (value := raw[name]) is None or convert is None else convert(value))
                for name, convert in self.converters}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_name(office_code: str, sequence: int, created_at: dt.datetime, full: bool) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in office_code) or "office"
    kind = "full" if full else "inc"
    return f"okmot-{safe}-{sequence:05d}-{created_at:%Y%m%d-%H%M%S}-{kind}.okmsync"


def _member(name: str) -> zipfile.ZipInfo:
    # Fixed metadata: the same parts always give the same bytes, whatever the machine or the clock.
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def build(manifest_raw: bytes, signature: bytes, members: dict[str, bytes]) -> bytes:
    """The package's bytes: a canonical, uncompressed zip.

    Stored rather than deflated so that the reader can rebuild the file from its parts and compare
    byte for byte: a change anywhere (even in zip metadata no reader looks at) refuses the package,
    independently of the zlib version on either side.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(_member(MANIFEST), manifest_raw)
        zf.writestr(_member(SIGNATURE), signature)
        for name in sorted(members):
            zf.writestr(_member(name), members[name])
    return out.getvalue()


def manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


@dataclass(frozen=True)
class Package:
    """A package read from disk: the manifest as signed, its signature and the member files."""

    path: Path
    manifest: dict
    manifest_raw: bytes
    signature: bytes
    members: dict[str, bytes]

    @property
    def package_id(self) -> uuid.UUID:
        return uuid.UUID(self.manifest["package_id"])


_REQUIRED = {"format": str, "format_version": int, "schema_version": str, "app_version": str,
             "package_id": str, "office_code": str, "office_id": str, "installation_id": str,
             "sequence": int, "follows": int, "full": bool, "created_at": str, "public_key": str,
             "counts": dict, "totals": dict, "files": dict}


def _damaged(detail: str) -> PackageError:
    return PackageError("damaged", _("The package is damaged or not an Okmot sync package ({detail}).")
                        .format(detail=detail))


def read(path: str | Path) -> Package:
    """Open a package and check that its parts are whole; the signature is checked by the importer."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_PACKAGE_BYTES:
            raise _damaged("file too large")
        whole = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(whole)) as zf:
            members = zf.infolist()
            # Packages are written stored (uncompressed); anything else was not made by Okmot.
            if any(i.compress_type != zipfile.ZIP_STORED for i in members):
                raise _damaged("compressed members")
            data = {i.filename: zf.read(i) for i in members}
    except FileNotFoundError:
        raise PackageError("missing", _("The file {path} does not exist.").format(path=path)) from None
    except PackageError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise _damaged(str(exc) or type(exc).__name__) from None
    if MANIFEST not in data or SIGNATURE not in data:
        raise _damaged("no manifest or signature")
    raw = data.pop(MANIFEST)
    signature = data.pop(SIGNATURE)
    if build(raw, signature, data) != whole:
        raise _damaged("the file is not as it was written")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _damaged("unreadable manifest") from None
    if not isinstance(manifest, dict):
        raise _damaged("unreadable manifest")
    for key, kind in _REQUIRED.items():
        if not isinstance(manifest.get(key), kind) or (kind is int and isinstance(manifest.get(key), bool)):
            raise _damaged(f"manifest field {key}")
    return Package(path, manifest, raw, signature, data)
