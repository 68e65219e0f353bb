"""Setting up an office on a new database (the first-run wizard) and changing its settings later."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy.orm import Session

from okmot.errors import NotFoundError, UserError, ValidationError
from okmot.i18n import _
from okmot.identity.names import fix_lookalikes
from okmot.models import AiylAimak
from okmot.services import auth, service_register, settings, territory
from okmot.services.auth import UserInfo
from okmot.services.territory import Office
from okmot.permissions import require_session

#: A public key file is a few hundred bytes; anything far larger is the wrong file.
MAX_KEY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class VillageEntry:
    code: str
    name_ky: str
    name_ru: str


@dataclass(frozen=True)
class OfficeDetails:
    """The office's title and letterhead: names, territory, address, phone."""

    code: str
    name_ky: str
    name_ru: str
    rayon_ky: str = ""
    rayon_ru: str = ""
    oblast_ky: str = ""
    oblast_ru: str = ""
    address_ky: str = ""
    address_ru: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Signatory:
    """Who signs certificates: the head's name and position in both languages."""

    name_ky: str
    name_ru: str = ""
    position_ky: str = ""
    position_ru: str = ""


@dataclass(frozen=True)
class AdminAccount:
    username: str
    full_name: str
    password: str


@dataclass(frozen=True)
class OfficeSetup:
    """Everything the first-run wizard collects; saved in one transaction."""

    office: OfficeDetails
    villages: tuple[VillageEntry, ...]
    admin: AdminAccount
    signatory: Signatory
    certificate_number_start: int = 1
    backup_copy_dir: str = ""
    district_key: bytes | None = None


@dataclass(frozen=True)
class OfficeSettings:
    """What the Settings dialog shows and edits."""

    office: OfficeDetails
    signatory: Signatory
    certificate_number_start: int
    backup_copy_dir: str
    district_key_fingerprint: str
    villages: tuple[territory.Place, ...] = field(default_factory=tuple)
    idle_lock_minutes: int = 10


def key_fingerprint(data: bytes) -> str:
    """SHA-256 of the key file in groups of four hex digits, as read out over the phone to the district."""
    digest = hashlib.sha256(data).hexdigest()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def read_key_file(path: str | Path) -> bytes:
    """The bytes of the district's public key file, or a UserError saying why it cannot be used."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(_("Cannot read the key file {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    _check_key(data)
    return data


def _check_key(data: bytes) -> None:
    if not data.strip():
        raise ValidationError({"district_key": _("The key file is empty.")})
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ValidationError({"district_key": _("The key file is too large to be a public key; "
                                                 "check that you chose the file the district gave.")})
    district_public_key(data)


def district_public_key(data: bytes) -> Ed25519PublicKey:
    """The Ed25519 key in the district's key file (a PEM public key, okmot.sync.district_key writes it)."""
    try:
        key = load_pem_public_key(data.strip() + b"\n")
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError({"district_key": _(
            "This is not the district's public key file: it begins with -----BEGIN PUBLIC KEY-----. "
            "Ask the district for the file (python -m okmot sync district-key).")})
    return key


def _clean(text: str) -> str:
    return fix_lookalikes(text.strip()).text


def _details_errors(d: OfficeDetails) -> dict[str, str]:
    errors = {}
    if not d.code.strip():
        errors["code"] = _("Enter the code of the aiyl aimak.")
    if not d.name_ky.strip():
        errors["name_ky"] = _("Enter the name in Kyrgyz.")
    if not d.name_ru.strip():
        errors["name_ru"] = _("Enter the name in Russian.")
    return errors


def _start_errors(start: int) -> dict[str, str]:
    if isinstance(start, bool) or not isinstance(start, int) or not 1 <= start <= 9_999_999:
        return {"certificate_number_start": _("The first certificate number must be a whole number from 1.")}
    return {}


#: The screen lock's idle time: 0 turns it off; at most 4 hours, so a forgotten open app still locks.
IDLE_LOCK_MAX_MINUTES = 240


def _idle_errors(minutes: int | None) -> dict[str, str]:
    if minutes is None:
        return {}
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= IDLE_LOCK_MAX_MINUTES:
        return {"idle_lock_minutes": _("The screen lock time must be from 0 (off) to {n} minutes.").format(
            n=IDLE_LOCK_MAX_MINUTES)}
    return {}


def _villages_errors(villages: tuple[VillageEntry, ...]) -> dict[str, str]:
    if not villages:
        return {"villages": _("Add at least one village.")}
    codes = [v.code.strip() for v in villages]
    for i, v in enumerate(villages, start=1):
        if not (v.code.strip() and v.name_ky.strip() and v.name_ru.strip()):
            return {"villages": _("Village {n}: enter its code and its name in Kyrgyz and in Russian.").format(n=i)}
        if codes.count(v.code.strip()) > 1:
            return {"villages": _("Two villages have the code {code}.").format(code=v.code.strip())}
    return {}


def validate_office(details: OfficeDetails) -> None:
    """Check the office page of the wizard before moving on (the same checks as saving)."""
    errors = _details_errors(details)
    if errors:
        raise ValidationError(errors)


def validate_villages(villages: tuple[VillageEntry, ...]) -> None:
    errors = _villages_errors(villages)
    if errors:
        raise ValidationError(errors)


