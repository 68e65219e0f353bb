"""The open database and the signed-in user: what the UI and CLI hold to call the services."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from okmot.db.engine import SYSTEM, Actor, Database
from okmot.db.migrate import UpgradeResult, open_database
from okmot.errors import DamagedDatabaseError, DatabaseBusyError, EnvironmentProblem
from okmot.i18n import _
from okmot.services.auth import UserInfo


@dataclass
class AppContext:
    db: Database
    user: UserInfo | None = None
    upgrade: UpgradeResult | None = field(default=None)

    @property
    def actor(self) -> Actor:
        return self.user.actor if self.user else SYSTEM

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; any attempt to write from it is refused by the journal."""
        with self.db.session(None) as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work on behalf of the signed-in user: all of it is saved, or none."""
        try:
            with self.db.session(self.actor) as session:
                yield session
        except DBAPIError as exc:
            raise storage_problem(exc, self.location) from None

    @contextlib.contextmanager
    def system(self, task: str) -> Iterator[Session]:
        """A unit of work done by the program itself before anyone signed in (login, first setup)."""
        with self.db.session(Actor(user_id=None, username=f"system:{task}")) as session:
            yield session

    def sign_in(self, username: str, password: str) -> UserInfo:
        """Check the password (with lockout and an audit record) and make that user the current one."""
        from okmot.services import auth

        try:
            self.user = auth.sign_in(self.system, username, password)
        except DBAPIError as exc:
            raise storage_problem(exc, self.location) from None
        return self.user

    def can(self, action: str) -> bool:
        """True if the signed-in user's role allows ``action`` (okmot.permissions); the program itself may."""
        from okmot import permissions

        return permissions.allowed(self.user.role if self.user else None, action)

    def audit(self, action: str, **subject) -> None:
        """Record a view, print or export by the current user in a unit of work of its own."""
        from okmot.services import audit

        with self.write() as s:
            audit.record(s, self.actor, action, **subject)

    @property
    def location(self) -> str:
        return self.db.target

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, for a local SQLite database (None for PostgreSQL)."""
        return Path(self.db.engine.url.database) if self.db.is_sqlite else None

    def close(self) -> None:
        self.db.dispose()


def storage_problem(exc: DBAPIError, location: str) -> EnvironmentProblem:
    """A translated explanation, with a way forward, of a database file that is locked, read-only or damaged."""
    reason = str(exc.orig if exc.orig is not None else exc).lower()
    if "locked" in reason or "busy" in reason:
        return DatabaseBusyError(_("The database {path} is in use by another program or another copy of Okmot. "
                                    "Close it and try again; nothing was changed.").format(path=location))
    if "readonly" in reason or "read-only" in reason or "permission" in reason:
        return EnvironmentProblem(_("The database {path} is read-only: nothing can be saved. Check that the disk "
                                    "is not write-protected and that you may change the file.").format(path=location))
    if "malformed" in reason or "not a database" in reason or "corrupt" in reason:
        return DamagedDatabaseError(_("The database {path} is damaged. Restore the latest backup "
                                      "(python -m okmot restore) or ask for help.").format(path=location))
    if "disk is full" in reason or "database or disk is full" in reason:
        return EnvironmentProblem(_("The disk is full: nothing was saved. Free some space and try again."))
    return EnvironmentProblem(_("The database {path} cannot be used: {reason}").format(
        path=location, reason=exc.orig if exc.orig is not None else exc))


def open_context(target: str | Path) -> AppContext:
    """Open and migrate the database at ``target`` (a file path or a PostgreSQL URL).

    A locked, read-only or damaged file raises an EnvironmentProblem that says what to do.
    """
    try:
        db = open_database(target)
    except DBAPIError as exc:
        raise storage_problem(exc, str(target)) from None
    return AppContext(db=db, upgrade=db.last_upgrade)
