"""The backup password: set by the administrator, kept beside the database (never in it), encrypts automatic backups.

What is stored is not the password but ``okmot.backup.BackupKey`` (a random salt and scrypt(password, salt)),
in ``<database>-backup-key.json`` next to the database file, readable only by the operating-system user
(0600 on POSIX; on Windows the per-user profile folder's permissions). It is kept out of the ``setting``
table because that table travels in sync packages and inside every backup. Threat model: the live database
on this PC is plain SQLite anyway, so whoever can read this file can read the data; the key protects the
copies that leave the PC (the USB stick, a copied backup folder). A backup restores with the password alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from okmot import backup
from okmot.atomic import atomic_path
from okmot.db.journal import actor_of
from okmot.errors import EnvironmentProblem, ValidationError
from okmot.i18n import _
from okmot.permissions import require_session
from okmot.services import audit

#: Backups are attacked offline (a lost USB stick), so the password is longer than an account's.
MIN_LENGTH = 10
_FORMAT = 1


@dataclass(frozen=True)
class BackupPasswordState:
    """Whether automatic backups of a database are encrypted, and since when."""

    is_set: bool
    set_at: dt.datetime | None = None


def key_file(db_path: Path) -> Path:
    """Where the backup key of the database ``db_path`` is kept: beside it, one per database file."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}-backup-key.json")


def load_key(db_path: Path) -> backup.BackupKey | None:
    """The stored key (None when no backup password is set).

    A damaged key file raises EnvironmentProblem: an automatic backup must not quietly fall back to plain.
    """
    path = key_file(db_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EnvironmentProblem(_("Cannot read the backup password file {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    try:
        data = json.loads(raw)
        key = backup.BackupKey(base64.b64decode(data["salt"], validate=True),
                               base64.b64decode(data["key"], validate=True))
        if data.get("format") != _FORMAT or len(key.salt) != 16 or len(key.key) != 32:
            raise ValueError("unexpected key file")
    except (ValueError, KeyError, TypeError):
        raise EnvironmentProblem(_("The backup password file {path} is damaged, so no backup was made. "
                                   "An administrator must set the backup password again under Settings → "
                                   "Backups.").format(path=path)) from None
    return key


def state(db_path: Path) -> BackupPasswordState:
    path = key_file(db_path)
    try:
        data = json.loads(path.read_bytes())
        set_at = dt.datetime.fromisoformat(data["set_at"])
    except FileNotFoundError:
        return BackupPasswordState(False)
    except (OSError, ValueError, KeyError, TypeError):
        set_at = None  # present but unreadable: still "set", load_key explains the problem
    return BackupPasswordState(True, set_at)


def made_with_current_password(db_path: Path, backup_path: Path) -> bool | None:
    """True/False for an encrypted backup made with / before the current password; None for a plain one."""
    salt = backup.backup_salt(backup_path)
    if salt is None:
        return None
    try:
        key = load_key(db_path)
    except EnvironmentProblem:
        return False
    return key is not None and key.salt == salt


def _password_errors(password: str, repeat: str) -> dict[str, str]:
    if len(password) < MIN_LENGTH:
        return {"backup_password": _("The backup password must have at least {n} characters.").format(n=MIN_LENGTH)}
    if password.strip() != password:
        return {"backup_password": _("The backup password must not begin or end with a space.")}
    if repeat != password:
        return {"backup_password_repeat": _("The two passwords are not the same.")}
    return {}


def validate_password(password: str, repeat: str) -> None:
    """The checks of set_password, for a form to run before it saves anything."""
    errors = _password_errors(password, repeat)
    if errors:
        raise ValidationError(errors)


def _write(path: Path, key: backup.BackupKey, now: dt.datetime) -> None:
    data = json.dumps({"format": _FORMAT, "salt": base64.b64encode(key.salt).decode("ascii"),
                       "key": base64.b64encode(key.key).decode("ascii"),
                       "set_at": now.isoformat(timespec="seconds")}, indent=1).encode("ascii")
    with atomic_path(path) as tmp:
        # Created 0600 before a byte is written: the key is never readable by others, not even briefly.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)


def set_password(session: Session, db_path: Path, password: str, repeat: str) -> BackupPasswordState:
    """Set or change the backup password of ``db_path`` (administrator). New backups only: older ones keep theirs."""
    require_session(session, "settings.edit")
    validate_password(password, repeat)
    path = key_file(db_path)
    changed = path.exists()
    now = dt.datetime.now().replace(microsecond=0)
    # The audit row goes into this unit of work first: if the file cannot be written, it is rolled back.
    audit.record(session, actor_of(session), "backup_password_changed" if changed else "backup_password_set",
                 detail={"database": Path(db_path).name})
    session.flush()
    _write(path, backup.backup_key(password), now)
    return BackupPasswordState(True, now)


def remove_password(session: Session, db_path: Path) -> BackupPasswordState:
    """Stop encrypting new automatic backups (administrator). Existing encrypted backups still need the password."""
    require_session(session, "settings.edit")
    path = key_file(db_path)
    if not path.exists():
        return BackupPasswordState(False)
    audit.record(session, actor_of(session), "backup_password_removed", detail={"database": Path(db_path).name})
    session.flush()
    try:
        path.unlink()
    except OSError as exc:
        raise EnvironmentProblem(_("Cannot remove the backup password file {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    return BackupPasswordState(False)