def _put_letterhead(session: Session, d: OfficeDetails, s: Signatory) -> None:
    settings.put(session, "office_address_ky", _clean(d.address_ky))
    settings.put(session, "office_address_ru", _clean(d.address_ru))
    settings.put(session, "office_phone", d.phone.strip())
    settings.put(session, "signatory_name_ky", _clean(s.name_ky))
    settings.put(session, "signatory_name_ru", _clean(s.name_ru))
    # An empty position keeps the default wording ("Айыл өкмөтүнүн башчысы" / "Глава айыл окмоту").
    for key, value in (("signatory_position_ky", s.position_ky), ("signatory_position_ru", s.position_ru)):
        settings.put(session, key, _clean(value) or settings.SPECS[key].default)


def _put_key(session: Session, data: bytes | None) -> None:
    if data is None:
        return
    _check_key(data)
    settings.put(session, "district_public_key", base64.b64encode(data).decode("ascii"))
    settings.put(session, "district_key_fingerprint", key_fingerprint(data))


def set_up_office(session: Session, setup: OfficeSetup) -> tuple[Office, UserInfo]:
    """Create the office, its villages and the administrator, and store the settings: all or nothing."""
    if territory.home_office(session) is not None:
        raise UserError(_("This database already belongs to an office; change its details under Settings."))
    errors = {**_details_errors(setup.office), **_villages_errors(setup.villages),
              **_start_errors(setup.certificate_number_start)}
    if errors:
        raise ValidationError(errors)
    # First: the installation's id is the prefix of every record id made here (okmot.db.ids).
    settings.installation_id(session)
    d = setup.office
    office = territory.create_office(session, code=d.code, name_ky=d.name_ky, name_ru=d.name_ru,
                                     rayon_ky=_clean(d.rayon_ky), rayon_ru=_clean(d.rayon_ru),
                                     oblast_ky=_clean(d.oblast_ky), oblast_ru=_clean(d.oblast_ru))
    for v in setup.villages:
        territory.create_village(session, aimak_id=office.id, code=v.code, name_ky=v.name_ky, name_ru=v.name_ru)
    admin = auth.create_first_admin(session, username=setup.admin.username, full_name=setup.admin.full_name,
                                    password=setup.admin.password)
    _put_letterhead(session, d, setup.signatory)
    # A new office starts from the register of services shipped with Okmot (the district may update it
    # later with reference packages); without it no application could be registered.
    service_register.install_shipped(session)
    settings.put(session, "certificate_number_start", setup.certificate_number_start)
    settings.put(session, "backup_copy_dir", setup.backup_copy_dir.strip() or None)
    _put_key(session, setup.district_key)
    return office, admin


def office_settings(session: Session) -> OfficeSettings:
    office = territory.home_office(session)
    if office is None:
        raise NotFoundError(_("The office is not set up yet."))
    get = lambda key: settings.get(session, key)  # noqa: E731
    details = OfficeDetails(office.code, office.name_ky, office.name_ru, office.rayon_ky, office.rayon_ru,
                            office.oblast_ky, office.oblast_ru, get("office_address_ky") or "",
                            get("office_address_ru") or "", get("office_phone") or "")
    signatory = Signatory(get("signatory_name_ky") or "", get("signatory_name_ru") or "",
                          get("signatory_position_ky") or "", get("signatory_position_ru") or "")
    return OfficeSettings(details, signatory, get("certificate_number_start") or 1, get("backup_copy_dir") or "",
                          get("district_key_fingerprint") or "", tuple(territory.list_villages(session)),
                          get("idle_lock_minutes"))


def update_office_settings(session: Session, *, office: OfficeDetails, signatory: Signatory,
                           certificate_number_start: int, backup_copy_dir: str,
                           district_key: bytes | None = None, idle_lock_minutes: int | None = None) -> Office:
    """Save the Settings dialog. The office code is fixed once set: it is part of every certificate number.

    ``idle_lock_minutes`` None keeps the screen lock's time as it is.
    """
    require_session(session, "settings.edit")
    current = territory.home_office(session)
    if current is None:
        raise NotFoundError(_("The office is not set up yet."))
    errors = {**_details_errors(office), **_start_errors(certificate_number_start), **_idle_errors(idle_lock_minutes)}
    if office.code.strip() != current.code:
        errors["code"] = _("The code of the aiyl aimak cannot be changed: it is part of every certificate number.")
    if errors:
        raise ValidationError(errors)
    row = session.get(AiylAimak, current.id)
    names = (_clean(office.name_ky), _clean(office.name_ru), _clean(office.rayon_ky), _clean(office.rayon_ru),
             _clean(office.oblast_ky), _clean(office.oblast_ru))
    if names != (row.name_ky, row.name_ru, row.rayon_ky, row.rayon_ru, row.oblast_ky, row.oblast_ru):
        require_session(session, "territory.edit")  # renaming the aiyl aimak is a territory edit
    row.name_ky, row.name_ru = _clean(office.name_ky), _clean(office.name_ru)
    row.rayon_ky, row.rayon_ru = _clean(office.rayon_ky), _clean(office.rayon_ru)
    row.oblast_ky, row.oblast_ru = _clean(office.oblast_ky), _clean(office.oblast_ru)
    _put_letterhead(session, office, signatory)
    settings.put(session, "certificate_number_start", certificate_number_start)
    settings.put(session, "backup_copy_dir", backup_copy_dir.strip() or None)
    _put_key(session, district_key)
    if idle_lock_minutes is not None:
        settings.put(session, "idle_lock_minutes", idle_lock_minutes)
    session.flush()
    return territory.home_office(session)


def backup_copy_dir(session: Session) -> Path | None:
    """The second folder automatic backups are copied to, when one is set."""
    value = settings.get(session, "backup_copy_dir")
    return Path(value) if value else None
