"""Offline-verifiable certificate records: Ed25519 keys per installation, signed QR payloads, verdicts."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot.errors import UserError, ValidationError
from okmot.i18n import N_, _
from okmot.models import SigningKey
from okmot.permissions import require_session

PREFIX = "OKMOT1"
VERDICTS = {
    "valid": N_("valid"),
    "altered": N_("altered"),
    "unknown_office": N_("unknown office"),
    "cancelled": N_("cancelled"),
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value) -> bytes:
    """One byte string per value: the digest of a certificate's content must never depend on key order."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_digest(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def fingerprint(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class KeyInfo:
    office_code: str
    installation_code: str
    fingerprint: str
    public_key: str
    created_on: dt.date
    has_private: bool


def _info(row: SigningKey) -> KeyInfo:
    return KeyInfo(row.office_code, row.installation_code, row.fingerprint, row.public_key, row.created_on,
                   row.private_key is not None)


def own_key(session: Session, office_code: str, installation_code: str) -> SigningKey | None:
    return session.scalar(select(SigningKey).where(
        SigningKey.office_code == office_code, SigningKey.installation_code == installation_code,
        SigningKey.private_key.is_not(None), SigningKey.deleted_at.is_(None)).order_by(SigningKey.created_on.desc()))


def ensure_own_key(session: Session, office_code: str, installation_code: str, *,
                   for_action: str = "signing_key.manage") -> KeyInfo:
    """This installation's key pair, created on first use (at setup or the first certificate).

    ``for_action`` is the guarded action the key is needed for: issuing a certificate or exporting a
    package creates the key implicitly for roles allowed to do that; anything else is key management.
    """
    require_session(session, for_action)
    row = own_key(session, office_code, installation_code)
    if row is None:
        private = Ed25519PrivateKey.generate()
        raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        row = SigningKey(office_code=office_code, installation_code=installation_code,
                         fingerprint=fingerprint(raw_public), public_key=b64(raw_public),
                         private_key=b64(raw_private), created_on=dt.date.today())
        session.add(row)
        session.flush()
    return _info(row)


def list_keys(session: Session) -> list[KeyInfo]:
    rows = session.scalars(select(SigningKey).where(SigningKey.deleted_at.is_(None))
                           .order_by(SigningKey.office_code, SigningKey.created_on))
    return [_info(r) for r in rows]


def add_public_key(session: Session, *, office_code: str, installation_code: str, public_key: str) -> KeyInfo:
    """Trust another installation's or office's public key (sent by the district or carried on a stick)."""
    require_session(session, "signing_key.manage")
    try:
        raw = unb64(public_key.strip())
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error):
        raise ValidationError({"public_key": _("This is not an Ed25519 public key.")}) from None
    fp = fingerprint(raw)
    row = session.scalar(select(SigningKey).where(SigningKey.fingerprint == fp))
    if row is None:
        row = SigningKey(office_code=office_code.strip(), installation_code=installation_code.strip(),
                         fingerprint=fp, public_key=b64(raw), private_key=None, created_on=dt.date.today())
        session.add(row)
        session.flush()
    return _info(row)


def sign_record(session: Session, *, office_code: str, installation_code: str, number: str,
                issued_on: dt.date, kind: str, digest_hex: str) -> str:
    """The QR payload: the compact record and its Ed25519 signature, both base64url.

    Ed25519 signatures are deterministic, so signing the same record again (a reprint) gives the
    very same payload.
    """
    row = own_key(session, office_code, installation_code)
    if row is None:
        raise UserError(_("This installation has no signing key yet."))
    record = {"n": number, "d": issued_on.isoformat(), "k": kind, "o": office_code, "f": row.fingerprint,
              "h": b64(bytes.fromhex(digest_hex))}
    body = canonical_json(record)
    signature = Ed25519PrivateKey.from_private_bytes(unb64(row.private_key)).sign(body)
    return f"{PREFIX}.{b64(body)}.{b64(signature)}"


@dataclass(frozen=True)
class SignedRecord:
    number: str
    issued_on: dt.date
    kind: str
    office_code: str
    key_fingerprint: str
    digest_hex: str


@dataclass(frozen=True)
class Verdict:
    status: str
    record: SignedRecord | None
    message: str

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def parse_payload(text: str) -> tuple[SignedRecord, bytes, bytes]:
    """The record, the signed bytes and the signature; ValueError when the text is not a whole payload."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise ValueError("not an Okmot certificate record")
    try:
        body, signature = unb64(parts[1]), unb64(parts[2])
        raw = json.loads(body.decode("utf-8"))
        record = SignedRecord(str(raw["n"]), dt.date.fromisoformat(raw["d"]), str(raw["k"]), str(raw["o"]),
                              str(raw["f"]), unb64(raw["h"]).hex())
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"damaged record: {exc}") from None
    return record, body, signature


def check_signature(session: Session, text: str) -> Verdict:
    """Verify a payload against the public keys this database knows (no network needed)."""
    try:
        record, body, signature = parse_payload(text)
    except ValueError:
        return Verdict("altered", None, _("The code is damaged or was altered: it is not a whole Okmot record."))
    keys = session.scalars(select(SigningKey).where(SigningKey.fingerprint == record.key_fingerprint,
                                                    SigningKey.deleted_at.is_(None))).all()
    if not keys:
        # A changed key name must not pass as an unknown office when we know the office's keys.
        keys = session.scalars(select(SigningKey).where(SigningKey.office_code == record.office_code,
                                                        SigningKey.deleted_at.is_(None))).all()
        if not keys:
            return Verdict("unknown_office", record, _(
                "The office {office} is unknown to this database: its public key was never received.").format(
                office=record.office_code))
    for key in keys:
        try:
            Ed25519PublicKey.from_public_bytes(unb64(key.public_key)).verify(signature, body)
        except InvalidSignature:
            continue
        if key.office_code != record.office_code:
            break
        return Verdict("valid", record, _("The signature of office {office} is valid.").format(
            office=record.office_code))
    return Verdict("altered", record, _("The signature does not match: the certificate record was altered."))
