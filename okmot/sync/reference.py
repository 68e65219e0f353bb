"""Reference packages district → village: the file format, and publishing one from the district database.

A reference package carries the reference data the district owns: the base register of services
with their standards (wording, time limits, documents, fees), the calendar of movable holidays and
transferred days, and the income norms. It is a canonical zip like a sync package (manifest.json,
its Ed25519 signature by the district's key, one JSON file per kind) with a version number that
grows by one per publication.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

import okmot
from okmot import atomic
from okmot.db.base import utcnow
from okmot.db.engine import Actor, Database
from okmot.db.journal import actor_of
from okmot.errors import UserError
from okmot.i18n import N_, _
from okmot.models import CalendarDay
from okmot.permissions import require_session
from okmot.services import audit, service_register, settings, signing
from okmot.services.service_register import Ground, ServiceData
from okmot.sync import district_key, package
from okmot.sync.package import PackageError

FORMAT = "okmot-reference"
FORMAT_VERSION = 1
SUFFIX = ".okmref"
#: A reference package is a few hundred kilobytes; anything far larger is not one.
MAX_BYTES = 64 * 1024 ** 2

#: The kinds of reference data, in the order they are shown and applied. Code lists (okmot.codes:
#: relations, land categories, species …) are not here: they are part of the program, tied to its
#: translations and checks, and change with an update of Okmot.
KINDS = {
    "services": N_("Services and their standards (time limits, documents, fees)"),
    "calendar": N_("Holiday and work calendar"),
    "income_norms": N_("Income norms"),
}

_SERVICE_FIELDS = {f.name for f in dataclasses.fields(ServiceData)}
_CALENDAR_FIELDS = {"on_date", "kind", "name_ky", "name_ru"}
#: The ServiceData fields of a plain type (annotations are strings here), checked before the services see them.
_PLAIN_TYPES = {"str": str, "int": int, "bool": bool, "dict": dict}


def member(kind: str) -> str:
    return f"reference/{kind}.json"


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def encode_service(data: ServiceData) -> dict:
    raw = dataclasses.asdict(data)
    for name in ("review_on", "valid_from"):
        raw[name] = raw[name].isoformat() if raw[name] else None
    return raw


def decode_service(raw) -> ServiceData:
    """A ServiceData from its JSON form; ValueError when the fields are not exactly a service's."""
    if not isinstance(raw, dict) or set(raw) != _SERVICE_FIELDS:
        raise ValueError("the fields do not match a service")
    values = dict(raw)
    for f in dataclasses.fields(ServiceData):
        kind = _PLAIN_TYPES.get(str(f.type))
        value = values[f.name]
        if kind is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise ValueError(f"{f.name} is not a {str(f.type)}")
    for name in ("review_on", "valid_from"):
        values[name] = dt.date.fromisoformat(values[name]) if values[name] else None
    values["refusal_grounds"] = tuple(Ground(str(g["code"]), str(g["ky"]), str(g["ru"]))
                                      for g in values["refusal_grounds"])
    for name in ("sections", "documents", "fees"):
        if not isinstance(values[name], dict):
            raise ValueError(f"{name} is not a mapping")
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values["fees"].values()):
        raise ValueError("a fee is not a whole number of tyiyn")
    return ServiceData(**values)


def decode_day(raw) -> dict:
    if not isinstance(raw, dict) or set(raw) != _CALENDAR_FIELDS:
        raise ValueError("the fields do not match a calendar day")
    if not all(isinstance(raw[k], str) for k in _CALENDAR_FIELDS):
        raise ValueError("a calendar field is not text")
    return {**raw, "on_date": dt.date.fromisoformat(raw["on_date"])}


def decode_norms(raw) -> dict:
    if not isinstance(raw, dict) or set(raw) - {"land", "livestock"}:
        raise ValueError("the income norms are not land and livestock norms")
    for part in raw.values():
        if not isinstance(part, dict) or any(not isinstance(v, int) or isinstance(v, bool) for v in part.values()):
            raise ValueError("an income norm is not a whole number of tyiyn")
    return raw


