"""The office's territory: the aiyl aimak, its villages and streets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.errors import NotFoundError, ValidationError
from okmot.i18n import _, current_language
from okmot.identity.names import fix_lookalikes, search_key
from okmot.models import AiylAimak, Street, Village
from okmot.permissions import require_session
from okmot.services import settings
from okmot.services.changes import Changes


@dataclass(frozen=True)
class Office:
    id: uuid.UUID
    code: str
    name_ky: str
    name_ru: str
    rayon_ky: str
    rayon_ru: str
    oblast_ky: str
    oblast_ru: str

    def name(self, language: str | None = None) -> str:
        return self.name_ru if (language or current_language()) == "ru" else self.name_ky


@dataclass(frozen=True)
class Place:
    """A village or a street, with the name in both languages."""

    id: uuid.UUID
    code: str
    name_ky: str
    name_ru: str
    parent_id: uuid.UUID | None = None

    def name(self, language: str | None = None) -> str:
        return self.name_ru if (language or current_language()) == "ru" else self.name_ky


def _office(a: AiylAimak) -> Office:
    return Office(a.id, a.code, a.name_ky, a.name_ru, a.rayon_ky, a.rayon_ru, a.oblast_ky, a.oblast_ru)


def home_office(session: Session) -> Office | None:
    """The aiyl aimak this database belongs to (None before setup)."""
    office_id = settings.get(session, "office_id")
    if office_id is None:
        return None
    aimak = session.get(AiylAimak, uuid.UUID(office_id))
    return _office(aimak) if aimak else None


def _names(name_ky: str, name_ru: str) -> tuple[str, str]:
    ky, ru = fix_lookalikes(name_ky).text, fix_lookalikes(name_ru).text
    errors = {}
    if not ky:
        errors["name_ky"] = _("Enter the name in Kyrgyz.")
    if not ru:
        errors["name_ru"] = _("Enter the name in Russian.")
    if errors:
        raise ValidationError(errors)
    return ky, ru


def create_office(session: Session, *, code: str, name_ky: str, name_ru: str, rayon_ky: str = "",
                  rayon_ru: str = "", oblast_ky: str = "", oblast_ru: str = "",
                  make_home: bool = True) -> Office:
    require_session(session, "territory.edit")
    ky, ru = _names(name_ky, name_ru)
    code = code.strip()
    if not code:
        raise ValidationError({"code": _("Enter the code of the aiyl aimak.")})
    if session.scalar(select(AiylAimak.id).where(AiylAimak.code == code)):
        raise ValidationError({"code": _("An aiyl aimak with code {code} already exists.").format(code=code)})
    aimak = AiylAimak(code=code, name_ky=ky, name_ru=ru, rayon_ky=rayon_ky, rayon_ru=rayon_ru,
                      oblast_ky=oblast_ky, oblast_ru=oblast_ru)
    session.add(aimak)
    session.flush()
    if make_home:
        settings.put(session, "office_id", str(aimak.id))
    return _office(aimak)


def create_village(session: Session, *, aimak_id: uuid.UUID, code: str, name_ky: str, name_ru: str) -> Place:
    require_session(session, "territory.edit")
    ky, ru = _names(name_ky, name_ru)
    code = code.strip()
    if not code:
        raise ValidationError({"code": _("Enter the code of the village.")})
    # The database refuses a second village with the same code in the aimak (deleted ones included):
    # say so in words instead of failing on the constraint.
    if session.scalar(select(Village.id).where(Village.aimak_id == aimak_id, Village.code == code)):
        raise ValidationError({"code": _("A village with code {code} already exists.").format(code=code)})
    village = Village(aimak_id=aimak_id, code=code, name_ky=ky, name_ru=ru, name_key=search_key(ky))
    session.add(village)
    session.flush()
    return Place(village.id, village.code, ky, ru, aimak_id)


def create_street(session: Session, *, village_id: uuid.UUID, name_ky: str, name_ru: str,
                  for_action: str = "territory.edit") -> Place:
    """A new street; ``for_action`` names the guarded action it is part of (a book import adds streets)."""
    require_session(session, for_action)
    ky, ru = _names(name_ky, name_ru)
    if session.get(Village, village_id) is None:
        raise NotFoundError(_("The village was not found."))
    street = Street(village_id=village_id, name_ky=ky, name_ru=ru, name_key=search_key(ky))
    session.add(street)
    session.flush()
    return Place(street.id, "", ky, ru, village_id)


def list_villages(session: Session) -> list[Place]:
    rows = session.scalars(select(Village).where(Village.deleted_at.is_(None)).order_by(Village.code))
    return [Place(v.id, v.code, v.name_ky, v.name_ru, v.aimak_id) for v in rows]


def list_streets(session: Session, village_id: uuid.UUID | None = None) -> list[Place]:
    q = select(Street).where(Street.deleted_at.is_(None))
    if village_id is not None:
        q = q.where(Street.village_id == village_id)
    rows = session.scalars(q.order_by(Street.name_key))
    return [Place(s.id, "", s.name_ky, s.name_ru, s.village_id) for s in rows]


def territory_changes() -> Changes:
    return Changes(territory=True)
