from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, or_, select

from portal.auth.forms import EmptyForm
from portal.bureau import bp
from portal.bureau.forms import ResetPasswordForm, UserCreateForm, UserEditForm
from portal.bureau.loaders import get_or_404, get_user_or_404
from portal.extensions import db
from portal.models.enums import Role
from portal.models.user import ApiToken, User
from portal.operations.users import (
    UserError,
    create_api_token,
    create_user,
    revoke_api_token,
    set_password,
    unlock_user,
    update_user,
)
from portal.permissions import require
from portal.queries import get_facility_by_site_code
from portal.views_common import (
    changed_meanwhile,
    commit_or_errors,
    filter_choice,
    flash_form_errors,
    flashed,
    on_field,
    snapshot,
)


def _facility_from_form(form):
    code = (form.site_code.data or "").strip()
    if not code:
        return None, True
    facility = get_facility_by_site_code(code)
    if facility is None:
        form.site_code.errors.append(_("未找到该定点机构"))
        return None, False
    return facility, True


@bp.route("/users")
@require("users.manage")
def users():
    stmt = select(User)
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(
            or_(
                func.lower(User.username).contains(q.lower(), autoescape=True),
                User.display_name.contains(q, autoescape=True),
            )
        )
    if role := filter_choice(Role, "role"):
        stmt = stmt.where(User.role == role)
    page = db.paginate(
        stmt.order_by(User.username), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return render_template("bureau/users.html", page=page, roles=Role)


def _on_user_form(form: UserCreateForm):
    """A refusal under the field it is about: the password's under 初始密码."""

    def show(exc: UserError) -> None:
        on_field(form.password if exc.field == "password" else form.username)(exc)

    return show


@bp.route("/users/new", methods=["GET", "POST"])
@require("users.manage")
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        facility, ok = _facility_from_form(form)
        if ok:
            with commit_or_errors(UserError, _on_user_form(form)) as step:
                user = create_user(
                    current_user,
                    username=form.username.data,
                    display_name=form.display_name.data,
                    role=Role(form.role.data),
                    password=form.password.data,
                    facility=facility,
                )
            if step.committed:
                flash(_("已创建账号：%(name)s", name=user.username), "success")
                return redirect(url_for("bureau.user_edit", user_id=user.id))
    return render_template("bureau/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require("users.manage")
def user_edit(user_id: int):
    user = get_user_or_404(user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.site_code.data = user.facility.site_code if user.facility else ""
        form.seen.data = snapshot(user.audit_summary())
    if form.validate_on_submit() and not changed_meanwhile(form, "user", user.audit_summary()):
        facility, ok = _facility_from_form(form)
        if ok:
            role, facility_id, revoked = user.role, user.facility_id, 0
            with commit_or_errors(UserError, on_field(form.role)) as step:
                revoked = update_user(
                    current_user,
                    user,
                    display_name=form.display_name.data,
                    role=Role(form.role.data),
                    facility=facility,
                    active=form.active.data,
                )
            if step.committed:
                flash(_("已保存修改"), "success")
                if user.role is not role and revoked:
                    flash(
                        _(
                            "角色已变更：该账号已登录的会话均已结束，其 %(n)d 个有效的接口令牌"
                            "已全部吊销（如仍需使用，请重新创建）",
                            n=revoked,
                        ),
                        "info",
                    )
                elif user.role is not role:
                    flash(_("角色已变更：该账号已登录的会话均已结束"), "info")
                elif user.facility_id != facility_id:
                    flash(_("所属机构已变更：该账号已登录的会话均已结束"), "info")
                return redirect(url_for("bureau.user_edit", user_id=user.id))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    return render_template(
        "bureau/user_edit.html",
        user=user,
        form=form,
        password_form=ResetPasswordForm(),
        button_form=EmptyForm(),
        tokens=tokens,
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require("users.manage")
def user_password(user_id: int):
    user = get_user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with commit_or_errors(UserError, flashed("danger")) as step:
            revoked = set_password(current_user, user, form.password.data)
        if step.committed:
            if user.id == current_user.id:
                login_user(user)  # this session goes on; the others have ended
                flash(
                    _(
                        "密码已重置，该账号在其他设备上的会话均已结束；"
                        "本账号的接口令牌不受影响，如需吊销请在下方“接口令牌”中操作"
                    ),
                    "success",
                )
            elif revoked:
                flash(
                    _(
                        "密码已重置，该账号已登录的会话均已结束，"
                        "其 %(n)d 个有效的接口令牌已全部吊销（如仍需使用，请重新创建）",
                        n=revoked,
                    ),
                    "success",
                )
            elif user.is_bureau:
                flash(
                    _("密码已重置，该账号已登录的会话均已结束（该账号没有有效的接口令牌）"),
                    "success",
                )
            else:
                flash(_("密码已重置，该账号已登录的会话均已结束"), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("bureau.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@require("users.manage")
def user_unlock(user_id: int):
    user = get_user_or_404(user_id)
    if EmptyForm().validate_on_submit():
        if unlock_user(current_user, user):
            db.session.commit()
            flash(_("账号已解锁"), "success")
        else:
            flash(_("该账号未被锁定，无需解锁"), "info")
    return redirect(url_for("bureau.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/tokens", methods=["POST"])
@require("users.manage")
def user_token_new(user_id: int):
    user = get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("bureau.user_edit", user_id=user.id))
    with commit_or_errors(UserError, flashed("danger")) as step:
        token = create_api_token(current_user, user)
    if not step.committed:
        return redirect(url_for("bureau.user_edit", user_id=user.id))
    return render_template("bureau/token_created.html", user=user, token=token)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@require("users.manage")
def token_revoke(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if EmptyForm().validate_on_submit() and token.revoked_at is None:
        revoke_api_token(current_user, token)
        db.session.commit()
        flash(_("令牌已吊销"), "success")
    return redirect(url_for("bureau.user_edit", user_id=token.user_id))
