"""Accounts: creation, changes, passwords, log-in with lock-out, API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.database import utcnow
from portal.extensions import db
from portal.models.enums import Role
from portal.models.facility import Facility
from portal.models.user import ApiToken, User
from portal.operations.audit import record_audit
from portal.operations.locks import lock_row

MIN_PASSWORD_LENGTH = 10
#: Fewer different characters than this is a pattern, not a password ("aaaaaaaaa1").
MIN_DISTINCT_CHARACTERS = 5
#: The rules of ``check_password_strength``, as the password fields' hint.
PASSWORD_RULES = _l(
    "至少 %(n)d 个字符，含字母、数字、符号中的两类，至少 %(d)d 个不同的字符，不含用户名",
    n=MIN_PASSWORD_LENGTH,
    d=MIN_DISTINCT_CHARACTERS,
)


class UserError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user,
    and ``field`` names the form field it is about ("password"), if one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_password_strength(password: str, username: str = "") -> str | None:
    """What is wrong with ``password`` for the account ``username``, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("密码至少需要 %(n)d 个字符", n=MIN_PASSWORD_LENGTH)
    kinds = sum(
        [
            any(c.isdigit() for c in password),
            any(c.isalpha() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 2:
        return _("密码须至少包含字母、数字、符号中的两类")
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return _(
            "密码不能由少数几个字符重复组成，请至少使用 %(n)d 个不同的字符",
            n=MIN_DISTINCT_CHARACTERS,
        )
    # The user name is the first thing tried against an account.
    if len(username) >= 3 and username.lower() in password.lower():
        return _("密码不能包含用户名")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _check_role_facility(role: Role, facility: Facility | None) -> None:
    if role is Role.FACILITY and facility is None:
        raise UserError(_("定点机构用户必须绑定一个定点机构"))
    if role is not Role.FACILITY and facility is not None:
        raise UserError(_("医保局工作人员账号不能绑定定点机构"))


#: Letters and digits of the English alphabet, and _ . - @ (an e-mail address may serve).
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.@-]+")


def create_user(
    actor,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    facility: Facility | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise UserError(_("用户名不能为空"))
    if any(c.isspace() or not c.isprintable() for c in username):
        raise UserError(_("用户名不能包含空格或控制字符"))
    if not USERNAME_PATTERN.fullmatch(username):
        # A look-alike (a Cyrillic "а" in "admin", full-width letters) would pass for
        # another account in the audit log and in every list.
        raise UserError(_("用户名只能使用英文字母、数字和 _ . - @"))
    exists = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if exists:
        raise UserError(_("用户名“%(name)s”已被使用", name=username))
    problem = check_password_strength(password, username)
    if problem:
        raise UserError(problem, "password")
    _check_role_facility(role, facility)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        facility=facility,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user.create", "user", user.id, after=user.audit_summary())
    return user


def update_user(
    actor,
    user: User,
    *,
    display_name: str,
    role: Role,
    facility: Facility | None,
    active: bool,
) -> int:
    """Save an account's name, role, facility and whether it is active; returns how many
    API tokens that revoked (deactivating the account or changing its role revokes them,
    as ``set_password`` by someone else does)."""
    if user.id == getattr(actor, "id", None) and (not active or role is not user.role):
        raise UserError(_("不能停用自己的账号或修改自己的角色"))
    _check_role_facility(role, facility)
    before = user.audit_summary()
    deactivated = user.active and not active
    role_changed = role is not user.role
    rebound = role_changed or getattr(facility, "id", None) != user.facility_id
    user.display_name = display_name.strip() or user.username
    user.role = role
    user.facility = facility
    user.active = active
    if rebound:
        # A session reads the account's role and facility afresh with every request: one
        # opened for the old job would go on in the new one (a facility user logged in for
        # one facility would see the other). Whoever holds the account logs in again.
        user.end_sessions()
    db.session.flush()
    after = user.audit_summary()
    if after != before:  # a form saved unchanged is no change to record
        record_audit(actor, "user.update", "user", user.id, before=before, after=after)
    if deactivated or role_changed:
        # Its API tokens end with it: reactivating the account later must not bring a
        # token back that may have been handed on meanwhile, and a token made for one job
        # must not carry over to another (a new one can be made).
        return revoke_api_tokens(actor, user)
    return 0


def set_password(actor, user: User, password: str) -> int:
    """Set ``user``'s password and end every log-in session of the account (the caller logs
    its own session in again); raises ``UserError`` for a weak or unchanged password.

    Set by someone else (an administrator's reset, which usually follows a suspected
    compromise), the account's API tokens are revoked too, and how many is returned. A
    user changing their own password keeps them: integrations would otherwise stop
    without anyone being told (an administrator revokes a token on its own)."""
    problem = check_password_strength(password, user.username)
    if problem:
        raise UserError(problem, "password")
    own = getattr(actor, "id", None) == user.id
    if own and check_password_hash(user.password_hash, password):
        # A change that keeps the password (after a suspected leak, say) changes nothing.
        # Not said to an administrator's reset: it would tell them the current password
        # (and a reset sent twice would end on this error though it was made).
        raise UserError(_("新密码不能与当前密码相同"), "password")
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    # Sessions opened with the old password end (the caller logs its own session in again).
    user.end_sessions()
    db.session.flush()
    record_audit(actor, "user.password", "user", user.id, note="password changed")
    if own:
        return 0
    return revoke_api_tokens(actor, user)


def unlock_user(actor, user: User) -> bool:
    """Lift a lock and clear the failure count; False (and nothing recorded) when there
    was neither."""
    if user.locked_until is None and not user.failed_logins:
        return False
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    record_audit(actor, "user.unlock", "user", user.id)
    return True


_DUMMY_HASH = None
#: Said when an account is (or has just been) locked for too many wrong passwords.
LOCKED_MESSAGE = _l("登录失败次数过多，账号已临时锁定，请稍后再试或联系管理员")


def _count_failure(user: User, now, why: str) -> bool:
    """Count a wrong password against the account; True when that locked it (for
    ``LOGIN_LOCK_MINUTES``, at ``LOGIN_MAX_FAILURES``). The count is read again under the
    account's row lock: guesses sent at once are each counted."""
    lock_row(User, user.id)
    db.session.refresh(user, ["failed_logins"])
    user.failed_logins += 1
    if user.failed_logins < current_app.config["LOGIN_MAX_FAILURES"]:
        return False
    user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    user.failed_logins = 0
    record_audit(None, "user.locked", "user", user.id, note=why)
    return True


def check_own_password(user: User, password: str) -> str:
    """The account's password, asked again before it is changed: "ok", "wrong", or
    "locked". A wrong one counts as a failed log-in, so that a session taken over cannot
    guess the password without limit: at the limit the account is locked and every session
    of it ends. The caller commits either way, so failures are kept."""
    if check_password_hash(user.password_hash, password):
        user.failed_logins = 0
        return "ok"
    if _count_failure(user, utcnow(), "too many wrong current passwords"):
        user.end_sessions()
        return "locked"
    return "wrong"


def authenticate(username: str, password: str) -> tuple[User | None, str | None]:
    """Check a log-in. Returns (user, None) or (None, message).

    Failed attempts count against the account; at ``LOGIN_MAX_FAILURES`` it is locked for
    ``LOGIN_LOCK_MINUTES``. The caller commits either way so failures are kept.

    Only the right password is told that the account is locked: a wrong one gets the
    answer an unknown user name gets, so that guesses do not learn which accounts exist
    (the lock said so to anyone who typed a name five times).
    """
    global _DUMMY_HASH
    now = utcnow()
    generic = _("用户名或密码错误")
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )
    if user is None:
        # Spend the same work as a real check so timing does not reveal user names.
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password")
        check_password_hash(_DUMMY_HASH, password)
        return None, generic
    right = check_password_hash(user.password_hash, password)
    if user.is_locked(now):
        return None, str(LOCKED_MESSAGE) if right else generic
    if not right:
        _count_failure(user, now, "too many failed log-ins")
        return None, generic
    if not user.active:
        return None, _("该账号已停用，请联系管理员")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record_audit(user, "user.login", "user", user.id)
    return user, None


def log_out(user: User) -> None:
    """End every session of the account (this one, other devices, copies of the cookie)."""
    user.end_sessions()
    record_audit(user, "user.logout", "user", user.id)


def create_api_token(actor, user: User) -> str:
    """Create a token for a bureau account and return it; only its hash is kept."""
    # Imported here: portal.auth's views import this module, so a top-level import would
    # make ``import portal.operations.users`` fail on its own (circular import).
    from portal.auth.session import new_token

    if not user.is_bureau:
        raise UserError(_("只有医保局工作人员账号可以创建接口令牌"))
    token = new_token()
    row = ApiToken(user=user, prefix=token[:10], token_hash=ApiToken.hash_token(token))
    db.session.add(row)
    db.session.flush()
    record_audit(
        actor,
        "token.create",
        "api_token",
        row.id,
        after={"user": user.username, "prefix": row.prefix},
    )
    return token


def revoke_api_token(actor, token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.flush()
    record_audit(actor, "token.revoke", "api_token", token.id, note=token.prefix)


def _valid_tokens(user: User):
    return select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))


def valid_api_token_count(user: User) -> int:
    """How many of ``user``'s API tokens are still valid."""
    return db.session.scalar(select(func.count()).select_from(_valid_tokens(user).subquery()))


def revoke_api_tokens(actor, user: User) -> int:
    """Revoke every API token of ``user`` still valid, each audited; how many there were."""
    tokens = db.session.scalars(_valid_tokens(user)).all()
    for token in tokens:
        revoke_api_token(actor, token)
    return len(tokens)
