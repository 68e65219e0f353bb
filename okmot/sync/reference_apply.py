"""Village side of reference packages: verify against the district key, preview per kind, apply atomically."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot import codes
from okmot.db.base import utcnow
from okmot.db.engine import Actor, Database
from okmot.db.journal import actor_of
from okmot.errors import UserError, ValidationError
from okmot.i18n import N_, _, current_language
from okmot.models import CalendarDay, ServiceEntry
from okmot.permissions import require_session
from okmot.services import audit, office_setup, service_register, settings, signing, work_calendar
from okmot.services.service_register import ServiceData
from okmot.sync import district_key, reference
from okmot.sync.package import PackageError

log = logging.getLogger(__name__)

STATUSES = {"new": N_("new"), "changed": N_("changed"), "unchanged": N_("unchanged"), "removed": N_("removed")}

#: What a clerk calls the parts of a standard that changed.
_FIELD_LABELS = {
    "code": N_("code"), "name_ky": N_("name"), "name_ru": N_("name"), "register": N_("register"),
    "sections": N_("wording of the standard"), "accept_days": N_("time limits"), "provide_days": N_("time limits"),
    "issue_days": N_("time limits"), "documents": N_("required documents"), "fees": N_("fees"),
    "is_paid": N_("fees"), "duplicate_fee_tyiyn": N_("fees"), "refusal_grounds": N_("refusal grounds"),
    "appeal_ky": N_("appeal procedure"), "appeal_ru": N_("appeal procedure"), "active": N_("in use"),
    "review_on": N_("review date"), "valid_from": N_("valid from"),
}


@dataclass(frozen=True)
class Change:
    status: str
    key: str
    name: str
    fields: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"status": self.status, "key": self.key, "name": self.name, "fields": list(self.fields)}


@dataclass(frozen=True)
class KindPreview:
    kind: str
    changes: tuple[Change, ...]

    @property
    def label(self) -> str:
        return _(reference.KINDS[self.kind])

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.changes)

    def as_json(self) -> dict:
        return {"kind": self.kind, **{s: self.count(s) for s in STATUSES},
                "changes": [c.as_json() for c in self.changes if c.status != "unchanged"]}


@dataclass(frozen=True)
class ReferenceReport:
    """What a reference package would do or did: preview, applied, already_applied or refused (with ``reason``)."""

    path: str
    status: str
    message: str
    reason: str = ""
    version: int | None = None
    current_version: int = 0
    created_at: str = ""
    key_fingerprint: str = ""
    kinds: tuple[KindPreview, ...] = ()

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    @property
    def has_changes(self) -> bool:
        return any(c.status != "unchanged" for k in self.kinds for c in k.changes)

    def as_json(self) -> dict:
        return {"path": self.path, "status": self.status, "reason": self.reason, "message": self.message,
                "version": self.version, "current_version": self.current_version, "created_at": self.created_at,
                "key_fingerprint": self.key_fingerprint, "kinds": [k.as_json() for k in self.kinds]}


@dataclass(frozen=True)
class InUse:
    """The reference data version this office uses (0: none applied yet, the shipped examples)."""

    version: int
    created_at: dt.datetime | None
    applied_at: dt.datetime | None
    key_fingerprint: str

    def text(self) -> str:
        if not self.version:
            return _("none applied yet (the register shipped with Okmot)")
        made = f"{self.created_at:%d.%m.%Y}" if self.created_at else "—"
        applied = f"{self.applied_at:%d.%m.%Y %H:%M}" if self.applied_at else "—"
        return _("version {n} of {made}, applied {applied}").format(n=self.version, made=made, applied=applied)


def in_use(session: Session) -> InUse:
    info = settings.get(session, "reference_applied") or {}
    parse = lambda v: dt.datetime.fromisoformat(v) if v else None  # noqa: E731
    return InUse(settings.get(session, "reference_version") or 0, parse(info.get("created_at")),
                 parse(info.get("applied_at")), info.get("key_fingerprint", ""))


def _file_fingerprint(raw_public: bytes) -> str:
    """The fingerprint of the key file for this key, as the clerk saw it at setup and the district reads it out."""
    return office_setup.key_fingerprint(district_key.public_key_file(raw_public))


def _verify(session: Session, pkg: reference.ReferencePackage) -> dict:
    """Check the package against the district key this office was set up with; the decoded content."""
    try:
        key = district_key.village_district_key(session)
    except UserError as exc:
        raise PackageError("bad_district_key", exc.message) from None
    if key is None:
        raise PackageError("no_district_key", _(
            "This office has no district key, so a reference package cannot be checked. Choose the district's key "
            "file under Administration → Settings first."))
    trusted = district_key.raw_public(key)
    try:
        claimed = signing.unb64(pkg.manifest["public_key"])
    except ValueError:
        claimed = b""
    if claimed != trusted:
        shown = _file_fingerprint(claimed) if len(claimed) == 32 else "?"
        raise PackageError("foreign_key", _(
            "The reference package is signed by another key (fingerprint {fp}), not by the district key this office "
            "was set up with ({trusted}). It was refused.").format(fp=shown, trusted=_file_fingerprint(trusted)))
    try:
        key.verify(pkg.signature, pkg.manifest_raw)
    except InvalidSignature:
        raise PackageError("bad_signature", _("The reference package's signature does not match its content: "
                                              "it was altered or damaged. It was refused.")) from None
    return reference.content(pkg)


def _service_changes(session: Session, services: tuple[ServiceData, ...]) -> tuple[Change, ...]:
    language = current_language()
    have = {r.data.code: r.data for r in service_register.list_services(session)}
    changes = []
    for data in services:
        old = have.get(data.code)
        if old is None:
            changes.append(Change("new", data.code, data.name(language)))
            continue
        fields = [f.name for f in dataclasses.fields(ServiceData) if getattr(old, f.name) != getattr(data, f.name)]
        labels = tuple(dict.fromkeys(_(_FIELD_LABELS.get(f, N_("other details"))) for f in fields))
        changes.append(Change("changed" if fields else "unchanged", data.code, data.name(language), labels))
    sent = {d.code for d in services}
    # The district owns the base register: a base service it no longer lists is taken out of use.
    # The council's supplementary services are the village's own and are left alone.
    for code, old in sorted(have.items()):
        if code not in sent and old.register == "base" and old.active:
            changes.append(Change("removed", code, old.name(language)))
    return tuple(changes)


def _day_name(day: dt.date, kind: str, ky: str, ru: str) -> str:
    name = (ru if current_language() == "ru" else ky) or _(work_calendar.DAY_KINDS.get(kind, kind))
    return f"{day:%d.%m.%Y} {name}"


def _calendar_changes(session: Session, days: tuple[dict, ...]) -> tuple[Change, ...]:
    have = {r.on_date: r for r in session.scalars(select(CalendarDay).where(CalendarDay.deleted_at.is_(None)))}
    changes = []
    for d in days:
        old = have.get(d["on_date"])
        name = _day_name(d["on_date"], d["kind"], d["name_ky"], d["name_ru"])
        status = "new" if old is None else (
            "unchanged" if (old.kind, old.name_ky, old.name_ru) == (d["kind"], d["name_ky"], d["name_ru"]) else "changed")
        changes.append(Change(status, d["on_date"].isoformat(), name))
    sent = {d["on_date"] for d in days}
    for day, old in sorted(have.items()):
        if day not in sent:
            changes.append(Change("removed", day.isoformat(), _day_name(day, old.kind, old.name_ky, old.name_ru)))
    return tuple(changes)


def _norm_name(part: str, code: str) -> str:
    if part == "land":
        return _("land: {name}").format(name=codes.label(codes.LAND_CATEGORIES, code))
    return _("livestock: {name}").format(name=codes.label(codes.SPECIES, code))


def _norms_changes(session: Session, norms: dict) -> tuple[Change, ...]:
    have = settings.get(session, "income_norms") or {}
    changes = []
    for part in ("land", "livestock"):
        old, new = have.get(part) or {}, norms.get(part) or {}
        for code in sorted(set(old) | set(new)):
            status = ("removed" if code not in new else "new" if code not in old
                      else "unchanged" if old[code] == new[code] else "changed")
            amounts = tuple(f"{v / 100:.2f}" for v in (old.get(code), new.get(code)) if v is not None)
            changes.append(Change(status, f"{part}:{code}", _norm_name(part, code),
                                  (_("{amounts} som").format(amounts=" → ".join(amounts)),)))
    return tuple(changes)


def _previews(session: Session, content: dict) -> tuple[KindPreview, ...]:
    makers = {"services": _service_changes, "calendar": _calendar_changes, "income_norms": _norms_changes}
    return tuple(KindPreview(kind, makers[kind](session, content[kind])) for kind in reference.KINDS if kind in content)


def _report(pkg: reference.ReferencePackage, status: str, message: str, current: int,
            kinds: tuple[KindPreview, ...] = ()) -> ReferenceReport:
    m = pkg.manifest
    return ReferenceReport(pkg.path, status, message, version=m["reference_version"], current_version=current,
                           created_at=m["created_at"], key_fingerprint=m["key_fingerprint"], kinds=kinds)


def _checked(session: Session, pkg: reference.ReferencePackage) -> tuple[dict, int, ReferenceReport | None]:
    """The content and the version in use; a report instead when the package is the one already applied."""
    content = _verify(session, pkg)
    current = settings.get(session, "reference_version") or 0
    if pkg.version == current:
        return content, current, _report(pkg, "already_applied", _(
            "Reference package version {n} is already applied; nothing changed.").format(n=current), current)
    if pkg.version < current:
        raise PackageError("older", _(
            "This reference package (version {n}) is older than the one in use (version {current}); "
            "it was refused.").format(n=pkg.version, current=current))
    return content, current, None


def preview(session: Session, pkg: reference.ReferencePackage) -> ReferenceReport:
    """What applying the package would change, per kind; writes nothing. Raises PackageError when refused."""
    content, current, done = _checked(session, pkg)
    if done is not None:
        return done
    return _report(pkg, "preview", _("Reference package version {n} (in use: {current}); nothing was written yet.")
                   .format(n=pkg.version, current=current), current, _previews(session, content))


def _apply_services(session: Session, services: tuple[ServiceData, ...], changes: tuple[Change, ...]) -> None:
    by_code = {d.code: d for d in services}
    for change in changes:
        if change.status == "unchanged":
            continue
        row = session.scalar(select(ServiceEntry).where(ServiceEntry.code == change.key))
        if change.status == "removed":
            current = service_register.get_service(session, row.id)
            service_register.save_service(session, dataclasses.replace(current.data, active=False), service_id=row.id)
            continue
        if row is not None and row.deleted_at is not None:
            # A service deleted here long ago comes back under its old record, keeping its history.
            row.deleted_at = None
            session.flush()
        service_register.save_service(session, by_code[change.key], service_id=row.id if row is not None else None)


def _apply_calendar(session: Session, days: tuple[dict, ...], changes: tuple[Change, ...]) -> None:
    by_key = {d["on_date"].isoformat(): d for d in days}
    for change in changes:
        if change.status == "removed":
            work_calendar.remove_day(session, dt.date.fromisoformat(change.key))
        elif change.status != "unchanged":
            d = by_key[change.key]
            work_calendar.set_day(session, on_date=d["on_date"], kind=d["kind"], name_ky=d["name_ky"],
                                  name_ru=d["name_ru"])


def apply(session: Session, pkg: reference.ReferencePackage) -> ReferenceReport:
    """Verify and apply the package in the caller's unit of work: all kinds or nothing.

    Every change goes through the services (so the journal keeps each earlier wording), the
    version in use is stored and the application is written to the audit trail. Raises
    PackageError when the package is refused; the caller's transaction must then roll back.
    """
    require_session(session, "reference.apply")
    content, current, done = _checked(session, pkg)
    if done is not None:
        return done
    kinds = _previews(session, content)
    try:
        for kind in kinds:
            if kind.kind == "services":
                _apply_services(session, content["services"], kind.changes)
            elif kind.kind == "calendar":
                _apply_calendar(session, content["calendar"], kind.changes)
            elif any(c.status != "unchanged" for c in kind.changes):
                settings.put(session, "income_norms", content["income_norms"])
    except ValidationError as exc:
        raise PackageError("invalid", _("The reference package holds data this office cannot take ({detail}); "
                                        "nothing was applied.").format(detail="; ".join(exc.fields.values()))) from None
    settings.put(session, "reference_version", pkg.version)
    settings.put(session, "reference_applied", {
        "created_at": pkg.manifest["created_at"], "applied_at": utcnow().replace(microsecond=0).isoformat(),
        "key_fingerprint": pkg.manifest["key_fingerprint"]})
    audit.record(session, actor_of(session), "import", subject_table="reference_package", detail={
        "reference_version": pkg.version, "previous_version": current,
        "changes": {k.kind: {s: k.count(s) for s in STATUSES} for k in kinds}})
    session.flush()
    return _report(pkg, "applied", _("Reference package version {n} was applied.").format(n=pkg.version),
                   current, kinds)


def apply_file(db: Database, path: str | Path, *, actor: Actor, dry_run: bool = False) -> ReferenceReport:
    """Read, verify and apply (or preview) a reference package file; a refusal is reported and writes nothing."""
    shown = str(path)
    try:
        pkg = reference.read_file(path)
        if dry_run:
            with db.session(None) as session:
                return preview(session, pkg)
        with db.session(actor) as session:
            return apply(session, pkg)
    except PackageError as exc:
        log.warning("reference package %s refused: %s", shown, exc.message)
        return ReferenceReport(shown, "refused", exc.message, exc.reason)
