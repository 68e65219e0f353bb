"""The district database's own Ed25519 key pair, its public key file for the villages, and reading that file back."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from okmot import atomic
from okmot.db.engine import Actor, Database
from okmot.errors import UserError, ValidationError
from okmot.i18n import _
from okmot.models import SigningKey
from okmot.permissions import require_session
from okmot.services import office_setup, settings, signing

#: The signing_key.office_code of the district's own key. "@" never appears in an office code,
#: so the district key can never be taken for a village's key (nor travel in a village's package).
DISTRICT_CODE = "@district"
KEY_FILE_NAME = "okmot-district-key.pem"


def _own_row(session: Session) -> SigningKey | None:
    return session.scalar(select(SigningKey).where(
        SigningKey.office_code == DISTRICT_CODE, SigningKey.private_key.is_not(None),
        SigningKey.deleted_at.is_(None)).order_by(SigningKey.created_on.desc()))


def ensure_district_key(session: Session) -> signing.KeyInfo:
    """The district database's key pair, created the first time it is needed (publishing or exporting the key)."""
    return signing.ensure_own_key(session, DISTRICT_CODE, "", for_action="reference.publish")


def district_private_key(session: Session) -> Ed25519PrivateKey | None:
    """The district's private key, or None when this database never made one (it is not a district database)."""
    row = _own_row(session)
    return None if row is None else Ed25519PrivateKey.from_private_bytes(signing.unb64(row.private_key))


def public_key_file(public_raw: bytes) -> bytes:
    """The bytes of the public key file handed to the villages: a standard PEM public key.

    PEM (SubjectPublicKeyInfo) because any tool can read it and its bytes are the same every time
    for a key, so the file's fingerprint read over the phone matches on both sides.
    """
    return Ed25519PublicKey.from_public_bytes(public_raw).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def key_file_bytes(session: Session) -> bytes:
    """This district's public key file, creating the key pair on first use."""
    require_session(session, "reference.publish")
    info = ensure_district_key(session)
    return public_key_file(signing.unb64(info.public_key))


def export_key_file(db: Database, out: str | Path, *, actor: Actor) -> tuple[Path, str]:
    """Write the district's public key file to ``out`` (a file, or a folder to put it in); the path and fingerprint."""
    # Imported here: export imports sealing, which imports this module.

    target = Path(out).expanduser()
    if target.is_dir():
        target = target / KEY_FILE_NAME
    if not target.parent.is_dir():
        raise UserError(_("The folder {folder} does not exist.").format(folder=target.parent))
    with db.session(actor) as session:
        data = key_file_bytes(session)
    path = atomic.write_bytes(target, data)
    return path, office_setup.key_fingerprint(data)


def parse_key_file(data: bytes) -> Ed25519PublicKey:
    """The Ed25519 key in a district key file; a UserError when the file is not one."""
    try:
        return office_setup.district_public_key(data)
    except ValidationError:
        raise UserError(_("The district key stored in this office is not an Okmot district key file. Ask the "
                          "district for its key file (python -m okmot sync district-key) and choose it under "
                          "Administration → Settings.")) from None


def village_district_key(session: Session) -> Ed25519PublicKey | None:
    """The district key this office was set up with (None when it has none)."""
    stored = settings.get(session, "district_public_key")
    if not stored:
        return None
    try:
        data = base64.b64decode(stored, validate=True)
    except (ValueError, binascii.Error):
        data = b""
    return parse_key_file(data)


def receives_reference(session: Session) -> bool:
    """True for an office database set up with a district key: it applies reference packages, it does not publish."""
    return bool(settings.get(session, "district_public_key"))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
