"""Numbers that stay unique across installations: office code, installation code, year and a sequence."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okmot.errors import ValidationError
from okmot.i18n import _
from okmot.services import settings

_CODE = re.compile(r"^[A-Z0-9]{1,8}$")


def installation_code(session: Session) -> str:
    """This installation's short code: the one the administrator set, else 6 hex digits of its id.

    Two installations of one office (two laptops) differ here, so they can number offline
    without ever colliding; the code is part of every certificate, application and complaint number.
    """
    code = settings.get(session, "installation_code")
    if code:
        return code
    return settings.installation_id(session).replace("-", "")[:6].upper()


def set_installation_code(session: Session, code: str) -> None:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise ValidationError({"installation_code": _(
            "The installation code is 1 to 8 Latin capital letters or digits.")})
    settings.put(session, "installation_code", code)


def next_sequence(session: Session, model, *, start: int = 1, **where) -> int:
    """One above the highest sequence used for ``where`` (at least ``start``).

    Write sessions on SQLite take the write lock at BEGIN, so two clerks of one installation
    cannot read the same maximum; a unique constraint on the number backs this up.
    """
    q = select(func.max(model.seq))
    for name, value in where.items():
        q = q.where(getattr(model, name) == value)
    top = session.scalar(q)
    return max(start, (top or 0) + 1)
