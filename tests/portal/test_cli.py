"""The ``medcredit`` command line: accounts and API tokens."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from portal.models.audit import AuditLog
from portal.models.enums import Role
from portal.models.user import ApiToken, User

GOOD_PASSWORD = "Cli-password-2026"


def _user(db, username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def test_users_create_inspector(db, runner):
    result = runner.invoke(
        args=["users", "create", "cli_insp", "--role", "inspector", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "cli_insp" in result.output
    user = _user(db, "cli_insp")
    assert user is not None
    assert user.role is Role.INSPECTOR
    assert user.facility is None
    assert check_password_hash(user.password_hash, GOOD_PASSWORD)
    assert GOOD_PASSWORD not in user.password_hash
    assert GOOD_PASSWORD not in result.output
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert row.actor_name == "system" and row.object_id == str(user.id)


def test_users_create_with_display_name_and_windows_line_ending(db, runner):
    result = runner.invoke(
        args=["users", "create", "cli_named", "--role", "auditor", "--name", "审计员甲",
              "--password-stdin"],
        input=GOOD_PASSWORD + "\r\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = _user(db, "cli_named")
    assert user.display_name == "审计员甲"
    assert check_password_hash(user.password_hash, GOOD_PASSWORD)


def test_the_created_account_can_log_in(db, runner, client):
    from tests.conftest import csrf_token

    runner.invoke(
        args=["users", "create", "cli_login", "--role", "approver", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data={"username": "cli_login", "password": GOOD_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_facility_user_needs_a_facility(db, runner, make_facility):
    result = runner.invoke(
        args=["users", "create", "cli_fac", "--role", "facility", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "定点机构" in result.output
    assert _user(db, "cli_fac") is None

    facility = make_facility()
    result = runner.invoke(
        args=["users", "create", "cli_fac", "--role", "facility", "--facility",
              facility.site_code.lower(), "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _user(db, "cli_fac").facility_id == facility.id


def test_unknown_facility_is_refused(db, runner):
    result = runner.invoke(
        args=["users", "create", "cli_fac2", "--role", "facility", "--facility",
              "H99999999999", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "H99999999999" in result.output
    assert _user(db, "cli_fac2") is None


def test_bureau_user_cannot_be_bound_to_a_facility(db, runner, make_facility):
    facility = make_facility()
    db.session.commit()
    result = runner.invoke(
        args=["users", "create", "cli_bound", "--role", "inspector", "--facility",
              facility.site_code, "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code != 0
    assert _user(db, "cli_bound") is None


def test_weak_passwords_are_refused(db, runner):
    for weak, message in (("short1!", "至少需要"), ("onlyletterslong", "两类"), ("", "至少需要")):
        result = runner.invoke(
            args=["users", "create", "cli_weak", "--role", "inspector", "--password-stdin"],
            input=weak + "\n",
        )
        assert result.exit_code != 0, weak
        assert message in result.output, weak
        assert _user(db, "cli_weak") is None


def test_unknown_role_and_missing_flag_are_refused(db, runner):
    result = runner.invoke(
        args=["users", "create", "cli_role", "--role", "superuser", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=["users", "create", "cli_role", "--role", "inspector"], input=GOOD_PASSWORD + "\n"
    )
    assert result.exit_code != 0
    assert _user(db, "cli_role") is None


def test_duplicate_username_is_refused(db, runner, make_user):
    make_user(Role.INSPECTOR, "taken")
    db.session.commit()  # the command rolls back its own failed work, not this
    result = runner.invoke(
        args=["users", "create", "TAKEN", "--role", "inspector", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "已被使用" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_tokens_create_prints_the_token_once_and_stores_its_hash(db, runner, make_user):
    user = make_user(Role.CREDIT_OFFICER, "token_owner")
    result = runner.invoke(args=["tokens", "create", "token_owner"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("mc_") and len(token) > 30
    assert "\n" not in token  # the token alone on stdout, so scripts can capture it
    assert "不会再次显示" in result.stderr

    rows = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
    assert len(rows) == 1
    row = rows[0]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in (row.prefix, row.token_hash, row.created_at))
    assert token not in stored
    assert token[10:] not in stored  # only a short prefix is kept in the clear

    # Each run makes a new token; nothing prints an old one again.
    again = runner.invoke(args=["tokens", "create", "token_owner"])
    assert again.exit_code == 0
    assert again.stdout.strip() != token
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 2


def test_tokens_create_for_unknown_user_fails(db, runner):
    result = runner.invoke(args=["tokens", "create", "ghost"])
    assert result.exit_code != 0
    assert "ghost" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_tokens_create_for_facility_user_fails(db, runner, make_user):
    make_user(Role.FACILITY, "clinic_cli")
    result = runner.invoke(args=["tokens", "create", "clinic_cli"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
