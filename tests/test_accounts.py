"""Password change, administrator's reset and (de)activation of accounts, each audited."""

from __future__ import annotations

import pytest

from okmot.errors import AuthenticationError, PermissionDenied, ValidationError
from okmot.services import audit, auth
from tests import village


@pytest.fixture
def ctx(tmp_path):
    context = village.build(tmp_path / "okmot.sqlite3", households_count=1)
    with context.write() as s:
        context.clerk = auth.create_user(s, context.user, username="bakyt", full_name="Бакыт", password="clerk-pass-1",
                                         role="clerk")
    yield context
    context.close()


def test_own_password_change_needs_the_current_one(ctx) -> None:
    with pytest.raises(ValidationError) as wrong:
        with ctx.write() as s:
            auth.change_password(s, ctx.clerk, old_password="guess-guess", new_password="new-secret-9")
    assert wrong.value.fields == {"old_password": "The current password is wrong."}
    with pytest.raises(ValidationError) as short:
        with ctx.write() as s:
            auth.change_password(s, ctx.clerk, old_password="clerk-pass-1", new_password="short")
    assert "at least 8 characters" in short.value.fields["new_password"]
    with ctx.write() as s:
        auth.change_password(s, ctx.clerk, old_password="clerk-pass-1", new_password="new-secret-9")
    assert ctx.sign_in("bakyt", "new-secret-9").username == "bakyt"
    with pytest.raises(AuthenticationError):
        ctx.sign_in("bakyt", "clerk-pass-1")
    with ctx.read() as s:
        changed = audit.events(s, action="password_changed")
    assert [(e.user_name, e.subject_id) for e in changed] == [("bakyt", ctx.clerk.id)]


def test_only_an_administrator_resets_and_deactivates(ctx) -> None:
    admin = ctx.user
    with pytest.raises(PermissionDenied):
        with ctx.write() as s:
            auth.reset_password(s, ctx.clerk, admin.id, "taken-over-1")
    with pytest.raises(PermissionDenied):
        with ctx.write() as s:
            auth.set_active(s, ctx.clerk, admin.id, False)
    with ctx.write() as s:
        auth.reset_password(s, admin, ctx.clerk.id, "fresh-start-2")
        auth.set_active(s, admin, ctx.clerk.id, False)
    with pytest.raises(AuthenticationError):
        ctx.sign_in("bakyt", "fresh-start-2")
    with ctx.write() as s:
        auth.set_active(s, admin, ctx.clerk.id, True)
    assert ctx.sign_in("bakyt", "fresh-start-2").role == "clerk"
    with ctx.read() as s:
        rows = {a.username: a.is_active for a in auth.list_accounts(s)}
        actions = [e.action for e in audit.events(s, user="aida")]
    assert rows == {"aida": True, "bakyt": True}
    assert actions[:3] == ["account_activated", "account_deactivated", "password_reset"]


def test_the_last_administrator_and_oneself_stay_active(ctx) -> None:
    with pytest.raises(PermissionDenied, match="your own account"):
        with ctx.write() as s:
            auth.set_active(s, ctx.user, ctx.user.id, False)
    with ctx.write() as s:
        second = auth.create_user(s, ctx.user, username="second", full_name="Second", password="second-pass-3",
                                  role="admin")
    with ctx.write() as s:
        auth.set_active(s, second, ctx.user.id, False)
    with pytest.raises(PermissionDenied, match="last active administrator"):
        with ctx.write() as s:
            auth.set_active(s, ctx.user, second.id, False)


def test_an_administrator_changes_a_role_and_the_change_is_audited(ctx) -> None:
    with pytest.raises(PermissionDenied):
        with ctx.write() as s:
            auth.set_role(s, ctx.clerk, ctx.clerk.id, "admin")
    with pytest.raises(ValidationError) as unknown:
        with ctx.write() as s:
            auth.set_role(s, ctx.user, ctx.clerk.id, "mayor")
    assert unknown.value.fields == {"role": "Unknown role."}
    with ctx.write() as s:
        changed = auth.set_role(s, ctx.user, ctx.clerk.id, "accountant")
    assert changed.role == "accountant"
    assert ctx.sign_in("bakyt", "clerk-pass-1").role == "accountant"
    with ctx.read() as s:
        events = audit.events(s, action="role_changed")
    assert [(e.user_name, e.subject_id, e.detail) for e in events] == [
        ("aida", ctx.clerk.id, {"username": "bakyt", "from": "clerk", "to": "accountant"})]


def test_the_last_active_administrator_keeps_the_role(ctx) -> None:
    with pytest.raises(PermissionDenied, match="must keep the administrator role"):
        with ctx.write() as s:
            auth.set_role(s, ctx.user, ctx.user.id, "clerk")
    with ctx.write() as s:
        second = auth.create_user(s, ctx.user, username="second", full_name="Second", password="second-pass-3",
                                  role="admin")
        auth.set_active(s, ctx.user, second.id, False)
    # An inactive second administrator does not count: the office could be left without one.
    with pytest.raises(PermissionDenied, match="must keep the administrator role"):
        with ctx.write() as s:
            auth.set_role(s, ctx.user, ctx.user.id, "head")
    with ctx.write() as s:
        auth.set_active(s, ctx.user, second.id, True)
        demoted = auth.set_role(s, ctx.user, ctx.user.id, "head")
    assert demoted.role == "head" and not demoted.is_admin
    with ctx.read() as s:
        assert {a.username: a.role for a in auth.list_accounts(s)} == {"aida": "head", "bakyt": "clerk",
                                                                        "second": "admin"}
