"""Backups that restore: consistent online copies, verified, rotated, optionally encrypted with a password."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import secrets
import sqlite3
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from okmot import atomic
from okmot.atomic import write_problem
from okmot.errors import EnvironmentProblem, NewerDatabaseError, UserError
from okmot.i18n import _
from okmot.paths import ensure_dir

PLAIN_SUFFIX = ".sqlite3"
ENCRYPTED_SUFFIX = ".okmotbak"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?P<suffix>\.sqlite3|\.okmotbak)$")
_MAGIC = b"OKMOTBK1"
_CHUNK = 1 << 20
# scrypt cost: about 0.1 s and 64 MiB on an old PC; a stolen USB stick costs an attacker as much per guess.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 1 << 16, 8, 1


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    encrypted: bool


class BackupError(UserError):
    """A backup cannot be read: wrong password, damaged file, or not an Okmot backup."""


@dataclass(frozen=True)
class BackupKey:
    """What encrypts backups without holding the password: the scrypt salt and scrypt(password, salt).

    A backup encrypted with it restores with the password alone (the salt is in the file's header).
    """

    salt: bytes
    key: bytes


def backup_key(password: str, salt: bytes | None = None) -> BackupKey:
    salt = salt or secrets.token_bytes(16)
    return BackupKey(salt, _key(password, salt))


# --- taking a backup ------------------------------------------------------------------------------

def _stamp(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def _online_copy(source: Path, dest: Path) -> None:
    """SQLite's backup API: a consistent snapshot even while the app keeps writing."""
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(dest))
        try:
            src.backup(dst, pages=4096)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def verify_database_file(path: Path) -> None:
    """Raise BackupError unless ``path`` is an intact Okmot database this version can open."""
    from okmot.db.migrate import head_revision, known_revision

    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or [None])[0] \
                if "alembic_version" in tables else None
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise BackupError(_("The backup is damaged or is not a database.")) from None
    if result != "ok":
        raise BackupError(_("The backup is damaged: {detail}").format(detail=result))
    if revision is None:
        raise BackupError(_("The file is not an Okmot database."))
    if revision != head_revision() and not known_revision(revision):
        raise NewerDatabaseError(_("The backup was made by a newer version of Okmot; install it to restore."))


def take_backup(db_path: Path, out_dir: Path, *, password: str | None = None, label: str = "",
                now: dt.datetime | None = None, key: BackupKey | None = None) -> BackupInfo:
    """Copy the database into ``out_dir`` (verified, then renamed into place; encrypted with a password
    or with a stored ``key`` made from one).

    A ``label`` ("before-upgrade-0001") goes into the name, which also keeps such copies apart from
    the daily ones in rotation.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise UserError(_("database not found: {path}").format(path=db_path))
    now = now or dt.datetime.now()
    encrypt = key or (backup_key(password) if password else None)
    suffix = ENCRYPTED_SUFFIX if encrypt else PLAIN_SUFFIX
    stem = f"{db_path.stem}-{label}" if label else db_path.stem
    final = out_dir / f"{stem}-{_stamp(now)}{suffix}"
    try:
        ensure_dir(out_dir)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".okmot-backup-") as tmp:
            copy = Path(tmp) / "copy.sqlite3"
            try:
                _online_copy(db_path, copy)
            except sqlite3.OperationalError as exc:
                # SQLite reports a full disk under the copy as its own error, not as an OSError.
                if "full" not in str(exc):
                    raise
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from None
            verify_database_file(copy)
            if encrypt:
                packed = Path(tmp) / "copy.okmotbak"
                _encrypt_file(copy, packed, encrypt)
                copy = packed
            with open(copy, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(copy, final)
        atomic.fsync_dir(out_dir)
    except OSError as exc:
        raise write_problem(final, exc) from None
    return BackupInfo(final, now.replace(microsecond=0), encrypt is not None)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in ``folder``, newest first."""
    found = []
    if folder.is_dir():
        for p in folder.iterdir():
            m = _NAME.match(p.name)
            if m and p.is_file():
                taken = dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S")
                found.append(BackupInfo(p, taken, m["suffix"] == ENCRYPTED_SUFFIX))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def rotate(folder: Path, *, daily: int = 7, weekly: int = 4, monthly: int = 12) -> list[Path]:
    """Keep the newest backup of each of the last ``daily`` days, ``weekly`` ISO weeks and ``monthly`` months.

    Returns the files removed. Backups of other databases in the same folder are kept apart.
    """
    removed = []
    by_stem: dict[str, list[BackupInfo]] = {}
    for b in list_backups(folder):
        by_stem.setdefault(_NAME.match(b.path.name)["stem"], []).append(b)
    for backups in by_stem.values():
        keep: set[Path] = set()
        for key, limit in ((lambda t: t.date(), daily), (lambda t: t.isocalendar()[:2], weekly),
                           (lambda t: (t.year, t.month), monthly)):
            periods: list = []
            for b in backups:  # newest first: the first seen of a period is its newest
                period = key(b.taken_at)
                if period not in periods:
                    periods.append(period)
                    if len(periods) <= limit:
                        keep.add(b.path)
        for b in backups:
            if b.path not in keep:
                b.path.unlink(missing_ok=True)
                removed.append(b.path)
    return removed


