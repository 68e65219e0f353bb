"""User accounts: first-run administrator, login, and the roles every change is recorded under."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okmot.codes import ROLES
from okmot.db.base import utcnow
from okmot.db.engine import Actor
from okmot.errors import AuthenticationError, NotFoundError, PermissionDenied, ValidationError
from okmot.i18n import _
from okmot.models import User
from okmot import permissions
from okmot.services import audit

# Argon2id with argon2-cffi's defaults (64 MiB, 3 passes): memory-hard, still < 0.1 s on an old PC.
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    username: str
    full_name: str
    role: str

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.id, username=self.username, role=self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, full_name=user.full_name, role=user.role)


def needs_first_admin(session: Session) -> bool:
    """True until an administrator exists: the app then asks the person at the keyboard to create one."""
    count = session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True), User.deleted_at.is_(None)))
    return count == 0


def _find_user(session: Session, username: str, *, include_deleted: bool = False) -> User | None:
    """The account named ``username``, ignoring case and surrounding spaces.

    Compared in Python: SQLite's lower() folds ASCII letters only, and staff use Cyrillic names.
    An office has a handful of accounts, so reading them all is cheap.
    """
    key = username.strip().casefold()
    q = select(User)
    if not include_deleted:
        q = q.where(User.deleted_at.is_(None))
    return next((u for u in session.scalars(q) if u.username.casefold() == key), None)


def _validate(session: Session, username: str, password: str, role: str) -> str:
    errors = {}
    username = username.strip()
    if not username:
        errors["username"] = _("Enter a user name.")
    elif len(username) > 60:
        errors["username"] = _("A user name may have at most 60 characters.")
    elif _find_user(session, username, include_deleted=True) is not None:
        errors["username"] = _("The user name {name} is already taken.").format(name=username)
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _("A password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
    elif password.strip() == "" or password.lower() == username.lower():
        errors["password"] = _("This password is too easy to guess.")
    if role not in ROLES:
        errors["role"] = _("Unknown role.")
    if errors:
        raise ValidationError(errors)
    return username


def create_first_admin(session: Session, *, username: str, full_name: str, password: str) -> UserInfo:
    if not needs_first_admin(session):
        raise PermissionDenied(_("An administrator already exists; ask them to create your account."))
    username = _validate(session, username, password, "admin")
    user = User(username=username, full_name=full_name.strip(), role="admin",
                password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return _info(user)


def create_user(session: Session, by: UserInfo, *, username: str, full_name: str, password: str,
                role: str) -> UserInfo:
    permissions.require(by, "user.manage")
    username = _validate(session, username, password, role)
    user = User(username=username, full_name=full_name.strip(), role=role,
                password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return _info(user)


def authenticate(session: Session, username: str, password: str) -> UserInfo:
    user = _find_user(session, username)
    if user is None or not user.is_active:
        # Same message whether the name or the password is wrong: do not reveal which accounts exist.
        _hasher.hash(password)  # spend the same time as a real check
        raise AuthenticationError(_("Wrong user name or password."))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationError(_("Wrong user name or password.")) from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return _info(user)


#: Lockout: this many failed sign-ins for one user name within the window lock it for the window.
MAX_FAILURES = 5
LOCK_WINDOW = dt.timedelta(minutes=15)


def locked_until(session: Session, username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a user name locked by repeated failures may try again (UTC), or None if it is not locked."""
    from okmot.models import AuditEvent

    now = now or utcnow()
    since = now - LOCK_WINDOW
    if audit.failures_since(session, username, since) < MAX_FAILURES:
        return None
    last_ok = audit.last_success(session, username)
    last_fail = session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "login_failed", AuditEvent.at >= since))
    if last_ok is not None and last_fail is not None and last_ok > last_fail:
        return None
    return (last_fail or now) + LOCK_WINDOW


