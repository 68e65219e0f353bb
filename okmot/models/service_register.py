"""The local register of municipal services and each service's standard (Law No. 139, art. 5, 9, 11)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class ServiceEntry(SyncMixin, Base):
    """One service of the local register with its standard.

    An edit is an update of this row: the change journal and ``version`` keep every earlier
    wording, and ``valid_from`` says since when the current wording applies.
    """

    __tablename__ = "service_entry"

    #: Stable short code ("family_certificate"); applications and fees refer to the service by it too.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ky: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    #: "base" (the Government's base register) or "supplementary" (approved by the local council).
    register: Mapped[str] = mapped_column(String(20), default="base")
    approving_act: Mapped[str] = mapped_column(String(300), default="")
    #: The institution responsible for the standard, and the provider (art. 9).
    responsible_ky: Mapped[str] = mapped_column(String(300), default="")
    responsible_ru: Mapped[str] = mapped_column(String(300), default="")
    provider_ky: Mapped[str] = mapped_column(String(300), default="")
    provider_ru: Mapped[str] = mapped_column(String(300), default="")
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: True where no official text was at hand and the wording is Okmot's example.
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The certificate kind this service produces (okmot.services.certificates.KINDS), if any.
    certificate_kind: Mapped[str | None] = mapped_column(String(30))
    #: The 18 sections of the standard (art. 11): {section: {"ky": text, "ru": text}}.
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Time limits in working days (section 7): accepting documents, providing, issuing the result.
    accept_days: Mapped[int] = mapped_column(Integer, default=0)
    provide_days: Mapped[int] = mapped_column(Integer, default=1)
    issue_days: Mapped[int] = mapped_column(Integer, default=0)
    #: Required documents per applicant category (section 12): {category: [{"code", "ky", "ru"}]}.
    documents: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Fee per applicant category in tyiyn (section 13); empty for a free service.
    fees: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The fee for a repeat copy (art. 7 part 2 item 2), in tyiyn; 0 when a copy is free too.
    duplicate_fee_tyiyn: Mapped[int] = mapped_column(Integer, default=0)
    #: Refusal grounds (section 16): [{"code", "ky", "ru"}].
    refusal_grounds: Mapped[list] = mapped_column(JSON, default=list)
    #: Appeal procedure (section 17), printed on every refusal letter.
    appeal_ky: Mapped[str] = mapped_column(Text, default="")
    appeal_ru: Mapped[str] = mapped_column(Text, default="")
    #: When the standard must be reviewed next (section 18: at least every 3 years).
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
