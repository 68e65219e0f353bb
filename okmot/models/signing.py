"""Ed25519 keys that sign certificate QR records: this office's own, and other offices' public keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from okmot.db.base import Base, SyncMixin


class SigningKey(SyncMixin, Base):
    """A public key with its fingerprint; the private half only for this installation's own key.

    The private key never leaves the office database: it is redacted from the change journal
    (which sync packages are built from) and ``__sync_exclude__`` names it for the exporter.
    """

    __tablename__ = "signing_key"
    __journal_redact__ = ("private_key",)
    __sync_exclude__ = ("private_key",)

    office_code: Mapped[str] = mapped_column(String(20), index=True)
    installation_code: Mapped[str] = mapped_column(String(20), default="")
    #: First 16 hex digits of SHA-256 of the raw public key; the QR names its key by it.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    #: Raw 32-byte public key, base64url.
    public_key: Mapped[str] = mapped_column(String(60))
    #: Raw 32-byte private key, base64url; None for keys of other offices and installations.
    private_key: Mapped[str | None] = mapped_column(Text)
    created_on: Mapped[dt.date] = mapped_column(Date)