_DECODERS = {
    "services": lambda raw: tuple(decode_service(item) for item in _listed(raw)),
    "calendar": lambda raw: tuple(decode_day(item) for item in _listed(raw)),
    "income_norms": decode_norms,
}


def _listed(raw) -> list:
    if not isinstance(raw, list):
        raise ValueError("not a list")
    return raw


# --- the district: collect and publish ------------------------------------------------------------


def collect(session: Session) -> dict:
    """The district's reference data per kind, in its JSON form; a kind the district does not hold is left out.

    Leaving out an empty kind matters: an empty calendar in the package would remove every
    village's calendar entries, while a kind that is absent leaves the villages' data as it is.
    """
    content = {}
    services = [encode_service(r.data) for r in service_register.list_services(session)
                if r.data.register == "base"]
    if services:
        content["services"] = sorted(services, key=lambda s: s["code"])
    days = session.scalars(select(CalendarDay).where(CalendarDay.deleted_at.is_(None)).order_by(CalendarDay.on_date))
    calendar = [{"on_date": d.on_date.isoformat(), "kind": d.kind, "name_ky": d.name_ky, "name_ru": d.name_ru}
                for d in days]
    if calendar:
        content["calendar"] = calendar
    norms = settings.get(session, "income_norms") or {}
    if any(norms.get(part) for part in ("land", "livestock")):
        content["income_norms"] = {part: dict(norms.get(part) or {}) for part in ("land", "livestock")}
    return content


def counts(content: dict) -> dict[str, int]:
    """Entries per kind: services, calendar days, income norms (land and livestock together)."""
    return {kind: len(value) if isinstance(value, list) else sum(len(v) for v in value.values())
            for kind, value in content.items()}


def encode(content: dict, version: int, key: Ed25519PrivateKey, created_at: dt.datetime) -> bytes:
    """The bytes of a signed reference package holding ``content`` (kind → JSON value)."""
    members = {member(kind): _json(value) for kind, value in content.items()}
    public = district_key.raw_public(key.public_key())
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": okmot.__version__,
        "reference_version": version, "created_at": created_at.isoformat(),
        "public_key": signing.b64(public), "key_fingerprint": signing.fingerprint(public),
        "counts": counts(content),
        "files": {name: package.sha256(data) for name, data in members.items()},
    }
    raw = package.manifest_bytes(manifest)
    return package.build(raw, key.sign(raw), members)


def file_name(version: int, created_at: dt.datetime) -> str:
    return f"okmot-reference-v{version:05d}-{created_at:%Y%m%d-%H%M%S}{SUFFIX}"


@dataclass(frozen=True)
class Published:
    path: Path
    version: int
    counts: dict[str, int]
    key_fingerprint: str


def build(session: Session) -> tuple[str, bytes, int, dict[str, int]]:
    """The next reference package of this district (file name, bytes, version, counts); the version is taken.

    Called inside the unit of work that writes the file, so a failed write gives the number back.
    """
    require_session(session, "reference.publish")
    if district_key.receives_reference(session):
        raise UserError(_("This database is an office that receives reference data from its district (it holds "
                          "the district's key); reference packages are published from the district database."))
    if not service_register.list_services(session):
        # A district database made by importing packages has no register yet: like a new office, it starts
        # from the one shipped with Okmot, so its first publication is the standard register.
        service_register.install_shipped(session, for_action="reference.publish")
    content = collect(session)
    if not content:
        raise UserError(_("The district database holds no reference data to publish: the base register of "
                          "services, the calendar and the income norms are all empty."))
    district_key.ensure_district_key(session)
    key = district_key.district_private_key(session)
    version = (settings.get(session, "reference_published_version") or 0) + 1
    settings.put(session, "reference_published_version", version)
    created_at = utcnow().replace(microsecond=0)
    data = encode(content, version, key, created_at)
    audit.record(session, actor_of(session), "export", subject_table="reference_package",
                 detail={"reference_version": version, "counts": counts(content)})
    return file_name(version, created_at), data, version, counts(content)


