"""District side: the trusted offices with their last imported package and live record counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.models import AiylAimak, ImportedPackage, TrustedOffice
from okmot.sync import scope

#: An office whose last package was made longer ago than this is overdue (packages go monthly).
OVERDUE_DAYS = 35


@dataclass(frozen=True)
class OfficeStatus:
    office_code: str
    installation_id: str
    fingerprint: str
    trusted_at: dt.datetime
    trusted_by: str
    last_sequence: int | None
    last_imported_at: dt.datetime | None
    last_package_created_at: dt.datetime | None
    packages_imported: int
    counts: dict[str, int] = field(default_factory=dict)
    #: The aiyl aimak's name as the office's own records give it (empty before its first import).
    name_ky: str = ""
    name_ru: str = ""

    def overdue(self, today: dt.date) -> bool:
        """No package imported yet, or the last one was made more than OVERDUE_DAYS before ``today``."""
        made = self.last_package_created_at
        return made is None or (today - made.date()).days > OVERDUE_DAYS

    def as_json(self) -> dict:
        def iso(value):
            return value.isoformat() if value is not None else None

        return {"office_code": self.office_code, "installation_id": self.installation_id,
                "fingerprint": self.fingerprint, "trusted_at": iso(self.trusted_at), "trusted_by": self.trusted_by,
                "last_sequence": self.last_sequence, "last_imported_at": iso(self.last_imported_at),
                "last_package_created_at": iso(self.last_package_created_at),
                "packages_imported": self.packages_imported, "counts": self.counts,
                "name_ky": self.name_ky, "name_ru": self.name_ru}


def offices(session: Session) -> list[OfficeStatus]:
    """Every trusted office, ordered by code, with what the district holds of it."""
    out = []
    for office in session.scalars(select(TrustedOffice).where(TrustedOffice.deleted_at.is_(None))
                                  .order_by(TrustedOffice.office_code, TrustedOffice.installation_id)):
        imported = session.scalars(select(ImportedPackage).where(
            ImportedPackage.office_code == office.office_code,
            ImportedPackage.installation_id == office.installation_id,
            ImportedPackage.result == "imported").order_by(ImportedPackage.sequence.desc())).all()
        last = imported[0] if imported else None
        aimak = session.get(AiylAimak, office.office_id)
        out.append(OfficeStatus(
            office.office_code, office.installation_id, office.fingerprint, office.trusted_at, office.trusted_by,
            last.sequence if last else None, last.imported_at if last else None,
            last.package_created_at if last else None, len(imported),
            scope.live_counts(session, office.office_id, office.office_code),
            aimak.name_ky if aimak else "", aimak.name_ru if aimak else ""))
    return out
