"""User accounts: the first administrator, password rules, login, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from okmot.db.engine import SYSTEM, Database
from okmot.errors import AuthenticationError, PermissionDenied, ValidationError
from okmot.models import User
from okmot.services import auth

ADMIN_PASSWORD = "Ala-Too-2024"


def _first_admin(db: Database, username: str = "admin", password: str = ADMIN_PASSWORD) -> auth.UserInfo:
    with db.session(SYSTEM) as s:
        return auth.create_first_admin(s, username=username, full_name=" Асанова Айгүл ", password=password)


def _clerk(db: Database, admin: auth.UserInfo, username: str = "clerk", password: str = "Issyk-Kul-77"):
    with db.session(admin.actor) as s:
        return auth.create_user(s, admin, username=username, full_name="Бакыт", password=password, role="clerk")


def test_needs_first_admin_on_empty_db(db):
    with db.session() as s:
        assert auth.needs_first_admin(s) is True


def test_create_first_admin(db):
    info = _first_admin(db)
    assert info.username == "admin"
    assert info.full_name == "Асанова Айгүл"
    assert info.role == "admin" and info.is_admin
    assert info.actor.user_id == info.id and info.actor.username == "admin"
    with db.session() as s:
        assert auth.needs_first_admin(s) is False
        assert [u.username for u in auth.list_users(s)] == ["admin"]


def test_second_first_admin_refused(db):
    _first_admin(db)
    with pytest.raises(PermissionDenied):
        _first_admin(db, username="another", password="Another-pass-1")
    with db.session() as s:
        assert [u.username for u in auth.list_users(s)] == ["admin"]


def test_password_too_short(db):
    with pytest.raises(ValidationError) as exc:
        _first_admin(db, password="Short-1")
    assert set(exc.value.fields) == {"password"}
    assert "8" in exc.value.fields["password"]
    with db.session() as s:
        assert auth.needs_first_admin(s) is True


@pytest.mark.parametrize("username, password", [("administrator", "administrator"),
                                                ("Administrator", "administrator"),
                                                ("  aigul_asanova ", "AIGUL_ASANOVA")])
def test_password_equal_to_username(db, username, password):
    with pytest.raises(ValidationError) as exc:
        _first_admin(db, username=username, password=password)
    assert set(exc.value.fields) == {"password"}


def test_blank_password_and_username(db):
    with pytest.raises(ValidationError) as exc:
        _first_admin(db, username="  ", password="          ")
    assert set(exc.value.fields) == {"username", "password"}


def test_authenticate_returns_role(db):
    admin = _first_admin(db)
    _clerk(db, admin)
    with db.session(SYSTEM) as s:
        who = auth.authenticate(s, "admin", ADMIN_PASSWORD)
        assert (who.id, who.role, who.is_admin) == (admin.id, "admin", True)
        clerk = auth.authenticate(s, " Clerk ", "Issyk-Kul-77")
        assert (clerk.username, clerk.role, clerk.is_admin) == ("clerk", "clerk", False)


def test_wrong_password_and_unknown_user_same_message(db):
    _first_admin(db)
    with db.session(SYSTEM) as s:
        with pytest.raises(AuthenticationError) as wrong_password:
            auth.authenticate(s, "admin", "ala-too-2024")
        with pytest.raises(AuthenticationError) as unknown_user:
            auth.authenticate(s, "nobody", ADMIN_PASSWORD)
        with pytest.raises(AuthenticationError) as empty:
            auth.authenticate(s, "admin", "")
    assert wrong_password.value.message == unknown_user.value.message == empty.value.message
    assert wrong_password.value.message == "Wrong user name or password."


def test_inactive_user_cannot_log_in(db):
    admin = _first_admin(db)
    clerk = _clerk(db, admin)
    with db.session(admin.actor) as s:
        s.get(User, clerk.id).is_active = False
    with db.session(SYSTEM) as s:
        with pytest.raises(AuthenticationError, match="Wrong user name or password."):
            auth.authenticate(s, "clerk", "Issyk-Kul-77")


def test_stored_hash_is_argon2id(db):
    admin = _first_admin(db)
    with db.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.id == admin.id))
    assert stored.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in stored


def test_create_user_only_by_admin(db):
    admin = _first_admin(db)
    clerk = _clerk(db, admin)
    assert clerk.role == "clerk"
    with pytest.raises(PermissionDenied):
        with db.session(clerk.actor) as s:
            auth.create_user(s, clerk, username="third", full_name="", password="Third-pass-3", role="clerk")
    with db.session() as s:
        assert [u.username for u in auth.list_users(s)] == ["admin", "clerk"]


def test_unknown_role_refused(db):
    admin = _first_admin(db)
    with pytest.raises(ValidationError) as exc:
        with db.session(admin.actor) as s:
            auth.create_user(s, admin, username="boss", full_name="", password="Boss-pass-1", role="superuser")
    assert set(exc.value.fields) == {"role"}


@pytest.mark.parametrize("duplicate", ["clerk", "CLERK", " Clerk "])
def test_duplicate_username_refused(db, duplicate):
    admin = _first_admin(db)
    _clerk(db, admin)
    with pytest.raises(ValidationError) as exc:
        _clerk(db, admin, username=duplicate, password="Other-pass-2")
    assert set(exc.value.fields) == {"username"}
    assert duplicate.strip() in exc.value.fields["username"]


def test_duplicate_cyrillic_username_refused(db):
    # Office staff often sign in with their name in Cyrillic.
    admin = _first_admin(db)
    _clerk(db, admin, username="Айгүл")
    with pytest.raises(ValidationError) as exc:
        _clerk(db, admin, username="айгүл", password="Other-pass-2")
    assert set(exc.value.fields) == {"username"}


def test_cyrillic_username_login_ignores_case(db):
    admin = _first_admin(db)
    _clerk(db, admin, username="Айгүл", password="Issyk-Kul-77")
    with db.session(SYSTEM) as s:
        assert auth.authenticate(s, "АЙГҮЛ", "Issyk-Kul-77").username == "Айгүл"
        assert auth.authenticate(s, "айгүл", "Issyk-Kul-77").username == "Айгүл"
