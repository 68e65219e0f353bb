"""Two tiers of errors: user and environment errors carry a translated message; anything else is a bug."""

from __future__ import annotations


class OkmotError(Exception):
    """Base of every error the app expects and explains to the user.

    ``message`` is already translated into the active language when the error is raised.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(OkmotError):
    """Something the user asked for cannot be done as asked."""


class ValidationError(UserError):
    """Input failed validation; ``fields`` maps a field name to its translated problem."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        self.fields = dict(fields)
        super().__init__(message or "\n".join(self.fields.values()))


class NotFoundError(UserError):
    """The record asked for does not exist (or was deleted)."""


class ConflictError(UserError):
    """The record was changed by someone else, or would break a uniqueness rule."""


class PermissionDenied(UserError):
    """The current user's role does not allow the action."""


class AuthenticationError(UserError):
    """Wrong user name or password."""


class EnvironmentProblem(OkmotError):
    """The machine is in the way: disk full, file locked, read-only, damaged file."""


class DatabaseBusyError(EnvironmentProblem):
    """Another writer (another program, or a long import in this one) held the database past the busy timeout."""


class DamagedDatabaseError(EnvironmentProblem):
    """The database file is corrupted; the way forward is to restore a backup."""


class NewerDatabaseError(EnvironmentProblem):
    """The database was written by a newer version of Okmot."""


class NotOkmotDatabaseError(EnvironmentProblem):
    """The file is a database of some other program."""
