"""Sync package format v1: a zip of manifest.json, its detached Ed25519 signature and JSON Lines per table."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import operator
import re
import struct
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from json.encoder import encode_basestring

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Integer, Numeric, String, Table, Uuid

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
#: Two files of the manifest plus one per synced table, with room for tables to come.
MAX_MEMBERS = 64
#: Records of one table in one package: ten times the persons of the largest aiyl aimak.
MAX_RECORDS = 10_000_000
#: Fields of zipfile.structFileHeader: the lengths of the name and the extra field after the header.
_FH_NAME_LENGTH, _FH_EXTRA_LENGTH = 10, 11
_RECORDS_NAME = re.compile(r"records/[a-z][a-z0-9_]{0,62}\.jsonl")
#: The JSON type each kind of column must arrive as (JSON true is no count: bool is checked as its own type).
_JSON_TYPES = ((Boolean, bool), (Integer, int), (String, str), (Uuid, str), (DateTime, str), (Date, str))
#: SQLite holds at most a signed 64-bit integer; a bigger number would fail deep inside the insert.
_INT_LIMIT = 2 ** 63


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


def _fast_json(kind, dialect: str, generic: Callable) -> Callable | None:
    """The JSON text of a driver value for the common column types, or None for ``generic``.

    Each function checks that the value has the shape it expects (SQLite's text and integers,
    psycopg's objects) and hands anything else to ``generic``: the result is always the same.
    """
    if isinstance(kind, String):
        return lambda v: encode_basestring(v) if type(v) is str else generic(v)
    if isinstance(kind, Boolean):
        return lambda v: ("true" if v else "false") if type(v) in (bool, int) else generic(v)
    if isinstance(kind, Integer):
        return lambda v: int.__repr__(v) if type(v) is int else generic(v)
    if dialect == "sqlite":
        if isinstance(kind, Uuid):
            # Stored as its 32 hex digits; str(uuid.UUID) puts the dashes back.
            def uuid_text(v):
                if type(v) is str and len(v) == 32:
                    v = v.lower()
                    return f'"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"'
                return generic(v)
            return uuid_text
        if isinstance(kind, DateTime):
            # Stored as "YYYY-MM-DD HH:MM:SS.ffffff"; isoformat() writes "T" and drops zero microseconds.
            def datetime_text(v):
                if type(v) is str and len(v) == 26 and v[10] == " " and v[19] == ".":
                    return f'"{v[:10]}T{v[11:19]}"' if v.endswith(".000000") else f'"{v[:10]}T{v[11:]}"'
                return generic(v)
            return datetime_text
        if isinstance(kind, Date):
            return lambda v: f'"{v}"' if type(v) is str and len(v) == 10 and v[4] == "-" else generic(v)
        return None
    if isinstance(kind, Uuid):
        return lambda v: f'"{v}"' if type(v) is uuid.UUID else generic(v)
    if isinstance(kind, DateTime):
        return lambda v: '"' + v.isoformat() + '"' if type(v) is dt.datetime else generic(v)
    if isinstance(kind, Date):
        return lambda v: '"' + v.isoformat() + '"' if type(v) is dt.date else generic(v)
    return None


def _driver_json(column, dialect) -> Callable:
    """A function turning the driver's value of ``column`` (not None) into its JSON text in a record line.

    The text is what ``json.dumps`` writes for ``jsonable`` of the value SQLAlchemy would return:
    the common column types are converted straight from the driver's value; anything else goes
    through the column's own result processor and ``jsonable``.
    """
    kind = column.type
    process = kind.dialect_impl(dialect).result_processor(dialect, None)

    def generic(value) -> str:
        value = jsonable(process(value) if process is not None else value)
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    if isinstance(kind, (Enum, JSON, Numeric)):
        return generic
    return _fast_json(kind, dialect.name, generic) or generic


#: Rows encoded at once by DriverEncoder: bounds the memory of the intermediate texts.
ENCODE_SLICE = 10_000
#: Column types whose driver values convert by one C function that refuses (TypeError) any other value.
_C_JSON = ((Boolean, None), (String, encode_basestring), (Integer, int.__repr__))


class DriverEncoder:
    """Encodes rows of one table as the database driver returns them; the same bytes as ``encode_record``.

    A full package of a 10 000-household village has some 250 000 records: reading them through
    SQLAlchemy's result processing (a UUID object per id, a datetime per stamp) and a dict per
    record for ``json.dumps`` cost more than the database's own work. Here values are converted
    column by column (text and integers by C functions over the whole column), and each line is
    one ``%`` format of a template with the sorted keys already in place.
    """

    def __init__(self, table: Table, names: list[str], dialect):
        order = sorted(range(len(names)), key=lambda i: names[i])
        self.template = "{" + ",".join(f"{json.dumps(names[i], ensure_ascii=False)}:%s" for i in order) + "}\n"
        self.columns = []
        for i in order:
            column = table.c[names[i]]
            fast = next((f for kind, f in _C_JSON if isinstance(column.type, kind)), None)
            if isinstance(column.type, (Enum, JSON)):
                fast = None
            self.columns.append((i, fast, _driver_json(column, dialect)))

    def encode(self, rows: list) -> bytes:
        """The JSON Lines of ``rows`` (tuples in ``names`` order), in their order, as one byte string."""
        parts = []
        # A slice at a time: the converted texts of a whole table would be several times its bytes.
        for start in range(0, len(rows), ENCODE_SLICE):
            values = list(zip(*rows[start:start + ENCODE_SLICE]))
            texts = [_column_texts(values[i], fast, checked) for i, fast, checked in self.columns]
            parts.append("".join(map(self.template.__mod__, zip(*texts))).encode("utf-8"))
        return b"".join(parts)


def _column_texts(values: tuple, fast, checked) -> list[str]:
    if fast is not None and None not in values:
        try:
            return list(map(fast, values))
        except TypeError:
            pass  # a value of another type (a hostile database): each value takes the checked path
    return ["null" if v is None else checked(v) for v in values]


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


def _json_type(column) -> type | None:
    return next((kind for sql, kind in _JSON_TYPES if isinstance(column.type, sql)), None)


class RecordDecoder:
    """Decodes the JSON Lines of one table, with each column's converter looked up once.

    A value of the wrong JSON type, a null in a required column or an integer SQLite cannot hold is
    refused: SQLite would otherwise store a text in an integer column without a word.
    """

    def __init__(self, table: Table, names: list[str]):
        self.table = table
        self.names = frozenset(names)
        self.converters = [(name, _converter(table.c[name])) for name in names]
        #: One record's values in ``names`` order (a tuple even for a single column).
        self.getter = operator.itemgetter(*names) if len(names) > 1 else (lambda raw: (raw[names[0]],))
        self.checks = [(name, _json_type(column), column.nullable or isinstance(column.type, JSON))
                       for name, column in ((name, table.c[name]) for name in names)]

    def __call__(self, line: bytes) -> dict:
        return self.convert(self.parse(line))

    def parse(self, line: bytes) -> dict:
        """The line's JSON object (values as they travel), after checking it has exactly the table's fields."""
        raw = json.loads(line)
        if not isinstance(raw, dict) or raw.keys() != self.names:
            raise ValueError(f"the record's fields do not match table {self.table.name}")
        for name, kind, nullable in self.checks:
            value = raw[name]
            if value is None:
                if not nullable:
                    raise ValueError(f"{self.table.name}.{name} is empty")
            elif kind is not None and (type(value) is not kind
                                       or (kind is int and not -_INT_LIMIT <= value < _INT_LIMIT)):
                raise ValueError(f"{self.table.name}.{name} has a value of the wrong type")
        return raw

    def convert(self, raw: dict) -> dict:
        """The database values of a parsed line."""
        return {name: (value if (value := raw[name]) is None or convert is None else convert(value))
                for name, convert in self.converters}

    def decode_all(self, lines: list[bytes]) -> list[tuple[dict, dict]]:
        """(value as it travels, database value) per line: ``parse`` and ``convert`` of each, done column by column.

        The same checks and the same values as line by line, for a table of 100 000 records: the
        JSON types of a column are checked as one set of types, its integers' range by min and max,
        and each converter runs over the whole column.
        """
        raws = list(map(json.loads, lines))
        columns = self._checked(raws)
        if not columns:
            return []
        converted = [values if convert is None else [None if v is None else convert(v) for v in values]
                     for values, (_name, convert) in zip(columns, self.converters, strict=True)]
        names = [name for name, _convert in self.converters]
        return list(zip(raws, (dict(zip(names, row)) for row in zip(*converted))))

    def _checked(self, raws: list) -> list[tuple]:
        """The parsed lines' values column by column (``names`` order), after checking fields, JSON types,
        nulls and integer ranges; no columns for no lines."""
        if set(map(type, raws)) - {dict} or not all(map(operator.eq, map(dict.keys, raws), repeat(self.names))):
            raise ValueError(f"the record's fields do not match table {self.table.name}")
        if not raws:
            return []
        columns = list(zip(*map(self.getter, raws)))
        for values, (name, kind, nullable) in zip(columns, self.checks, strict=True):
            types = set(map(type, values))
            if not nullable and type(None) in types:
                raise ValueError(f"{self.table.name}.{name} is empty")
            types.discard(type(None))
            if kind is None or not types:
                continue
            if types != {kind}:
                raise ValueError(f"{self.table.name}.{name} has a value of the wrong type")
            if kind is int:
                present = [v for v in values if v is not None] if nullable else values
                if not (-_INT_LIMIT <= min(present) and max(present) < _INT_LIMIT):
                    raise ValueError(f"{self.table.name}.{name} has a value of the wrong type")
        return columns

    def decode_driver(self, lines: list[bytes], dialect) -> DriverRecords:
        """The records as driver values for ``dialect``, column by column, with each line's text.

        The same checks as ``decode_all``, and values the driver stores exactly as SQLAlchemy would
        store the ones ``convert`` makes (``bulk.driver_rows``): only for records inserted as they are.
        """
        texts = [line.decode("utf-8") for line in lines]
        columns = self._checked(list(map(json.loads, texts)))
        if not columns:
            return DriverRecords({name: [] for name, _convert in self.converters}, texts)
        return DriverRecords({name: _to_driver(self.table.c[name], convert, values, dialect)
                              for values, (name, convert) in zip(columns, self.converters, strict=True)}, texts)


#: A UUID as a package writes it (str of uuid.UUID); any other spelling takes uuid.UUID's slower path.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


def _to_driver(column, convert, values: list, dialect) -> list:
    """The driver values of one column's JSON values: what its bind processor makes of ``convert``'s values.

    UUIDs become their hex (SQLAlchemy's Uuid stores it on SQLite; PostgreSQL's uuid type reads it),
    checked by one regular expression instead of a uuid.UUID per value. SQLite takes date-times and
    dates as the text SQLAlchemy would write (``isoformat`` with a space and microseconds is exactly
    its storage format), parsed first so an impossible date is refused as before. Anything else
    (or a value in another spelling) goes through ``convert`` and the bind processor.
    """
    present = [v for v in values if v is not None] if None in values else values
    if isinstance(column.type, Uuid) and all(map(_CANONICAL_UUID, present)):
        return [None if v is None else v.replace("-", "") for v in values]
    converted = [None if v is None else convert(v) for v in values] if convert is not None else values
    if dialect.name == "sqlite" and isinstance(column.type, DateTime):
        # A date-time with a UTC offset keeps SQLAlchemy's own conversion (it drops the offset).
        if all(v is None or v.tzinfo is None for v in converted):
            return [None if v is None else v.isoformat(" ", "microseconds") for v in converted]
    elif dialect.name == "sqlite" and isinstance(column.type, Date):
        return [None if v is None else v.isoformat() for v in converted]
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return converted if process is None else [None if v is None else process(v) for v in converted]


@dataclass(frozen=True)
class DriverRecords:
    """One table's records from a package as driver values per column, and each record's line as text."""

    columns: dict[str, list]
    lines: list[str]

    def rows(self, names: list[str]) -> list[tuple]:
        return list(zip(*(self.columns[name] for name in names)))


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
    write(out, manifest_raw, signature, members)
    return out.getvalue()


def write(out, manifest_raw: bytes, signature: bytes, members: dict) -> None:
    """``build`` into the open binary file ``out`` (seekable), without holding the package in memory."""
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(_member(MANIFEST), manifest_raw)
        zf.writestr(_member(SIGNATURE), signature)
        for name in sorted(members):
            zf.writestr(_member(name), members[name])


def manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


@dataclass(frozen=True)
class Package:
    """A package read from disk: the manifest as signed, its signature and the member files."""

    path: Path
    manifest: dict
    manifest_raw: bytes
    signature: bytes
    #: The record files, as views into the package's bytes (``bytes(view)`` for a copy).
    members: dict[str, memoryview]

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


def _check_members(members: list[zipfile.ZipInfo], size: int) -> None:
    """Refuse what Okmot never writes before reading any member: odd names, doubles, overlapping data."""
    names = [i.filename for i in members]
    if len(names) > MAX_MEMBERS:
        raise _damaged("too many files")
    if len(set(names)) != len(names):
        raise _damaged("a file appears twice")
    odd = [n for n in names if n not in (MANIFEST, SIGNATURE) and not _RECORDS_NAME.fullmatch(n)]
    if odd:
        raise _damaged("unexpected file " + odd[0][:80])
    # Packages are written stored (uncompressed); anything else was not made by Okmot.
    if any(i.compress_type != zipfile.ZIP_STORED for i in members):
        raise _damaged("compressed members")
    # Stored members cannot add up to more than the file itself: more means they overlap (a zip bomb).
    if sum(i.file_size for i in members) > size:
        raise _damaged("file sizes do not add up")


def _check_manifest(manifest: dict) -> None:
    for key, kind in _REQUIRED.items():
        if not isinstance(manifest.get(key), kind) or (kind is int and isinstance(manifest.get(key), bool)):
            raise _damaged(f"manifest field {key}")
    for key in ("format_version", "sequence", "follows"):
        if not 0 <= manifest[key] < _INT_LIMIT:
            raise _damaged(f"manifest field {key}")
    for key in ("counts", "totals"):
        if not all(type(n) is int and 0 <= n <= MAX_RECORDS for n in manifest[key].values()):
            raise _damaged(f"manifest field {key}")
    if not all(isinstance(digest, str) for digest in manifest["files"].values()):
        raise _damaged("manifest field files")


def read(path: str | Path, *, unseal: Callable[[bytes], bytes] | None = None) -> Package:
    """Open a package and check that its parts are whole; the signature is checked by the importer.

    ``unseal`` (okmot.sync.sealing.opener) opens an encrypted package; a plain one passes through it.
    The file is read once: the members are views into its bytes (``memoryview``), not copies, and
    the canonical form is checked without building a second copy (``_SameBytes``), so a package
    costs about its own size in memory.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_PACKAGE_BYTES:
            raise _damaged("file too large")
        whole = path.read_bytes()
        if unseal is not None:
            whole = unseal(whole)
        view = memoryview(whole)
        with zipfile.ZipFile(io.BytesIO(whole)) as zf:
            members = zf.infolist()
            _check_members(members, len(whole))
            data = {i.filename: _stored_data(view, i) for i in members}
    except FileNotFoundError:
        raise PackageError("missing", _("The file {path} does not exist.").format(path=path)) from None
    except PackageError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, struct.error) as exc:
        raise _damaged(str(exc) or type(exc).__name__) from None
    if MANIFEST not in data or SIGNATURE not in data:
        raise _damaged("no manifest or signature")
    raw = bytes(data.pop(MANIFEST))
    signature = bytes(data.pop(SIGNATURE))
    if not _is_built_from(view, raw, signature, data):
        raise _damaged("the file is not as it was written")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _damaged("unreadable manifest") from None
    if not isinstance(manifest, dict):
        raise _damaged("unreadable manifest")
    _check_manifest(manifest)
    return Package(path, manifest, raw, signature, data)


