"""Which role may do what: the permission matrix, checked by the services themselves."""

from __future__ import annotations

from okmot.errors import PermissionDenied
from okmot.i18n import N_, _

ALL_ROLES = frozenset({"admin", "head", "clerk", "accountant", "district", "viewer"})
_STAFF = frozenset({"admin", "head", "clerk"})

#: action → (label, roles allowed). Anything not listed here is open to every signed-in role (reading).
MATRIX: dict[str, tuple[str, frozenset[str]]] = {
    "household.edit": (N_("change households and their members"), frozenset({"admin", "clerk"})),
    "farm.edit": (N_("change land, livestock and machinery"), frozenset({"admin", "clerk", "accountant"})),
    "movement.record": (N_("record births, deaths, arrivals and departures"), frozenset({"admin", "clerk"})),
    "certificate.issue": (N_("issue certificates"), _STAFF),
    "certificate.reprint": (N_("reprint certificates"), _STAFF),
    "certificate.cancel": (N_("cancel certificates"), frozenset({"admin", "head"})),
    "fee.record": (N_("record fee payments"), frozenset({"admin", "clerk", "accountant"})),
    "import.book": (N_("import a household book"), frozenset({"admin", "clerk"})),
    "report.export": (N_("export reports"), frozenset({"admin", "head", "clerk", "accountant", "district"})),
    "service_register.edit": (N_("change the register of services"), frozenset({"admin"})),
    "settings.edit": (N_("change the office settings"), frozenset({"admin"})),
    "user.manage": (N_("manage user accounts"), frozenset({"admin"})),
    "audit.view": (N_("see the audit trail"), frozenset({"admin", "head"})),
    "subject_access.print": (N_("print a subject-access report"), frozenset({"admin", "head"})),
    "application.edit": (N_("register applications and change their status"), _STAFF),
    "complaint.edit": (N_("receive, register and answer complaints"), _STAFF),
    "territory.edit": (N_("change villages and streets"), frozenset({"admin"})),
    "signing_key.manage": (N_("manage signing keys"), frozenset({"admin"})),
    "duplicates.resolve": (N_("merge or dismiss possible duplicates"), frozenset({"admin", "clerk"})),
    "sync.export": (N_("export sync packages to the district"), frozenset({"admin", "clerk", "accountant"})),
    "sync.import": (N_("import sync packages from the offices"), frozenset({"admin", "district"})),
    "sync.trust": (N_("trust a new office's key"), frozenset({"admin", "district"})),
    "reference.publish": (N_("publish reference packages to the offices"), frozenset({"admin", "district"})),
    "reference.apply": (N_("apply reference packages from the district"), frozenset({"admin"})),
}


def allowed(role: str | None, action: str) -> bool:
    """True if ``role`` may do ``action``; None stands for the program itself (setup, demo, CLI tools)."""
    if action not in MATRIX:
        raise ValueError(f"unknown permission {action}")
    return role is None or role in MATRIX[action][1]


def role_of(who) -> str | None:
    """The role of a UserInfo or an Actor; None for a system actor (no signed-in user)."""
    if who is None:
        return None
    if getattr(who, "user_id", "user") is None:
        return None
    return getattr(who, "role", None)


def require(who, action: str) -> None:
    """Raise PermissionDenied unless ``who`` (a UserInfo or an Actor) may do ``action``."""
    if not allowed(role_of(who), action):
        raise PermissionDenied(_("Your role does not allow you to {action}.").format(action=_(MATRIX[action][0])))


def require_session(session, action: str) -> None:
    """The same check for the actor a unit of work was opened for (okmot.db.journal.actor_of)."""
    from okmot.db.journal import actor_of

    require(actor_of(session), action)
