from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)]
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)]
    )


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请输入新密码")), Length(max=200)]
    )
    confirm = PasswordField(
        _l("确认新密码"), validators=[EqualTo("new", message=_l("两次输入的新密码不一致"))]
    )


class EmptyForm(FlaskForm):
    """Button-only forms still carry a CSRF token."""