def _stored_data(view: memoryview, info: zipfile.ZipInfo) -> memoryview:
    """A stored member's bytes as a view into the file (its local header gives where they start).

    Whatever a hostile header says, the canonical check that follows refuses a file whose members
    are not exactly where ``build`` puts them.
    """
    start = info.header_offset + zipfile.sizeFileHeader
    header = struct.unpack(zipfile.structFileHeader, view[info.header_offset:start])
    if header[0] != zipfile.stringFileHeader:
        raise _damaged("a file header is damaged")
    start += header[_FH_NAME_LENGTH] + header[_FH_EXTRA_LENGTH]
    return view[start:start + info.file_size]


class _SameBytes(io.RawIOBase):
    """A file ``zipfile`` writes into that compares each write with ``expected`` instead of keeping it.

    zipfile writes a member's header with a blank checksum and comes back to rewrite it once the
    data is written: a write that differs is remembered until the same place is written again
    with the expected bytes. Writes must follow each other without gaps.
    """

    def __init__(self, expected: memoryview):
        super().__init__()
        self.expected, self.pos, self.end = expected, 0, 0
        self.differing: dict[int, int] = {}

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        self.pos = pos + (self.pos if whence == io.SEEK_CUR else self.end if whence == io.SEEK_END else 0)
        return self.pos

    def write(self, data) -> int:
        n = memoryview(data).nbytes
        if self.pos > self.end or self.expected[self.pos:self.pos + n] != data:
            self.differing[self.pos] = max(n, self.differing.get(self.pos, 0))
        elif self.differing.get(self.pos, n) <= n:
            self.differing.pop(self.pos, None)
        self.pos += n
        self.end = max(self.end, self.pos)
        return n

    @property
    def same(self) -> bool:
        return not self.differing and self.end == len(self.expected)


def _is_built_from(whole: memoryview, manifest_raw: bytes, signature: bytes, members: dict) -> bool:
    """True when ``build`` of these parts gives exactly ``whole`` (compared as it is written, not copied)."""
    out = _SameBytes(whole)
    write(out, manifest_raw, signature, members)
    return out.same
