"""Several packages at once: their import order, which offices still need trust, and the register of packages sent."""

from __future__ import annotations

import binascii
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.db.engine import Actor, Database
from okmot.models import SentPackage, TrustedOffice
from okmot.services import signing
from okmot.sync import package
from okmot.sync.consolidate import ImportReport, import_package


@dataclass(frozen=True)
class Planned:
    """A package file as its manifest presents it; office fields are empty for an unreadable file."""

    path: str
    office_code: str = ""
    installation_id: str = ""
    sequence: int = 0
    fingerprint: str = ""

    @property
    def office_key(self) -> tuple[str, str, str]:
        return (self.office_code, self.installation_id, self.fingerprint)


@dataclass(frozen=True)
class SentInfo:
    sequence: int
    full: bool
    created_at: dt.datetime
    file_name: str


def plan(paths: Sequence[str | Path], *, unseal: Callable[[bytes], bytes] | None = None) -> list[Planned]:
    """The packages of one office in their sequence order (unreadable files last, to be refused with a reason).

    ``unseal`` (okmot.sync.sealing.opener of the district database) opens encrypted packages, so they
    are ordered by their manifests too; without it, or when it cannot open one, a sealed file counts
    as unreadable here and is ordered by its name.
    """
    out = []
    for path in paths:
        try:
            m = package.read(path, unseal=unseal).manifest
            fingerprint = signing.fingerprint(signing.unb64(m["public_key"]))
            out.append(Planned(str(path), m["office_code"], m["installation_id"], m["sequence"], fingerprint))
        except (package.PackageError, ValueError, binascii.Error):
            out.append(Planned(str(path)))
    return sorted(out, key=lambda p: (not p.office_code, p.office_code, p.installation_id, p.sequence, p.path))


def trusted(session: Session) -> set[tuple[str, str, str]]:
    """(office code, installation, key fingerprint) of every office the district already trusts."""
    return {(r.office_code, r.installation_id, r.fingerprint) for r in session.execute(
        select(TrustedOffice.office_code, TrustedOffice.installation_id, TrustedOffice.fingerprint)
        .where(TrustedOffice.deleted_at.is_(None)))}


def to_trust(session: Session, reports: Sequence[ImportReport]) -> list[ImportReport]:
    """One checked (dry-run) report per office seen for the first time: the operator confirms its fingerprint."""
    known = {(code, inst) for code, inst, _fp in trusted(session)}
    out: dict[tuple[str, str], ImportReport] = {}
    for r in reports:
        if r.status == "dry_run" and (r.office_code, r.installation_id) not in known:
            out.setdefault((r.office_code, r.installation_id), r)
    return list(out.values())


def run(db: Database, planned: Sequence[Planned], *, actor: Actor, dry_run: bool,
        trust: Collection[tuple[str, str, str]] = (),
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None) -> list[ImportReport]:
    """Check or import each package in turn, each in its own transaction; stops between packages when cancelled.

    A package's new office is trusted only when its (office, installation, fingerprint) is in ``trust``:
    the fingerprint the operator confirmed, not whatever a later file claims.
    """
    reports = []
    for n, item in enumerate(planned):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(n, len(planned))
        reports.append(import_package(db, item.path, actor=actor, dry_run=dry_run,
                                      trust_new=bool(item.office_code) and item.office_key in trust))
    if progress is not None:
        progress(len(reports), len(planned))
    return reports


def sent_packages(session: Session) -> list[SentInfo]:
    """The village's register of packages written, newest first."""
    return [SentInfo(r.sequence, r.full, r.created_at, r.file_name) for r in session.scalars(
        select(SentPackage).where(SentPackage.deleted_at.is_(None)).order_by(SentPackage.sequence.desc()))]
