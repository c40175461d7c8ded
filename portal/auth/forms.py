from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.form_fields import Form
from portal.operations.users import PASSWORD_RULES


class LoginForm(Form):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)]
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)]
    )


class PasswordForm(Form):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new = PasswordField(
        _l("新密码"),
        description=PASSWORD_RULES,
        validators=[DataRequired(_l("请输入新密码")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("确认新密码"), validators=[EqualTo("new", message=_l("两次输入的新密码不一致"))]
    )


class EmptyForm(Form):
    """Button-only forms still carry a CSRF token."""