def sign_in(open_session, username: str, password: str, *, now: dt.datetime | None = None) -> UserInfo:
    """Check a password and record the attempt; refuses a user name locked after repeated failures.

    ``open_session(task)`` opens a unit of work for the program itself (AppContext.system): the
    failure is recorded in a unit of its own, since the failed check's unit is rolled back.
    """
    with open_session("login") as s:
        until = locked_until(s, username, now=now)
    if until is not None:
        local = until.replace(tzinfo=dt.UTC).astimezone().strftime("%H:%M")
        raise AuthenticationError(_("Too many failed attempts. Try again after {time}.").format(time=local))
    try:
        with open_session("login") as s:
            user = authenticate(s, username, password)
            audit.record(s, user.actor, "login")
    except AuthenticationError:
        with open_session("login") as s:
            audit.record(s, Actor(user_id=None, username="system:login"), "login_failed",
                         detail={"username": username.strip()})
        raise
    return user


def list_users(session: Session) -> list[UserInfo]:
    users = session.scalars(select(User).where(User.deleted_at.is_(None)).order_by(User.username))
    return [_info(u) for u in users]


@dataclass(frozen=True)
class AccountRow:
    """A line of the administrator's list of accounts."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str
    is_active: bool


def list_accounts(session: Session) -> list[AccountRow]:
    """Every account, active or not, for the administrator's list."""
    users = session.scalars(select(User).where(User.deleted_at.is_(None)).order_by(User.username))
    return [AccountRow(u.id, u.username, u.full_name, u.role, bool(u.is_active)) for u in users]


def _password_problem(username: str, password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("A password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
    if password.strip() == "" or password.lower() == username.lower():
        return _("This password is too easy to guess.")
    return None


def _load(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFoundError(_("The account was not found."))
    return user


def change_password(session: Session, user: UserInfo, *, old_password: str, new_password: str) -> None:
    """A user changes their own password; the current one must be given again."""
    row = _load(session, user.id)
    try:
        _hasher.verify(row.password_hash, old_password)
    except (VerificationError, InvalidHashError):
        raise ValidationError({"old_password": _("The current password is wrong.")}) from None
    problem = _password_problem(row.username, new_password)
    if problem is None and new_password == old_password:
        problem = _("The new password must differ from the current one.")
    if problem:
        raise ValidationError({"new_password": problem})
    row.password_hash = _hasher.hash(new_password)
    audit.record(session, user.actor, "password_changed", subject_table="user", subject_id=row.id)


def reset_password(session: Session, by: UserInfo, user_id: uuid.UUID, new_password: str) -> None:
    """An administrator sets a new password for someone who forgot theirs."""
    permissions.require(by, "user.manage")
    row = _load(session, user_id)
    problem = _password_problem(row.username, new_password)
    if problem:
        raise ValidationError({"password": problem})
    row.password_hash = _hasher.hash(new_password)
    audit.record(session, by.actor, "password_reset", subject_table="user", subject_id=row.id,
                 detail={"username": row.username})


def _other_active_admins(session: Session, row: User) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True), User.deleted_at.is_(None), User.id != row.id))


def set_active(session: Session, by: UserInfo, user_id: uuid.UUID, active: bool) -> None:
    """An administrator lets an account sign in again, or stops it (accounts are never deleted)."""
    permissions.require(by, "user.manage")
    row = _load(session, user_id)
    if not active and row.id == by.id:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    if not active and row.role == "admin" and not _other_active_admins(session, row):
        raise PermissionDenied(_("The last active administrator cannot be deactivated."))
    if bool(row.is_active) != active:
        row.is_active = active
        audit.record(session, by.actor, "account_activated" if active else "account_deactivated",
                     subject_table="user", subject_id=row.id, detail={"username": row.username})


def set_role(session: Session, by: UserInfo, user_id: uuid.UUID, role: str) -> UserInfo:
    """An administrator gives an account another role; the office always keeps an active administrator.

    The new role applies from the account's next sign-in (or at once for the administrator's own
    account: the caller replaces its UserInfo with the one returned).
    """
    permissions.require(by, "user.manage")
    row = _load(session, user_id)
    if role not in ROLES:
        raise ValidationError({"role": _("Unknown role.")})
    if row.role == "admin" and role != "admin" and row.is_active and not _other_active_admins(session, row):
        raise PermissionDenied(_("The last active administrator must keep the administrator role."))
    if row.role != role:
        audit.record(session, by.actor, "role_changed", subject_table="user", subject_id=row.id,
                     detail={"username": row.username, "from": row.role, "to": role})
        row.role = role
        session.flush()
    return _info(row)