# --- restoring --------------------------------------------------------------------------------------

def restore(db_path: Path, backup: Path, *, password: str | None = None, safety_dir: Path) -> BackupInfo | None:
    """Replace the database with a verified backup, after backing up the current database.

    Returns the safety backup of the replaced database (None when there was none). Nothing is
    replaced unless the backup decrypts and passes the integrity check.
    """
    db_path, backup = Path(db_path), Path(backup)
    if not backup.is_file():
        raise UserError(_("Backup not found: {path}").format(path=backup))
    ensure_dir(db_path.parent)
    with tempfile.TemporaryDirectory(dir=db_path.parent, prefix=".okmot-restore-") as tmp:
        candidate = Path(tmp) / "restore.sqlite3"
        if _is_encrypted(backup):
            if not password:
                raise BackupError(_("This backup is encrypted: give its password."))
            _decrypt_file(backup, candidate, password)
        else:
            candidate.write_bytes(backup.read_bytes())
        verify_database_file(candidate)
        safety = take_backup(db_path, safety_dir) if db_path.is_file() else None
        with open(candidate, "rb+") as fh:
            os.fsync(fh.fileno())
        for sidecar in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
            sidecar.unlink(missing_ok=True)
        os.replace(candidate, db_path)
        atomic.fsync_dir(db_path.parent)
    return safety


# --- encryption ---------------------------------------------------------------------------------------
# File: MAGIC | salt(16) | nonce prefix(8) | chunks. Each chunk: length(4) | AES-256-GCM(ciphertext+tag).
# The chunk's nonce is the prefix + its index; its associated data says whether it is the last one,
# so a truncated or reordered file fails to decrypt instead of restoring half a database.

def _key(password: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(password.encode("utf-8"))


def _is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(_MAGIC)) == _MAGIC


def _encrypt_file(source: Path, dest: Path, key: BackupKey) -> None:
    # One stored key serves many backups: the random 8-byte prefix keeps every file's nonces apart.
    salt, prefix = key.salt, secrets.token_bytes(8)
    aes = AESGCM(key.key)
    size = source.stat().st_size
    with open(source, "rb") as src, open(dest, "wb") as out:
        out.write(_MAGIC + salt + prefix)
        index, done = 0, 0
        while True:
            chunk = src.read(_CHUNK)
            done += len(chunk)
            last = done >= size
            sealed = aes.encrypt(prefix + struct.pack(">I", index), chunk, b"last" if last else b"more")
            out.write(struct.pack(">I", len(sealed)) + sealed)
            index += 1
            if last:
                break


def backup_salt(path: Path) -> bytes | None:
    """The scrypt salt in an encrypted backup's header (None for a plain one): it tells which password made it."""
    with open(path, "rb") as fh:
        head = fh.read(len(_MAGIC) + 16)
    return head[len(_MAGIC):] if head[:len(_MAGIC)] == _MAGIC and len(head) == len(_MAGIC) + 16 else None