def publish(db: Database, out_dir: str | Path, *, actor: Actor) -> Published:
    """Write the next reference package into ``out_dir``; its version is kept only if the file was written."""

    folder = Path(out_dir).expanduser()
    if not folder.is_dir():
        raise UserError(_("The folder {folder} does not exist.").format(folder=folder))
    with db.session(actor) as session:
        name, data, version, published = build(session)
        fingerprint = district_key.ensure_district_key(session).fingerprint
        session.flush()
        path = atomic.write_bytes(folder / name, data)
        try:
            session.commit()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return Published(path, version, published, fingerprint)


# --- reading a package (the village) ----------------------------------------------------------------


@dataclass(frozen=True)
class ReferencePackage:
    """A reference package read from disk: its manifest as signed, the signature and the member files."""

    path: str
    manifest: dict
    manifest_raw: bytes
    signature: bytes
    members: dict[str, bytes]

    @property
    def version(self) -> int:
        return self.manifest["reference_version"]


_REQUIRED = {"format": str, "format_version": int, "app_version": str, "reference_version": int,
             "created_at": str, "public_key": str, "key_fingerprint": str, "counts": dict, "files": dict}


def _damaged(detail: str) -> PackageError:
    return PackageError("damaged", _("The file is damaged or not an Okmot reference package ({detail}).")
                        .format(detail=detail))


def parse(data: bytes, shown: str = "") -> ReferencePackage:
    """Check that the file is whole and of a format this version reads; the signature is checked on applying."""
    if len(data) > MAX_BYTES:
        raise _damaged("file too large")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if any(i.compress_type != zipfile.ZIP_STORED for i in infos):
                raise _damaged("compressed members")
            parts = {i.filename: zf.read(i) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise _damaged(str(exc) or type(exc).__name__) from None
    raw, signature = parts.pop(package.MANIFEST, None), parts.pop(package.SIGNATURE, None)
    if raw is None or signature is None:
        raise _damaged("no manifest or signature")
    if package.build(raw, signature, parts) != data:
        raise _damaged("the file is not as it was written")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _damaged("unreadable manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged("not a reference package")
    version = manifest.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise PackageError("newer", _("The reference package uses a newer format; update Okmot to apply it."))
    for key, kind in _REQUIRED.items():
        value = manifest.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _damaged(f"manifest field {key}")
    if manifest["format_version"] != FORMAT_VERSION or manifest["reference_version"] < 1:
        raise _damaged("manifest versions")
    return ReferencePackage(shown, manifest, raw, signature, parts)


def read_file(path: str | Path) -> ReferencePackage:
    path = Path(path).expanduser()
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _damaged("file too large")
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackageError("missing", _("The file {path} does not exist.").format(path=path)) from None
    except OSError as exc:
        raise PackageError("missing", _("Cannot read the file {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    return parse(data, str(path))


def content(pkg: ReferencePackage) -> dict:
    """The decoded data per kind, after checking every file against the (already verified) manifest."""
    m = pkg.manifest
    expected = {member(kind) for kind in m["counts"]}
    if set(m["files"]) != expected or set(pkg.members) != expected or set(m["counts"]) - set(KINDS):
        raise _damaged("the files do not match the manifest")
    out = {}
    for kind in KINDS:
        if kind not in m["counts"]:
            continue
        data = pkg.members[member(kind)]
        if package.sha256(data) != m["files"][member(kind)]:
            raise _damaged(f"{member(kind)} was altered")
        try:
            out[kind] = _DECODERS[kind](json.loads(data.decode("utf-8")))
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            raise _damaged(f"{member(kind)}: {exc}") from None
    return out
