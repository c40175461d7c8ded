from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import EmptyForm, LoginForm, PasswordForm
from portal.extensions import db, limiter
from portal.models.enums import Role
from portal.operations.users import (
    LOCKED_MESSAGE,
    UserError,
    authenticate,
    check_own_password,
    log_out,
    set_password,
    valid_api_token_count,
)
from portal.security import safe_next_url


def home_for(user) -> str:
    if user.role is Role.FACILITY:
        return url_for("facility.home")
    return url_for("bureau.home")


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user, error = authenticate(form.username.data, form.password.data)
        db.session.commit()
        if user is None:
            flash(error, "danger")
        else:
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        # Every session of the account ends, including any copy of this session's cookie.
        log_out(current_user)
        db.session.commit()
        logout_user()
        flash(_("您已退出登录，该账号在其他设备上的登录也已结束"), "info")
    return redirect(url_for("public.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    if form.validate_on_submit():
        checked = check_own_password(current_user, form.current.data)
        db.session.commit()  # a failure counts towards the lock; a success starts again
        if checked == "locked":
            logout_user()
            flash(LOCKED_MESSAGE, "danger")
            return redirect(url_for("auth.login"))
        if checked == "wrong":
            form.current.errors.append(_("当前密码不正确"))
        else:
            try:
                set_password(current_user, current_user, form.new.data)
            except UserError as exc:
                form.new.errors.append(str(exc))
            else:
                db.session.commit()
                login_user(current_user._get_current_object())  # this session goes on
                if current_user.is_bureau:
                    flash(
                        _("密码已修改，该账号在其他设备上的登录已结束；接口令牌不受影响"),
                        "success",
                    )
                else:
                    flash(_("密码已修改，该账号在其他设备上的登录已结束"), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, api_tokens=_valid_api_tokens())


def _valid_api_tokens() -> int:
    """How many API tokens of the current account are valid (a password change keeps them)."""
    if not current_user.is_bureau:
        return 0  # facility accounts have none
    return valid_api_token_count(current_user)