def check_password(path: Path, password: str) -> None:
    """Raise BackupError unless ``password`` opens the encrypted backup ``path`` (its first chunk authenticates).

    Quick enough to ask again before anything is moved or replaced; restore() still checks the whole file.
    """
    with open(path, "rb") as src:
        head = src.read(len(_MAGIC) + 24)
        raw_len = src.read(4)
        sealed = src.read(struct.unpack(">I", raw_len)[0]) if len(raw_len) == 4 else b""
    if head[:len(_MAGIC)] != _MAGIC or len(head) < len(_MAGIC) + 24:
        raise BackupError(_("This backup is not encrypted, or it is not an Okmot backup."))
    salt, prefix = head[len(_MAGIC):len(_MAGIC) + 16], head[len(_MAGIC) + 16:]
    aes = AESGCM(_key(password, salt))
    for tail in (b"last", b"more"):
        with contextlib.suppress(InvalidTag, ValueError):
            aes.decrypt(prefix + struct.pack(">I", 0), sealed, tail)
            return
    raise BackupError(_("Wrong password, or the backup file is damaged."))


def _decrypt_file(source: Path, dest: Path, password: str) -> None:
    with open(source, "rb") as src, open(dest, "wb") as out:
        head = src.read(len(_MAGIC) + 24)
        salt, prefix = head[len(_MAGIC):len(_MAGIC) + 16], head[len(_MAGIC) + 16:]
        aes = AESGCM(_key(password, salt))
        index = 0
        while True:
            raw_len = src.read(4)
            if len(raw_len) < 4:
                raise BackupError(_("The backup file is incomplete."))
            sealed = src.read(struct.unpack(">I", raw_len)[0])
            nonce = prefix + struct.pack(">I", index)
            try:
                out.write(aes.decrypt(nonce, sealed, b"last"))
                break
            except InvalidTag:
                try:
                    out.write(aes.decrypt(nonce, sealed, b"more"))
                except InvalidTag:
                    raise BackupError(_("Wrong password, or the backup file is damaged.")) from None
            index += 1
        if src.read(1):
            raise BackupError(_("The backup file has data after its end; it is damaged."))


# --- automatic backups ------------------------------------------------------------------------------

#: A backup older than this is shown as a warning in the app.
STALE_AFTER = dt.timedelta(days=2)


def last_backup(folder: Path, db_path: Path) -> BackupInfo | None:
    """The newest regular (unlabelled) backup of ``db_path`` in ``folder``."""
    for b in list_backups(folder):
        if _NAME.match(b.path.name)["stem"] == Path(db_path).stem:
            return b
    return None


def auto_backup(db_path: Path, folder: Path, *, copy_dir: Path | None = None, max_age: dt.timedelta | None = None,
                now: dt.datetime | None = None, key: BackupKey | None = None) -> BackupInfo | None:
    """Back up when the last backup is older than ``max_age`` (always when None), rotate, and copy
    the new backup to ``copy_dir`` (a USB stick, say) when one is set and reachable. With a ``key``
    (the backup password, okmot.services.backup_password) the backup, and so its copy, is encrypted.

    Returns the new backup, or None when a recent one already existed.
    """
    now = now or dt.datetime.now()
    last = last_backup(folder, db_path)
    if max_age is not None and last is not None and now - last.taken_at < max_age:
        return None
    info = take_backup(db_path, folder, now=now, key=key)
    rotate(folder)
    if copy_dir is not None:
        tmp = copy_dir / f".{info.path.name}.partial"
        try:
            ensure_dir(copy_dir)
            tmp.write_bytes(info.path.read_bytes())
            os.replace(tmp, copy_dir / info.path.name)
            rotate(copy_dir)
        except OSError as exc:
            # A half-copied file on the stick must not look like a backup.
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise EnvironmentProblem(_("The backup was made in {folder}, but copying it failed. {problem}").format(
                folder=folder, problem=write_problem(copy_dir / info.path.name, exc).message)) from None
    return info
