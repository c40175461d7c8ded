from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from portal.form_fields import REQUIRED, Form


class UploadForm(Form):
    campaign_id = HiddenField(_l("签署活动"), validators=[REQUIRED])
    file = FileField(
        _l("签字盖章后的承诺书扫描件"),
        description=_l(
            "PDF、JPEG 或 PNG；每次上传都保存为新版本，原有版本不会被覆盖；"
            "与最新一版或被退回的版本内容相同的文件不再保存"
        ),
        validators=[FileRequired(_l("请选择签字盖章后的承诺书扫描件"))],
    )


class ContactForm(Form):
    email = StringField(
        _l("通知邮箱"),
        description=_l("医保局的提醒、退回和核验通知将发送到该邮箱；留空表示不接收邮件"),
        validators=[Optional(), Length(max=254)],
    )
