"""Optional encryption of a sync package to the district's key: a libsodium sealed box around the signed package.

The village seals the finished (already signed) package with the district's Ed25519 public key
converted to Curve25519; only the district's private key, converted likewise, opens it. The
signature stays inside, so after opening the package is checked exactly as an unencrypted one.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from nacl.bindings import crypto_sign_ed25519_pk_to_curve25519, crypto_sign_ed25519_sk_to_curve25519
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from sqlalchemy.orm import Session

from okmot.db.engine import Database
from okmot.errors import UserError
from okmot.i18n import _
from okmot.services import signing
from okmot.sync import district_key
from okmot.sync.package import PackageError

#: First bytes of a sealed package; a plain package is a zip and starts with "PK".
MAGIC = b"OKMOT-SEALED-1\n"
#: The recipient's key fingerprint (16 hex digits, signing.fingerprint) and a newline follow the magic.
_FP_LEN = 16


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def seal(data: bytes, recipient_ed25519: bytes) -> bytes:
    """``data`` encrypted so that only the holder of the private half of ``recipient_ed25519`` can read it."""
    curve = PublicKey(crypto_sign_ed25519_pk_to_curve25519(recipient_ed25519))
    header = MAGIC + signing.fingerprint(recipient_ed25519).encode("ascii") + b"\n"
    return header + SealedBox(curve).encrypt(data)


def can_encrypt(session: Session) -> bool:
    """True when this office holds a usable district key (the export dialog then encrypts by default)."""
    try:
        return district_key.village_district_key(session) is not None
    except UserError:
        return False


def seal_for_district(session: Session, data: bytes) -> bytes:
    """The package sealed to the district key this office was set up with; a UserError when it has none."""
    key = district_key.village_district_key(session)
    if key is None:
        raise UserError(_("This office has no district key, so the package cannot be encrypted. Choose the "
                          "district's key file under Administration → Settings, or export without encryption."))
    return seal(data, district_key.raw_public(key))


def _refuse(reason: str, message: str) -> PackageError:
    return PackageError(reason, message)


def unseal(data: bytes, private: Ed25519PrivateKey | None) -> bytes:
    """The package inside a sealed file, opened with the district's private key.

    A file sealed to another key, or one changed by a single byte, is refused with the reason.
    """
    header_end = len(MAGIC) + _FP_LEN + 1
    if len(data) < header_end or data[header_end - 1:header_end] != b"\n":
        raise _refuse("damaged", _("The encrypted package is damaged (its header is incomplete)."))
    meant_for = data[len(MAGIC):header_end - 1].decode("ascii", errors="replace")
    if private is None:
        raise _refuse("encrypted", _(
            "The package is encrypted to a district key (fingerprint {fp}), and this database has no district "
            "key to open it. Import it into the district database.").format(fp=meant_for))
    public = district_key.raw_public(private.public_key())
    ours = signing.fingerprint(public)
    if meant_for != ours:
        raise _refuse("wrong_key", _(
            "The package is encrypted to another district key (fingerprint {fp}); this database's key is {ours}. "
            "Nothing was imported.").format(fp=meant_for, ours=ours))
    # libsodium's secret key is the seed followed by the public key.
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    curve = PrivateKey(crypto_sign_ed25519_sk_to_curve25519(seed + public))
    try:
        return SealedBox(curve).decrypt(data[header_end:])
    except CryptoError:
        raise _refuse("damaged", _("The encrypted package was altered or damaged: it cannot be decrypted. "
                                   "Nothing was imported.")) from None


def opener(db: Database) -> Callable[[bytes], bytes]:
    """For package.read: passes a plain package through, opens a sealed one with this database's district key."""

    def open_bytes(data: bytes) -> bytes:
        if not is_sealed(data):
            return data
        with db.session() as session:
            private = district_key.district_private_key(session)
        return unseal(data, private)

    return open_bytes
